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

const char* nodeStateName(VmmNode::State s);
// "a,b,,c" -> {"a", "b", "c"}: a comma-separated list of names.
std::vector<std::string> splitNames(const std::string& text);

}  // namespace stratus::cloud
