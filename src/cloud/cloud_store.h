// Everything the service node knows, in its database (the SQLite file
// ROOT/var/lib/stratus-cloud/cloud.db by default, or PostgreSQL: sql_db.h):
// users and their keys, VMM nodes, images, instances with their leases, and which network slot each NIC
// holds. No state lives only in memory: a service killed at any point
// comes back with all of it. The schema is cloud_schema.cpp's migrations.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud_types.h"
#include "cloud/network_pool.h"
#include "cloud/scheduler.h"
#include "cloud/sql_db.h"
#include "util/error.h"

namespace stratus::cloud {

class CloudStore {
 public:
  // Opens the database and brings its schema up to date: a
  // postgresql:// URL, or an SQLite file (created, with its directory).
  static Result<std::unique_ptr<CloudStore>> open(const std::string& url);

  // ---- users (nimbus-new-user, nimbus-list-users) ----
  // A new user with fresh keys: access key id (20 characters, AWS style),
  // secret (40), cloud-client token (64 hex). Names: letters, digits and
  // ._@- (1-64 characters); a taken name is DomainExists-style refused.
  Result<User> addUser(const std::string& name, const Quotas& quotas = {});
  Result<std::vector<User>> listUsers();
  Result<User> user(const std::string& name);
  Result<User> userByAccessKey(const std::string& accessKey);
  Result<User> userByToken(const std::string& token);
  Status setUserDisabled(const std::string& name, bool disabled);
  // New limits; what already runs or is stored stays, only new requests
  // are held to them.
  Status setUserQuotas(const std::string& name, const Quotas& quotas);

  // ---- VMM nodes (nimbus-nodes) ----
  Result<VmmNode> addNode(const VmmNode& node);
  Result<std::vector<VmmNode>> listNodes();
  Result<VmmNode> node(const std::string& uri);
  Status setNodeState(const std::string& uri, VmmNode::State state, const std::string& error = {});
  // Refused while instances are placed on it.
  Status removeNode(const std::string& uri);

  // ---- instances ----
  // Places a new instance in one transaction: the same client token of
  // the same user returns the instance it made before; the user's quotas
  // are checked; a node is chosen (scheduler.h) among those with room;
  // each NIC leases the first free slot of its network pool. `now`: unix
  // seconds (the lease runs from now for request.hours).
  Result<Instance> placeInstance(const InstanceRequest& request, PlacementStrategy strategy,
                                 const std::vector<NetworkPool>& pools, std::int64_t now);
  Result<Instance> instance(const std::string& handle);
  // ownerId 0: everyone's. Destroyed instances only with includeDestroyed.
  Result<std::vector<Instance>> listInstances(std::int64_t ownerId, bool includeDestroyed = false);
  // What the health check compares with the nodes' guests: instances on a
  // node that are Running, Paused, Propagated or Unknown; without their NICs.
  Result<std::vector<Instance>> instancesOnNodes();
  Status setInstanceState(const std::string& handle, const std::string& state);
  // Instances started from an image named `image` (anyone's: a user's own
  // image may share a common one's name, so this may count too many, never
  // too few) on node `nodeId` that still hold a disk there, `except` not
  // counted: is the node's cached base of that image still needed?
  Result<std::int64_t> instancesUsingImage(std::int64_t nodeId, const std::string& image, const std::string& except);
  // Only while it is still `from` (what the caller saw): false when it was
  // not, e.g. terminated meanwhile (the health check must not bring a
  // Destroyed instance back as Unknown).
  Result<bool> changeInstanceState(const std::string& handle, const std::string& from, const std::string& to);
  // The lease: new end (e.g. cloud-client --hours on a running instance),
  // the grace deadline once it is shut down.
  Status setLease(const std::string& handle, std::int64_t terminates, std::int64_t destroyAfter);
  // The instance is gone: `finalState` (Destroyed, or Corrupted when its
  // start failed), its slots free again.
  Status releaseInstance(const std::string& handle, const std::string& finalState = "Destroyed");
  // Instances whose lease ended (terminates <= now, not yet shut down) and
  // those whose grace period ended (destroyAfter <= now).
  Result<std::vector<Instance>> expiredLeases(std::int64_t now);
  Result<std::vector<Instance>> graceEnded(std::int64_t now);

  SqlDb& db() { return *db_; }

 private:
  explicit CloudStore(std::unique_ptr<SqlDb> db) : db_(std::move(db)) {}
  // The index of the first slot of `pool` no lease holds, searching from
  // `from` (wrapping); nullopt when every slot is leased.
  Result<std::optional<std::size_t>> firstFreeSlot(const NetworkPool& pool, std::size_t from);
  std::size_t slotHint(const std::string& pool);
  // The up nodes with room for `req` and its networks, in the strategy's
  // order (at most `limit`; -1: all).
  Status candidateNodes(const InstanceRequest& req, PlacementStrategy strategy, std::int64_t lastNodeId,
                        std::int64_t limit, std::vector<NodeLoad>& out);
  std::unique_ptr<SqlDb> db_;
  // Per pool, the slot after the last one this store leased: where the next
  // search starts (a cache that only saves probes; never trusted for what is free).
  std::mutex hintMu_;
  std::map<std::string, std::size_t> slotHints_;
};

// The schema, version by version (cloud_schema.cpp).
const std::vector<Migration>& cloudSchema();

}  // namespace stratus::cloud
