#include "cloud/cloud_service.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <thread>

#include "cloud/instance_domain.h"
#include "daemon/file_volume_sink.h"
#include "daemon/file_volume_source.h"

namespace stratus::cloud {

namespace {

// The node's pool for instance disks: "default", else its first active pool.
Result<std::string> diskPool(daemon::NodeService& node) {
  auto pools = node.listPools();
  if (!pools) return std::move(pools).error();
  std::string first;
  for (const auto& p : *pools) {
    if (!p.active) continue;
    if (p.name == "default") return p.name;
    if (first.empty()) first = p.name;
  }
  if (first.empty()) return Error(ErrorCode::NoStoragePool, "the node has no active storage pool for instance disks");
  return first;
}

std::string volumeName(const Instance& i, const Image& img) { return i.handle + "." + img.format; }
std::string baseName(std::int64_t imageId) { return "image-" + std::to_string(imageId) + ".qcow2"; }

std::string volumeXml(const std::string& name, const Image& img) {
  return "<volume><name>" + name + "</name><capacity unit='bytes'>" + std::to_string(img.sizeBytes) +
         "</capacity><target><format type='" + img.format + "'/></target></volume>";
}

// A qcow2 overlay on the node's base: as large as the base, its writes its own.
std::string cloneXml(const std::string& name, const std::string& basePath) {
  return "<volume><name>" + name + "</name><target><format type='qcow2'/></target><backingStore><path>" + basePath +
         "</path><format type='qcow2'/></backingStore></volume>";
}

// The image's bytes into volume `vol` (created here) of `pool`; a failed
// copy deletes the volume again.
Status propagate(daemon::NodeService& n, const std::string& pool, const std::string& vol, const Image& image) {
  STRATUS_TRY(n.createVolume(pool, volumeXml(vol, image), "<instance disk>", {}));
  auto src = daemon::FileVolumeSource::open(image.path);
  Status s = src ? n.uploadVolume(pool, vol, {}, **src) : Status(std::move(src).error());
  // A simulated node (test:///) has simulated disks: nothing to copy.
  if (!s && s.error().code == ErrorCode::Unsupported) return okStatus();
  if (!s) (void)n.deleteVolume(pool, vol);
  return s;
}

daemon::NetworkUpdate dhcpUpdate(const char* command, const Instance::Nic& nic) {
  daemon::NetworkUpdate u;
  u.command = command;
  u.section = "ip-dhcp-host";
  u.xml = dhcpHostXml(nic);
  return u;
}

daemon::ModifyScope liveAndConfig() {
  daemon::ModifyScope s;
  s.live = true;
  s.config = true;
  return s;
}

}  // namespace

Status CloudService::loadPools() {
  auto p = loadNetworkPools(opts_.poolsDir);
  if (!p) return std::move(p).error();
  auto set = std::make_shared<PoolSet>();
  set->pools = std::move(*p);
  for (const auto& pool : set->pools) {
    auto& [poolPtr, slots] = set->byName[pool.name];
    poolPtr = &pool;
    for (const auto& slot : pool.slots) slots[slot.ip] = &slot;
  }
  std::lock_guard lk(poolsMu_);
  pools_ = std::move(set);
  return okStatus();
}

std::shared_ptr<const CloudService::PoolSet> CloudService::poolSet() {
  std::lock_guard lk(poolsMu_);
  return pools_;
}

std::vector<NetworkPool> CloudService::pools() { return poolSet()->pools; }

void CloudService::fillNicDetails(Instance& i) {
  auto set = poolSet();
  for (auto& nic : i.nics) {
    auto p = set->byName.find(nic.pool);
    if (p == set->byName.end()) continue;
    auto slot = p->second.second.find(nic.ip);
    if (slot == p->second.second.end()) continue;
    nic.gateway = slot->second->gateway;
    nic.netmask = slot->second->netmask;
    nic.broadcast = slot->second->broadcast;
    nic.dns = p->second.first->dns;
  }
}

Result<Instance> CloudService::run(const User& user, InstanceRequest request, std::int64_t now, const InstanceSeed* seed) {
  if (user.disabled) return Error(ErrorCode::AuthFailed, "authentication failed: user '" + user.name + "' is disabled");
  auto image = images_.find(user.id, request.image);
  if (!image) return std::move(image).error();
  if (!image->problem.empty())
    return Error(ErrorCode::OperationInvalid, "operation invalid: image '" + image->name + "' cannot boot: " + image->problem);
  request.ownerId = user.id;
  auto placed = store_.placeInstance(request, opts_.strategy, poolSet()->pools, now);
  if (!placed) return std::move(placed).error();
  Instance inst = std::move(*placed);
  if (inst.state != "Unpropagated") return inst;  // a retried request (same client token)
  if (auto s = launch(inst, *image, seed); !s) {
    spdlog::warn("instance {}: start on {} failed: {}", inst.handle, inst.nodeUri, s.error().message);
    (void)store_.releaseInstance(inst.handle, "Corrupted");
    return std::move(s).error();
  }
  fillNicDetails(inst);
  return inst;
}

Status CloudService::launch(Instance& inst, const Image& image, const InstanceSeed* seed) {
  auto node = nodes_.get(inst.nodeUri);
  if (!node) return std::move(node).error();
  auto& n = **node;
  auto pool = diskPool(n);
  if (!pool) return std::move(pool).error();
  std::string vol = volumeName(inst, image);
  auto undo = [&](Error e) {
    clearNode(inst);
    return e;
  };
  // Propagate: the image's bytes become the instance's own volume, or, for
  // qcow2, the node's shared base of which the instance gets a clone.
  if (image.format == "qcow2") {
    auto base = ensureBase(n, inst.nodeUri, *pool, image);
    if (!base) return undo(std::move(base).error());
    if (auto v = n.createVolume(*pool, cloneXml(vol, *base), "<instance disk>", {}); !v)
      return undo(std::move(v).error());
  } else if (auto s = propagate(n, *pool, vol, image); !s) {
    return undo(std::move(s).error());
  }
  std::string seedVol = seed ? inst.handle + ".seed.iso" : std::string();
  if (seed)
    if (auto s = propagateSeed(n, *pool, inst, *seed, seedVol); !s) return undo(std::move(s).error());
  STRATUS_TRY(store_.setInstanceState(inst.handle, "Propagated"));
  inst.state = "Propagated";
  // The node's DHCP hands each NIC its slot's address.
  for (const auto& nic : inst.nics)
    if (auto s = n.updateNetwork(nic.pool, dhcpUpdate("add-last", nic), liveAndConfig()); !s)
      return undo(Error(s.error().code, "node " + inst.nodeUri + ": network '" + nic.pool + "': " + s.error().message));
  DomainPlan plan;
  plan.pool = *pool;
  plan.volume = vol;
  plan.format = image.format;
  plan.seedVolume = seedVol;
  if (!opts_.consoleDir.empty()) plan.consoleLog = opts_.consoleDir + "/" + inst.handle + ".console";
  if (auto d = n.defineDomain(instanceDomainXml(inst, plan), "<instance " + inst.handle + ">"); !d)
    return undo(std::move(d).error());
  if (auto s = n.startDomain(inst.domain, {}); !s) return undo(std::move(s).error());
  STRATUS_TRY(store_.setInstanceState(inst.handle, "Running"));
  inst.state = "Running";
  return okStatus();
}

Result<std::string> CloudService::ensureBase(daemon::NodeService& n, const std::string& nodeUri,
                                             const std::string& pool, const Image& image) {
  std::string name = baseName(image.id);
  std::shared_ptr<std::mutex> lock;
  {
    std::lock_guard lk(basesMu_);
    auto& l = baseLocks_[nodeUri + " " + name];
    if (!l) l = std::make_shared<std::mutex>();
    lock = l;
  }
  std::lock_guard lk(*lock);
  // A base shorter than the image is a copy a killed service left half-done:
  // made again. (0: a simulated node's volume, which has no bytes at all.)
  if (auto v = n.lookupVolume(pool, name)) {
    auto have = static_cast<std::int64_t>(v->physical);
    if (have == 0 || have >= image.sizeBytes) return v->path;
    spdlog::warn("node {}: base {} is incomplete ({} of {} bytes); copying it again", nodeUri, name, v->physical,
                 image.sizeBytes);
    (void)n.deleteVolume(pool, name);
  }
  STRATUS_TRY(propagate(n, pool, name, image));
  auto v = n.lookupVolume(pool, name);
  if (!v) return std::move(v).error();
  return v->path;
}

void CloudService::clearNode(const Instance& inst) {
  auto node = nodes_.get(inst.nodeUri);
  if (!node) {
    spdlog::warn("instance {}: cannot reach node {} to clean up: {}", inst.handle, inst.nodeUri, node.error().message);
    return;
  }
  auto& n = **node;
  (void)n.destroyDomain(inst.domain, {});
  (void)n.undefineDomain(inst.domain, {});
  for (const auto& nic : inst.nics)
    if (auto s = n.updateNetwork(nic.pool, dhcpUpdate("delete", nic), liveAndConfig()); !s)
      spdlog::warn("instance {}: cannot remove the DHCP entry of {} from network '{}' on {}: {}", inst.handle, nic.ip,
                   nic.pool, inst.nodeUri, s.error().message);
  auto pool = diskPool(n);
  if (!pool) return;
  for (const char* fmt : {"qcow2", "raw", "seed.iso"}) (void)n.deleteVolume(*pool, inst.handle + "." + fmt);
  // The last clone of a qcow2 image on this node takes the base with it.
  auto img = images_.find(inst.ownerId, inst.image);
  if (!img || img->format != "qcow2") return;
  auto users = store_.instancesUsingImage(inst.nodeId, inst.image, inst.handle);
  if (users && *users == 0) (void)n.deleteVolume(*pool, baseName(img->id));
}

Result<Instance> CloudService::owned(const User& user, const std::string& handle) {
  auto i = store_.instance(handle);
  if (!i || i->ownerId != user.id) return Error(ErrorCode::NoDomain, "no instance with handle '" + handle + "'");
  return i;
}

Result<Instance> CloudService::describe(const User& user, const std::string& handle) {
  auto i = owned(user, handle);
  if (!i) return i;
  fillNicDetails(*i);
  return i;
}

Result<std::vector<Instance>> CloudService::list(const User& user) {
  auto v = store_.listInstances(user.id);
  if (!v) return v;
  for (auto& i : *v) fillNicDetails(i);
  return v;
}

Status CloudService::terminate(const User& user, const std::string& handle) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->state == "Destroyed" || i->state == "Corrupted")
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: instance '" + handle + "' is gone");
  STRATUS_TRY(store_.setInstanceState(handle, "Destroying"));
  clearNode(*i);
  return store_.releaseInstance(handle);
}

