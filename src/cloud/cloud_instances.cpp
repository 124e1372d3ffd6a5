// CloudStore: instances, their placement and their leases (the parts of
// the store that the scheduler and the lease timers work on).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "cloud/cloud_store.h"
#include "cloud/scheduler.h"
#include "util/random.h"

namespace stratus::cloud {

namespace {

constexpr const char* kInstanceColumns =
    "i.id, i.handle, i.owner_id, i.image, COALESCE(i.node_id, 0), COALESCE(n.uri, ''), i.domain, i.vcpus, "
    "i.memory_mib, i.state, i.hours, i.started, i.terminates, COALESCE(i.destroy_after, 0), "
    "COALESCE(i.client_token, '')";
constexpr const char* kInstanceFrom = " FROM instances i LEFT JOIN nodes n ON n.id = i.node_id ";

Instance instanceFrom(const SqlRow& r) {
  Instance i;
  i.id = r.integer(0);
  i.handle = r.text(1);
  i.ownerId = r.integer(2);
  i.image = r.text(3);
  i.nodeId = r.integer(4);
  i.nodeUri = r.text(5);
  i.domain = r.text(6);
  i.vcpus = r.integer(7);
  i.memoryMiB = r.integer(8);
  i.state = r.text(9);
  i.hours = r.real(10);
  i.started = r.integer(11);
  i.terminates = r.integer(12);
  i.destroyAfter = r.integer(13);
  i.clientToken = r.text(14);
  return i;
}

// The NICs of the instances that `where` selects (the same WHERE as theirs):
// only their leases are read, through the lease table's instance index.
Status loadNics(SqlDb& db, std::vector<Instance>& instances, const std::string& where,
                const std::vector<SqlValue>& args) {
  if (instances.empty()) return okStatus();
  std::map<std::int64_t, Instance*> byId;
  for (auto& i : instances) byId[i.id] = &i;
  return db.query(std::string("SELECT l.instance_id, l.pool, l.ip, l.mac, l.hostname") + kInstanceFrom +
                      "JOIN nic_leases l ON l.instance_id = i.id " + where + " ORDER BY l.instance_id, l.nic",
                  args, [&](const SqlRow& r) {
                    if (auto it = byId.find(r.integer(0)); it != byId.end())
                      it->second->nics.push_back({r.text(1), r.text(2), r.text(3), r.text(4), "", "", "", ""});
                    return true;
                  });
}

Result<std::vector<Instance>> selectInstances(SqlDb& db, const std::string& where, const std::vector<SqlValue>& args,
                                              bool withNics = true) {
  std::vector<Instance> out;
  STRATUS_TRY(db.query(std::string("SELECT ") + kInstanceColumns + kInstanceFrom + where + " ORDER BY i.id", args,
                       [&](const SqlRow& r) {
                         out.push_back(instanceFrom(r));
                         return true;
                       }));
  if (withNics) STRATUS_TRY(loadNics(db, out, where, args));
  return out;
}

Error noInstance(const std::string& handle) {
  return Error(ErrorCode::NoDomain, "no instance with handle '" + handle + "'");
}

}  // namespace

Result<Instance> CloudStore::placeInstance(const InstanceRequest& req, PlacementStrategy strategy,
                                           const std::vector<NetworkPool>& pools, std::int64_t now) {
  if (req.vcpus <= 0 || req.memoryMiB <= 0)
    return Error(ErrorCode::InvalidArgument, "invalid argument: an instance needs at least 1 vCPU and 1 MiB");
  if (!(req.hours > 0) || !std::isfinite(req.hours))
    return Error(ErrorCode::InvalidArgument, "invalid argument: --hours must be greater than 0");
  std::map<std::string, const NetworkPool*> poolByName;
  for (const auto& p : pools) poolByName[p.name] = &p;
  for (const auto& n : req.networks)
    if (!poolByName.count(n)) return Error(ErrorCode::NoNetwork, "no network pool named '" + n + "'");

  Instance out;
  std::map<std::string, std::size_t> hints;  // where the next search of each pool starts, once committed
  Status s = db_->transaction([&]() -> Status {
    if (!req.clientToken.empty()) {
      auto prior = selectInstances(*db_, "WHERE i.owner_id = ? AND i.client_token = ?", {req.ownerId, req.clientToken});
      if (!prior) return std::move(prior).error();
      if (!prior->empty()) {
        out = prior->front();
        return okStatus();
      }
    }
    // The owner's quotas against what they run now.
    std::optional<User> owner;
    STRATUS_TRY(db_->query("SELECT id, name, disabled, max_instances, max_vcpus, max_memory_mib, max_hours FROM users "
                           "WHERE id = ?",
                           {req.ownerId}, [&](const SqlRow& r) {
                             User u;
                             u.id = r.integer(0);
                             u.name = r.text(1);
                             u.disabled = r.integer(2) != 0;
                             u.quotas.instances = r.integer(3);
                             u.quotas.vcpus = r.integer(4);
                             u.quotas.memoryMiB = r.integer(5);
                             u.quotas.maxHours = r.real(6);
                             owner = u;
                             return false;
                           }));
    if (!owner) return Error(ErrorCode::AuthFailed, "authentication failed: no such user");
    if (owner->disabled) return Error(ErrorCode::AuthFailed, "authentication failed: user '" + owner->name + "' is disabled");
    if (req.hours > owner->quotas.maxHours)
      return Error(ErrorCode::InvalidArgument, "invalid argument: " + std::to_string(req.hours) +
                                                   " hours is more than the " + std::to_string(owner->quotas.maxHours) +
                                                   " hours user '" + owner->name + "' may ask for");
    std::int64_t count = 0, vcpus = 0, mem = 0;
    STRATUS_TRY(db_->query("SELECT COUNT(*), COALESCE(SUM(vcpus), 0), COALESCE(SUM(memory_mib), 0) FROM instances "
                           "WHERE owner_id = ? AND state NOT IN ('Destroyed', 'Corrupted')",
                           {req.ownerId}, [&](const SqlRow& r) {
                             count = r.integer(0);
                             vcpus = r.integer(1);
                             mem = r.integer(2);
                             return false;
                           }));
    auto quota = [&](const char* what, std::int64_t used, std::int64_t more, std::int64_t max) -> Status {
      if (used + more > max)
        return Error(ErrorCode::OperationInvalid, "quota exceeded: user '" + owner->name + "' would have " +
                                                      std::to_string(used + more) + " " + what + " (at most " +
                                                      std::to_string(max) + ")");
      return okStatus();
    };
    STRATUS_TRY(quota("instances", count, 1, owner->quotas.instances));
    STRATUS_TRY(quota("vCPUs", vcpus, req.vcpus, owner->quotas.vcpus));
    STRATUS_TRY(quota("MiB of memory", mem, req.memoryMiB, owner->quotas.memoryMiB));

    // The nodes with room, best first for the strategy (the order
    // chooseNode decides by); chooseNode checks the few read. Should every
    // one of them fail its exact checks (a network name that LIKE matched
    // without regard to case), all nodes with room are read.
    std::int64_t last = 0;
    STRATUS_TRY(db_->query("SELECT last_node_id FROM scheduler_state WHERE id = 1", {}, [&](const SqlRow& r) {
      last = r.integer(0);
      return false;
    }));
    std::vector<NodeLoad> loads;
    std::optional<std::size_t> chosen;
    for (std::int64_t limit : {std::int64_t{32}, std::int64_t{-1}}) {
      STRATUS_TRY(candidateNodes(req, strategy, last, limit, loads));
      chosen = chooseNode(loads, req, strategy, last);
      if (chosen || limit < 0 || static_cast<std::int64_t>(loads.size()) < limit) break;
    }
    if (!chosen) {
      std::string nets;
      for (const auto& n : req.networks) nets += (nets.empty() ? " on network " : ", ") + ("'" + n + "'");
      if (!req.zone.empty()) nets += " in zone '" + req.zone + "'";
      return Error(ErrorCode::OperationFailed, "operation failed: no node has room for " + std::to_string(req.vcpus) +
                                                   " vCPU(s) and " + std::to_string(req.memoryMiB) + " MiB" + nets);
    }
    const VmmNode& node = loads[*chosen].node;
    STRATUS_TRY(db_->exec("UPDATE scheduler_state SET last_node_id = ? WHERE id = 1", {node.id}));

    out = Instance{};
    out.handle = "vm-" + randomHex(4);
    out.ownerId = req.ownerId;
    out.image = req.image;
    out.nodeId = node.id;
    out.nodeUri = node.uri;
    out.domain = out.handle;
    out.vcpus = req.vcpus;
    out.memoryMiB = req.memoryMiB;
    out.state = "Unpropagated";
    out.hours = req.hours;
    out.started = now;
    out.terminates = now + static_cast<std::int64_t>(std::llround(req.hours * 3600.0));
    out.clientToken = req.clientToken;
    STRATUS_TRY(db_->query("INSERT INTO instances (handle, owner_id, image, node_id, domain, vcpus, memory_mib, state, "
                           "hours, started, terminates, client_token, created) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                           {out.handle, out.ownerId, out.image, out.nodeId, out.domain, out.vcpus, out.memoryMiB,
                            out.state, out.hours, out.started, out.terminates,
                            req.clientToken.empty() ? SqlValue(nullptr) : SqlValue(req.clientToken), now},
                           [&](const SqlRow& r) {
                             out.id = r.integer(0);
                             return false;
                           }));
    STRATUS_TRY(db_->exec("UPDATE nodes SET used_vcpus = used_vcpus + ?, used_memory_mib = used_memory_mib + ? WHERE id = ?",
                          {out.vcpus, out.memoryMiB, node.id}));

    // One slot per NIC: the first of the pool nobody holds.
    hints.clear();
    for (std::size_t nic = 0; nic < req.networks.size(); ++nic) {
      const NetworkPool& pool = *poolByName[req.networks[nic]];
      auto free = firstFreeSlot(pool, slotHint(pool.name));
      if (!free) return std::move(free).error();
      if (!*free) return Error(ErrorCode::OperationFailed, "operation failed: network pool '" + pool.name + "' has no free slot");
      const NetworkSlot& slot = pool.slots[**free];
      STRATUS_TRY(db_->exec("INSERT INTO nic_leases (pool, ip, instance_id, nic, mac, hostname) VALUES (?, ?, ?, ?, ?, ?)",
                            {pool.name, slot.ip, out.id, static_cast<std::int64_t>(nic), slot.mac, slot.hostname}));
      hints[pool.name] = **free + 1;
      out.nics.push_back({pool.name, slot.ip, slot.mac, slot.hostname, slot.gateway, slot.netmask, slot.broadcast,
                          pool.dns});
    }
    return okStatus();
  });
  if (!s) return std::move(s).error();
  {
    std::lock_guard lk(hintMu_);
    for (const auto& [pool, next] : hints) slotHints_[pool] = next;
  }
  return out;
}

