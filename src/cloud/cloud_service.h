// The service node's work on instances (issue 9): run = place (one store
// transaction) + propagate the image to the node + give each NIC's slot a
// DHCP host entry on the node's network + define and start the guest;
// terminate undoes all of it; tick() enforces leases: an instance whose
// lease ended is shut down (ACPI) and destroyed when the grace period ends.
// Every step is recorded in the store first, so a service killed at any
// point finds its instances and timers again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/cloud_init_seed.h"
#include "cloud/cloud_store.h"
#include "cloud/image_repository.h"
#include "cloud/network_pool.h"
#include "cloud/node_links.h"

namespace stratus::cloud {

struct ServiceOptions {
  PlacementStrategy strategy = PlacementStrategy::GreedyFill;
  std::int64_t graceSeconds = 600;  // Nimbus's default: 10 minutes between shutdown and destroy
  std::string poolsDir;             // the network pool files
  std::string consoleDir;           // on nodes: where instance consoles are logged ("" pty)
  // How long --save waits for the guest to power off (ACPI) before it pulls
  // the plug: the disk is copied only from a stopped guest.
  std::chrono::milliseconds saveShutdownTimeout = std::chrono::seconds(60);
};

class CloudService {
 public:
  CloudService(CloudStore& store, ImageRepository& images, NodeLinks& nodes, ServiceOptions opts)
      : store_(store), images_(images), nodes_(nodes), opts_(std::move(opts)) {}

  // (Re)reads the network pools; a bad file is an error and the old pools stay.
  Status loadPools();
  std::vector<NetworkPool> pools();

  // `seed`: a cloud-init NoCloud seed (EC2's UserData and key pair) the
  // guest finds on a CD-ROM; none for cloud-client's instances.
  Result<Instance> run(const User& user, InstanceRequest request, std::int64_t now, const InstanceSeed* seed = nullptr);
  Result<Instance> describe(const User& user, const std::string& handle);
  Result<std::vector<Instance>> list(const User& user);
  Status terminate(const User& user, const std::string& handle);
  // A new lease end: `hours` from now (cloud-client --hours on a running instance).
  Status extend(const User& user, const std::string& handle, double hours, std::int64_t now);

  // Nimbus's shutdown-save: the guest is shut down (TransportReady), its
  // disk copied back into the user's images as `newName` (default
  // IMAGE-HANDLE), then the instance is terminated. A failed copy starts
  // the guest again and the instance stays Running.
  Result<Image> save(const User& user, const std::string& handle, std::string newName);
  // Power verbs (cloud_service_power.cpp; EC2's Stop/Start/RebootInstances).
  // A stopped instance keeps its node's resources and its slots, and its
  // lease keeps running: stop powers the guest off (ACPI, then forced
  // after `graceSeconds`), start boots it again, reboot restarts a running one.
  Status stop(const User& user, const std::string& handle, bool force, std::int64_t graceSeconds = 30);
  Status start(const User& user, const std::string& handle);
  Status reboot(const User& user, const std::string& handle);
  // The tail of the instance's serial console log on its node ("" when the
  // node keeps none: consoles on a pty, a simulated node).
  Result<std::string> consoleOutput(const User& user, const std::string& handle, std::uint64_t maxBytes);

  // Enforce leases at `now`: returns "shutdown HANDLE" / "destroy HANDLE"
  // lines for what it did.
  std::vector<std::string> tick(std::int64_t now);

  // Health: ask every node that is not disabled for its guests. A node that
  // does not answer is marked down and its instances Unknown (not lost:
  // they come back as what the node reports once it answers again).
  void checkNodes(std::int64_t now);

 private:
  Result<Instance> owned(const User& user, const std::string& handle);
  // Propagate and start a placed instance; on failure undo what was done.
  Status launch(Instance& instance, const Image& image, const InstanceSeed* seed);
  // Builds the seed ISO and puts it in the node's pool as VOLUME.
  Status propagateSeed(daemon::NodeService& node, const std::string& pool, const Instance& instance,
                       const InstanceSeed& seed, const std::string& volume);
  // Remove the guest, its disk and DHCP entries from its node (best effort),
  // and the node's cached base of a qcow2 image no other instance there uses.
  void clearNode(const Instance& instance);
  // A qcow2 image is uploaded once per node, as the base volume
  // image-ID.qcow2 that instance disks are copy-on-write clones of; its path.
  Result<std::string> ensureBase(daemon::NodeService& node, const std::string& nodeUri, const std::string& pool,
                                 const Image& image);
  void fillNicDetails(Instance& instance);

  CloudStore& store_;
  ImageRepository& images_;
  NodeLinks& nodes_;
  ServiceOptions opts_;
  // The pools as loaded, each slot found by pool and IP: requests in
  // flight share one set, loadPools replaces it whole (10,000 slots are
  // neither copied per request nor searched one by one).
  struct PoolSet {
    std::vector<NetworkPool> pools;
    std::map<std::string, std::pair<const NetworkPool*, std::map<std::string, const NetworkSlot*>>> byName;
  };
  std::shared_ptr<const PoolSet> poolSet();
  std::mutex poolsMu_;
  // One upload of a base per node and image at a time (key: node URI + base
  // name); the second launch waits and then finds it there.
  std::mutex basesMu_;
  std::map<std::string, std::shared_ptr<std::mutex>> baseLocks_;
  std::shared_ptr<const PoolSet> pools_ = std::make_shared<PoolSet>();
};

}  // namespace stratus::cloud