namespace {

// Power the guest off: ACPI first, the plug after `timeout`. Polls the
// node: its answer is the only truth about a remote guest.
Status stopGuest(daemon::NodeService& n, const std::string& domain, std::chrono::milliseconds timeout) {
  auto stopped = [&]() -> Result<bool> {
    auto d = n.lookupDomain(domain);
    if (!d) return std::move(d).error();
    return d->state == conf::DomainState::Shutoff;
  };
  auto first = stopped();
  if (!first) return std::move(first).error();
  if (*first) return okStatus();
  if (auto s = n.shutdownDomain(domain, {}); s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = stopped();
      if (!st) return std::move(st).error();
      if (*st) return okStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    spdlog::info("guest {} did not power off within {} ms; destroying it", domain, timeout.count());
  }
  return n.destroyDomain(domain, {});
}

// The instance's disk volume: HANDLE.FORMAT in the node's disk pool.
Result<daemon::VolumeSummary> instanceVolume(daemon::NodeService& n, const std::string& pool, const Instance& i) {
  auto vols = n.listVolumes(pool);
  if (!vols) return std::move(vols).error();
  for (const auto& v : *vols)
    if (v.name == i.handle + ".qcow2" || v.name == i.handle + ".raw") return v;
  return Error(ErrorCode::NoStorageVolume, "node " + i.nodeUri + " has no disk of instance '" + i.handle + "' in pool '" +
                                            pool + "'");
}

}  // namespace

