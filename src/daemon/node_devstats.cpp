// Node: the devices of a domain: block statistics and sizes, interface
// statistics and addresses (domblkstat, domblkinfo, domifstat, domifaddr).
#include <algorithm>
#include <cctype>

#include "daemon/node_stats_util.h"

namespace stratus::daemon {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const std::string& diskSource(const conf::DiskDef& d) {
  if (d.type == "block") return d.sourceDev;
  if (d.type == "dir") return d.sourceDir;
  if (d.type == "network") return d.sourceName;
  if (d.type == "volume") return d.sourceVolume;
  return d.sourceFile;
}

}  // namespace

const conf::DiskDef* findDisk(const conf::DomainDef& def, const std::string& device) {
  if (device.empty()) return nullptr;
  for (const auto& d : def.devices.disks)
    if (d.targetDev == device) return &d;
  for (const auto& d : def.devices.disks)
    if (diskSource(d) == device) return &d;
  return nullptr;
}

const conf::InterfaceDef* findInterface(const conf::DomainDef& def, const std::string& device) {
  if (device.empty()) return nullptr;
  for (const auto& n : def.devices.interfaces)
    if (!n.targetDev.empty() && n.targetDev == device) return &n;
  const std::string mac = lower(device);
  for (const auto& n : def.devices.interfaces)
    if (lower(n.mac) == mac) return &n;
  return nullptr;
}

drivers::AddressLookup addressLookup(Node::Impl& impl) {
  drivers::AddressLookup l;
  NetworkRegistry* reg = impl.networks.get();
  l.leases = [reg](const std::string& net, const std::string& mac) { return reg->leases(net, mac); };
  l.network = [reg](const std::string& net) { return reg->liveDefinition(net); };
  return l;
}

Result<BlockStats> Node::blockStats(const std::string& key, const std::string& device) {
  auto r = runningDomain(*impl_, key);
  if (!r) return std::move(r).error();
  if (device.empty()) return r->instance->blockStats(nullptr);
  const conf::DiskDef* disk = findDisk(r->live, device);
  if (!disk) return Error(ErrorCode::InvalidArgument, "invalid argument: invalid path: " + device);
  return r->instance->blockStats(disk);
}

Result<BlockInfo> Node::blockInfo(const std::string& key, const std::string& device) {
  conf::DomainDef def;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto d = impl_->find(key);
    if (!d) return noDomainError(key);
    def = d->current();
    if (d->active()) inst = d->instance;
  }
  const conf::DiskDef* disk = findDisk(def, device);
  if (!disk)
    return Error(ErrorCode::InvalidArgument, "invalid argument: invalid path " + device + " not assigned to domain");
  if (diskSource(*disk).empty())
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: disk '" + disk->targetDev + "' does not currently have a source assigned");
  if (inst) return inst->blockInfo(*disk);
  if (disk->type == "volume") {
    // An inactive domain's volume: where it is now.
    conf::DomainDef holder;
    holder.devices.disks.push_back(*disk);
    STRATUS_TRY(impl_->storage->resolveVolumes(holder));
    return impl_->driver->offlineBlockInfo(holder.devices.disks.front());
  }
  return impl_->driver->offlineBlockInfo(*disk);
}

Result<InterfaceStats> Node::interfaceStats(const std::string& key, const std::string& device) {
  auto r = runningDomain(*impl_, key);
  if (!r) return std::move(r).error();
  const conf::InterfaceDef* nic = findInterface(r->live, device);
  if (!nic) return Error(ErrorCode::InvalidArgument, "invalid argument: '" + device + "' is not a known interface");
  return r->instance->interfaceStats(*nic);
}

Result<std::vector<InterfaceAddresses>> Node::interfaceAddresses(const std::string& key, AddressSource source) {
  auto r = runningDomain(*impl_, key);
  if (!r) return std::move(r).error();
  return r->instance->interfaceAddresses(r->live, source, addressLookup(*impl_));
}

}  // namespace stratus::daemon
