// The service node's records (issue 9): users, VMM nodes, images and
// instances, as the store keeps them and the service, its REST API and
// cloud-client see them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stratus::cloud {

struct Quotas {
  std::int64_t instances = 16;
  std::int64_t vcpus = 32;
  std::int64_t memoryMiB = 32768;
  std::int64_t storageMiB = 204800;
  double maxHours = 24 * 7;  // the longest lease a user may ask for
};

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string accessKey;    // EC2/S3 access key id
  std::string secretKey;    // EC2/S3 secret
  std::string clientToken;  // cloud-client's bearer token
  bool disabled = false;
  Quotas quotas;
  std::int64_t created = 0;  // unix seconds
};

// A VMM node (Nimbus's nimbus-nodes): a stratusd the service places guests on.
struct VmmNode {
  std::int64_t id = 0;
  std::string uri;  // qemu+tcp://HOST/system, or test:///default (simulated)
  std::int64_t memoryMiB = 0;
  std::int64_t vcpus = 0;
  std::vector<std::string> networks;  // network pools whose slots it can serve
  enum class State { Up, Down, Disabled };
  State state = State::Up;
  std::int64_t lastSeen = 0;
  std::string lastError;
};

// An instance (a Nimbus "workspace"): one guest of one user on one node,
// with its lease.
struct Instance {
  std::int64_t id = 0;
  std::string handle;  // vm-0001a2b3: what users name it by
  std::int64_t ownerId = 0;
  std::string image;
  std::int64_t nodeId = 0;  // 0: not placed
  std::string nodeUri;
  std::string domain;  // the guest's name on the node
  std::int64_t vcpus = 1;
  std::int64_t memoryMiB = 256;
  // Nimbus's words: Unpropagated (placed, image not yet on the node),
  // Propagated, Running, Paused, TransportReady, Cancelled, Corrupted,
  // Destroying; and Destroyed once it is gone (kept for the record).
  std::string state = "Unpropagated";
  double hours = 1;
  std::int64_t started = 0;     // unix seconds
  std::int64_t terminates = 0;  // when the lease ends: shut down then
  std::int64_t destroyAfter = 0;  // 0: not yet; else destroy at this time (end of the grace period)
  std::string clientToken;
  struct Nic {
    std::string pool, ip, mac, hostname, gateway, netmask, broadcast, dns;
  };
  std::vector<Nic> nics;
};

// What a user asks for (cloud-client --run, RunInstances).
struct InstanceRequest {
  std::int64_t ownerId = 0;
  std::string image;
  std::int64_t vcpus = 1;
  std::int64_t memoryMiB = 256;
  double hours = 1;
  std::vector<std::string> networks;  // one NIC per network pool, in order
  std::string clientToken;            // idempotency: the same token returns the same instance
  std::string zone;                   // only nodes of this availability zone ("" any; EC2's Placement)
};

enum class PlacementStrategy { GreedyFill, RoundRobin };

const char* nodeStateName(VmmNode::State s);
// "a,b,,c" -> {"a", "b", "c"}: a comma-separated list of names.
std::vector<std::string> splitNames(const std::string& text);

}  // namespace stratus::cloud