Result<Image> CloudService::save(const User& user, const std::string& handle, std::string newName) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->state != "Running" && i->state != "Paused" && i->state != "Propagated")
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: instance '" + handle + "' cannot be saved while " + i->state);
  if (newName.empty()) newName = i->image + "-" + handle;
  auto node = nodes_.get(i->nodeUri);
  if (!node) return std::move(node).error();
  auto& n = **node;
  auto pool = diskPool(n);
  if (!pool) return std::move(pool).error();
  auto vol = instanceVolume(n, *pool, *i);
  if (!vol) return std::move(vol).error();
  STRATUS_TRY(stopGuest(n, i->domain, opts_.saveShutdownTimeout));
  STRATUS_TRY(store_.setInstanceState(handle, "TransportReady"));
  // A qcow2 clone holds only its own writes: the node first flattens it
  // with its base into a standalone volume, which is what travels.
  std::string flat;
  auto img = images_.addWith(user.id, newName, [&](const std::string& path) -> Status {
    std::string from = vol->name;
    if (vol->format == "qcow2") {
      flat = handle + ".save.qcow2";
      (void)n.deleteVolume(*pool, flat);  // a leftover of an earlier try
      auto f = n.createVolumeFrom(*pool,
                                  "<volume><name>" + flat + "</name><target><format type='qcow2'/></target></volume>",
                                  "<saved disk>", *pool, vol->name, {});
      if (!f) return std::move(f).error();
      from = flat;
    }
    auto sink = daemon::FileVolumeSink::create(path);
    if (!sink) return std::move(sink).error();
    STRATUS_TRY(n.downloadVolume(*pool, from, {}, **sink));
    return (*sink)->finish();
  });
  if (!flat.empty()) (void)n.deleteVolume(*pool, flat);
  if (!img) {
    // The guest runs again; the user keeps their instance.
    spdlog::warn("instance {}: save failed: {}", handle, img.error().message);
    if (auto s = n.startDomain(i->domain, {}); s) (void)store_.setInstanceState(handle, "Running");
    else (void)store_.setInstanceState(handle, "Unknown");
    return img;
  }
  STRATUS_TRY(store_.setInstanceState(handle, "Destroying"));
  clearNode(*i);
  STRATUS_TRY(store_.releaseInstance(handle));
  return img;
}

