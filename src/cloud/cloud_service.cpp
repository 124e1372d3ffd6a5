#include "cloud/cloud_service.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "cloud/instance_domain.h"
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

std::string volumeXml(const std::string& name, const Image& img) {
  return "<volume><name>" + name + "</name><capacity unit='bytes'>" + std::to_string(img.sizeBytes) +
         "</capacity><target><format type='" + img.format + "'/></target></volume>";
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
  std::lock_guard lk(poolsMu_);
  pools_ = std::move(*p);
  return okStatus();
}

std::vector<NetworkPool> CloudService::pools() {
  std::lock_guard lk(poolsMu_);
  return pools_;
}

void CloudService::fillNicDetails(Instance& i) {
  auto all = pools();
  for (auto& nic : i.nics)
    for (const auto& p : all)
      if (p.name == nic.pool)
        for (const auto& s : p.slots)
          if (s.ip == nic.ip) {
            nic.gateway = s.gateway;
            nic.netmask = s.netmask;
            nic.broadcast = s.broadcast;
            nic.dns = p.dns;
          }
}

Result<Instance> CloudService::run(const User& user, InstanceRequest request, std::int64_t now, const InstanceSeed* seed) {
  if (user.disabled) return Error(ErrorCode::AuthFailed, "authentication failed: user '" + user.name + "' is disabled");
  auto image = images_.find(user.id, request.image);
  if (!image) return std::move(image).error();
  request.ownerId = user.id;
  auto placed = store_.placeInstance(request, opts_.strategy, pools(), now);
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
  // Propagate: the image's bytes become the instance's own volume.
  if (auto v = n.createVolume(*pool, volumeXml(vol, image), "<instance disk>", {}); !v) return undo(std::move(v).error());
  auto src = daemon::FileVolumeSource::open(image.path);
  if (!src) return undo(std::move(src).error());
  // A simulated node (test:///) has simulated disks: nothing to copy.
  if (auto s = n.uploadVolume(*pool, vol, {}, **src); !s && s.error().code != ErrorCode::Unsupported)
    return undo(std::move(s).error());
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
  if (auto pool = diskPool(n))
    for (const char* fmt : {"qcow2", "raw", "seed.iso"}) (void)n.deleteVolume(*pool, inst.handle + "." + fmt);
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
  (void)now;
  auto nodes = store_.listNodes();
  if (!nodes) return;
  auto instances = store_.listInstances(0);
  if (!instances) return;
  for (const auto& node : *nodes) {
    if (node.state == VmmNode::State::Disabled) continue;
    Result<std::vector<daemon::DomainSummary>> guests = Error(ErrorCode::ConnectFailed, "not asked");
    if (auto link = nodes_.get(node.uri)) guests = (*link)->listDomains();
    else guests = std::move(link).error();
    if (!guests) {
      nodes_.forget(node.uri);
      if (node.state == VmmNode::State::Up)
        spdlog::warn("node {} is down: {}", node.uri, guests.error().message);
      (void)store_.setNodeState(node.uri, VmmNode::State::Down, guests.error().message);
      for (const auto& i : *instances)
        if (i.nodeId == node.id && (i.state == "Running" || i.state == "Paused" || i.state == "Propagated"))
          (void)store_.setInstanceState(i.handle, "Unknown");
      continue;
    }
    if (node.state == VmmNode::State::Down) spdlog::info("node {} is up again", node.uri);
    (void)store_.setNodeState(node.uri, VmmNode::State::Up);
    for (const auto& i : *instances) {
      if (i.nodeId != node.id || (i.state != "Unknown" && i.state != "Running" && i.state != "Paused")) continue;
      std::string seen = "Unknown";
      for (const auto& g : *guests)
        if (g.name == i.domain)
          seen = g.state == conf::DomainState::Running  ? "Running"
                : g.state == conf::DomainState::Paused ? "Paused"
                                                       : "Unknown";
      if (seen != i.state) (void)store_.setInstanceState(i.handle, seen);
    }
  }
}

}  // namespace stratus::cloud