Status CloudStore::candidateNodes(const InstanceRequest& req, PlacementStrategy strategy, std::int64_t lastNodeId,
                                  std::int64_t limit, std::vector<NodeLoad>& out) {
  out.clear();
  std::string sql =
      "SELECT id, uri, memory_mib, vcpus, networks, used_vcpus, used_memory_mib FROM nodes "
      "WHERE state = 'up' AND vcpus - used_vcpus >= ? AND memory_mib - used_memory_mib >= ?";
  std::vector<SqlValue> args{req.vcpus, req.memoryMiB};
  if (!req.zone.empty()) {
    sql += " AND zone = ?";
    args.push_back(req.zone);
  }
  for (const auto& net : req.networks) {
    // ",a,b," holds ",a,": LIKE with its wildcards escaped.
    std::string pattern = "%,";
    for (char c : net) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    sql += " AND (',' || networks || ',') LIKE ? ESCAPE '\\'";
    args.push_back(pattern + ",%");
  }
  if (strategy == PlacementStrategy::GreedyFill) {
    sql += " ORDER BY memory_mib - used_memory_mib, id";
  } else {
    sql += " ORDER BY CASE WHEN id > ? THEN 0 ELSE 1 END, id";
    args.push_back(lastNodeId);
  }
  if (limit >= 0) {
    sql += " LIMIT ?";
    args.push_back(limit);
  }
  return db_->query(sql, args, [&](const SqlRow& r) {
    NodeLoad l;
    l.node.id = r.integer(0);
    l.node.uri = r.text(1);
    l.node.memoryMiB = r.integer(2);
    l.node.vcpus = r.integer(3);
    l.node.networks = splitNames(r.text(4));
    l.node.state = VmmNode::State::Up;
    l.usedVcpus = r.integer(5);
    l.usedMemoryMiB = r.integer(6);
    out.push_back(std::move(l));
    return true;
  });
}