Status CloudService::extend(const User& user, const std::string& handle, double hours, std::int64_t now) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (!(hours > 0) || !std::isfinite(hours) || hours > user.quotas.maxHours)
    return Error(ErrorCode::InvalidArgument, "invalid argument: --hours must be greater than 0 and at most " +
                                                 std::to_string(user.quotas.maxHours));
  if (i->destroyAfter || i->state != "Running")
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: instance '" + handle + "' is not running (" + i->state + ")");
  return store_.setLease(handle, now + static_cast<std::int64_t>(std::llround(hours * 3600.0)), 0);
}

std::vector<std::string> CloudService::tick(std::int64_t now) {
  std::vector<std::string> did;
  if (auto expired = store_.expiredLeases(now)) {
    for (const auto& i : *expired) {
      // Recorded first: a service that dies now still destroys it later.
      if (!store_.setLease(i.handle, i.terminates, now + opts_.graceSeconds)) continue;
      (void)store_.setInstanceState(i.handle, "Destroying");
      if (auto node = nodes_.get(i.nodeUri)) {
        if (auto s = (*node)->shutdownDomain(i.domain, {}); !s)
          spdlog::warn("instance {}: lease ended; shutdown on {} failed: {}", i.handle, i.nodeUri, s.error().message);
      }
      did.push_back("shutdown " + i.handle);
    }
  }
  if (auto ended = store_.graceEnded(now)) {
    for (const auto& i : *ended) {
      clearNode(i);
      if (store_.releaseInstance(i.handle)) did.push_back("destroy " + i.handle);
    }
  }
  return did;
}

void CloudService::checkNodes(std::int64_t now) {
  auto nodes = store_.listNodes();
  if (!nodes) return;
  auto instances = store_.instancesOnNodes();
  if (!instances) return;
  std::map<std::int64_t, std::vector<const Instance*>> onNode;
  for (const auto& i : *instances) onNode[i.nodeId].push_back(&i);
  // A node that answers as it did is written down only once a minute
  // (last_seen): a thousand nodes must not cost a thousand writes a second.
  constexpr std::int64_t kSeenEvery = 60;
  for (const auto& node : *nodes) {
    if (node.state == VmmNode::State::Disabled) continue;
    const auto& placed = onNode[node.id];
    Result<std::vector<daemon::DomainSummary>> guests = Error(ErrorCode::ConnectFailed, "not asked");
    if (auto link = nodes_.get(node.uri)) guests = (*link)->listDomains();
    else guests = std::move(link).error();
    if (!guests) {
      nodes_.forget(node.uri);
      if (node.state == VmmNode::State::Up)
        spdlog::warn("node {} is down: {}", node.uri, guests.error().message);
      if (node.state != VmmNode::State::Down || node.lastError != guests.error().message)
        (void)store_.setNodeState(node.uri, VmmNode::State::Down, guests.error().message);
      for (const Instance* i : placed)
        if (i->state == "Running" || i->state == "Paused" || i->state == "Propagated")
          (void)store_.changeInstanceState(i->handle, i->state, "Unknown");
      continue;
    }
    if (node.state == VmmNode::State::Down) spdlog::info("node {} is up again", node.uri);
    if (node.state != VmmNode::State::Up || !node.lastError.empty() || now - node.lastSeen >= kSeenEvery)
      (void)store_.setNodeState(node.uri, VmmNode::State::Up);
    if (placed.empty()) continue;
    std::map<std::string, conf::DomainState> seenState;
    for (const auto& g : *guests) seenState[g.name] = g.state;
    for (const Instance* i : placed) {
      if (i->state != "Unknown" && i->state != "Running" && i->state != "Paused") continue;
      std::string seen = "Unknown";
      if (auto g = seenState.find(i->domain); g != seenState.end())
        seen = g->second == conf::DomainState::Running  ? "Running"
               : g->second == conf::DomainState::Paused ? "Paused"
                                                        : "Unknown";
      // Compared and set: an instance terminated since the list was read stays Destroyed.
      if (seen != i->state) (void)store_.changeInstanceState(i->handle, i->state, seen);
    }
  }
}

}  // namespace stratus::cloud