std::size_t CloudStore::slotHint(const std::string& pool) {
  std::lock_guard lk(hintMu_);
  auto it = slotHints_.find(pool);
  return it == slotHints_.end() ? 0 : it->second;
}

// Probes the pool's slots from `from` to the end, then from the start, a
// batch at a time against the lease table's (pool, ip) key: with slots
// leased in order, a placement looks at a handful of rows instead of every
// lease of the pool. The hint only says where to start: what is free is
// always the database's word.
Result<std::optional<std::size_t>> CloudStore::firstFreeSlot(const NetworkPool& pool, std::size_t from) {
  constexpr std::size_t kBatch = 32;
  const std::size_t n = pool.slots.size();
  if (from >= n) from = 0;
  auto probe = [&](std::size_t begin, std::size_t end) -> Result<std::optional<std::size_t>> {
    for (std::size_t b = begin; b < end; b += kBatch) {
      std::size_t e = std::min(end, b + kBatch);
      std::string sql = "SELECT ip FROM nic_leases WHERE pool = ? AND ip IN (";
      std::vector<SqlValue> args{pool.name};
      for (std::size_t k = b; k < e; ++k) {
        sql += k == b ? "?" : ", ?";
        args.push_back(pool.slots[k].ip);
      }
      sql += ")";
      std::set<std::string> taken;
      STRATUS_TRY(db_->query(sql, args, [&](const SqlRow& r) {
        taken.insert(r.text(0));
        return true;
      }));
      for (std::size_t k = b; k < e; ++k)
        if (!taken.count(pool.slots[k].ip)) return std::optional<std::size_t>(k);
    }
    return std::optional<std::size_t>();
  };
  auto after = probe(from, n);
  if (!after || *after) return after;
  return probe(0, from);
}

Result<Instance> CloudStore::instance(const std::string& handle) {
  auto v = selectInstances(*db_, "WHERE i.handle = ?", {handle});
  if (!v) return std::move(v).error();
  if (v->empty()) return noInstance(handle);
  return v->front();
}

Result<std::vector<Instance>> CloudStore::listInstances(std::int64_t ownerId, bool includeDestroyed) {
  std::string where = ownerId ? "WHERE i.owner_id = ?" : "WHERE 1 = 1";
  if (!includeDestroyed) where += " AND i.state != 'Destroyed'";
  return selectInstances(*db_, where, ownerId ? std::vector<SqlValue>{ownerId} : std::vector<SqlValue>{});
}

Result<std::vector<Instance>> CloudStore::instancesOnNodes() {
  // The live ones (the partial index's WHERE first, so the planner can use it).
  return selectInstances(*db_, "WHERE i.state NOT IN ('Destroyed', 'Corrupted') AND i.node_id IS NOT NULL AND "
                               "i.state IN ('Running', 'Paused', 'Propagated', 'Unknown')",
                         {}, false);
}

Result<std::int64_t> CloudStore::instancesUsingImage(std::int64_t nodeId, const std::string& image,
                                                     const std::string& except) {
  std::int64_t n = 0;
  STRATUS_TRY(db_->query("SELECT COUNT(*) FROM instances WHERE node_id = ? AND image = ? AND "
                         "handle != ? AND state NOT IN ('Destroyed', 'Corrupted')",
                         {nodeId, image, except}, [&](const SqlRow& r) {
                           n = r.integer(0);
                           return false;
                         }));
  return n;
}

Status CloudStore::setInstanceState(const std::string& handle, const std::string& state) {
  return db_->transaction([&]() -> Status {
    STRATUS_TRY(db_->exec("UPDATE instances SET state = ? WHERE handle = ?", {state, handle}));
    if (db_->changes() == 0) return noInstance(handle);
    return okStatus();
  });
}

Result<bool> CloudStore::changeInstanceState(const std::string& handle, const std::string& from, const std::string& to) {
  STRATUS_TRY(db_->exec("UPDATE instances SET state = ? WHERE handle = ? AND state = ?", {to, handle, from}));
  return db_->changes() > 0;
}

Status CloudStore::setLease(const std::string& handle, std::int64_t terminates, std::int64_t destroyAfter) {
  return db_->transaction([&]() -> Status {
    STRATUS_TRY(db_->exec("UPDATE instances SET terminates = ?, destroy_after = ? WHERE handle = ?",
                          {terminates, destroyAfter ? SqlValue(destroyAfter) : SqlValue(nullptr), handle}));
    if (db_->changes() == 0) return noInstance(handle);
    return okStatus();
  });
}

Status CloudStore::releaseInstance(const std::string& handle, const std::string& finalState) {
  return db_->transaction([&]() -> Status {
    auto i = instance(handle);
    if (!i) return std::move(i).error();
    STRATUS_TRY(db_->exec("DELETE FROM nic_leases WHERE instance_id = ?", {i->id}));
    // What it held on its node is free again, once: a second release of a
    // gone instance gives nothing back twice.
    if (i->nodeId && i->state != "Destroyed" && i->state != "Corrupted")
      STRATUS_TRY(db_->exec("UPDATE nodes SET used_vcpus = used_vcpus - ?, used_memory_mib = used_memory_mib - ? WHERE id = ?",
                            {i->vcpus, i->memoryMiB, i->nodeId}));
    {
      // A freed slot may lie before a pool's hint: search those from the start again.
      std::lock_guard lk(hintMu_);
      for (const auto& nic : i->nics) slotHints_.erase(nic.pool);
    }
    return db_->exec("UPDATE instances SET state = ?, destroy_after = NULL WHERE id = ?", {finalState, i->id});
  });
}

Result<std::vector<Instance>> CloudStore::expiredLeases(std::int64_t now) {
  return selectInstances(*db_, "WHERE i.state NOT IN ('Destroyed', 'Destroying', 'Cancelled') AND i.destroy_after IS NULL "
                               "AND i.terminates <= ?",
                         {now});
}

Result<std::vector<Instance>> CloudStore::graceEnded(std::int64_t now) {
  return selectInstances(*db_, "WHERE i.state NOT IN ('Destroyed', 'Corrupted') AND i.destroy_after IS NOT NULL AND i.destroy_after <= ?",
                         {now});
}

}  // namespace stratus::cloud
