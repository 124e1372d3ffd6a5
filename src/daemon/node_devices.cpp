// Node: devices of a domain — attach-device, detach-device, update-device
// (and so attach-disk, attach-interface, change-media, ...) and blockresize.
// The persistent definition is edited on a copy that is validated first;
// the running guest is changed through the driver; the copy is saved only
// once the live change worked, so a failure changes nothing.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "conf/device_xml.h"
#include "daemon/node_impl.h"

namespace stratus::daemon {

namespace {

Error liveUnsupported(const conf::DeviceDef& dev, const char* verb) {
  return Error(ErrorCode::Unsupported,
               fmt::format("Operation not supported: live {} of device '{}' is not supported", verb, dev.element));
}

bool sameSource(const conf::DiskDef& a, const conf::DiskDef& b) {
  return a.type == b.type && a.sourceFile == b.sourceFile && a.sourceDev == b.sourceDev &&
         a.sourceProtocol == b.sourceProtocol && a.sourceName == b.sourceName && a.sourceHosts == b.sourceHosts;
}

// What update-device may not change on a running disk (besides a
// cdrom/floppy's medium): the first such field, or "" when none differs.
std::string frozenDiskField(const conf::DiskDef& live, const conf::DiskDef& want) {
  if (want.device != live.device) return "device";
  if (want.targetBus != live.targetBus) return "bus";
  if (want.cache != live.cache) return "cache";
  if (want.io != live.io) return "io";
  if (want.discard != live.discard) return "discard";
  if (want.readonly != live.readonly) return "readonly";
  if (want.shareable != live.shareable) return "shareable";
  if (want.serial != live.serial) return "serial";
  bool removable = live.device == "cdrom" || live.device == "floppy";
  if (!removable && !sameSource(live, want)) return "source";
  if (!removable && !want.driverType.empty() && want.driverType != live.driverType) return "driver type";
  return {};
}

std::string frozenNicField(const conf::InterfaceDef& live, const conf::InterfaceDef& want) {
  if (want.type != live.type) return "type";
  if (want.model != live.model) return "model";
  if (want.sourceNetwork != live.sourceNetwork) return "source network";
  if (want.type == "bridge" && want.sourceBridge != live.sourceBridge) return "source bridge";
  return {};
}

}  // namespace

void Node::Impl::refreshLive(DomainObj& d) {
  if (!d.instance || !d.live) return;
  auto next = d.instance->liveDefinition();
  if (!next) return;
  for (const auto& old : d.live->devices.interfaces) {
    bool still = std::any_of(next->devices.interfaces.begin(), next->devices.interfaces.end(),
                             [&](const conf::InterfaceDef& n) { return n.mac == old.mac; });
    if (!still) networks->releasePort(d.uuid, old.mac);
  }
  d.live = std::move(*next);
  writeStatus(d);
}

Status Node::attachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                          const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto target = impl_->scopedTarget(d, scope);
  if (!target) return std::move(target).error();
  auto& [cfg, live, inst] = *target;
  // Both definitions are checked before anything changes.
  std::optional<conf::DeviceDef> cfgDev, liveDev;
  if (cfg) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *cfg);
    if (!dev) return std::move(dev).error();
    cfgDev = std::move(*dev);
    conf::DomainDef check = *cfg;
    STRATUS_TRY(conf::attachDeviceToDef(check, *cfgDev));
  }
  if (live) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *live);
    if (!dev) return std::move(dev).error();
    liveDev = std::move(*dev);
    if (!liveDev->disk() && !liveDev->iface()) return liveUnsupported(*liveDev, "attach");
    conf::DomainDef check = *live;
    STRATUS_TRY(conf::attachDeviceToDef(check, *liveDev));
  }

  if (liveDev) {
    conf::DeviceDef plugged = *liveDev;
    if (auto* disk = liveDev->disk()) {
      // type='volume': the guest gets the volume's file or device.
      conf::DomainDef holder;
      holder.devices.disks.push_back(*disk);
      STRATUS_TRY(impl_->storage->resolveVolumes(holder));
      STRATUS_TRY(inst->attachDisk(holder.devices.disks.front()));
    } else {
      // type='network': the guest's tap goes on the network's bridge.
      conf::DomainDef holder;
      holder.devices.interfaces.push_back(*liveDev->iface());
      STRATUS_TRY(impl_->networks->resolveInterfaces(holder));
      plugged.devices.interfaces = holder.devices.interfaces;
      STRATUS_TRY(inst->attachInterface(holder.devices.interfaces.front()));
    }
    std::unique_lock lk(impl_->mu);
    if (d.instance == inst && d.live) {
      if (auto next = inst->liveDefinition()) d.live = std::move(*next);
      else if (auto s = conf::attachDeviceToDef(*d.live, plugged); !s)
        spdlog::warn("domain '{}': live definition: {}", d.name, s.error().message);
      if (const auto* n = plugged.iface()) {
        conf::DomainDef port;
        for (const auto& x : d.live->devices.interfaces)
          if (x.mac == n->mac) port.devices.interfaces.push_back(x);
        impl_->networks->recordPorts(d.name, d.uuid, port);
      }
      // --live --config: the persistent copy takes the slot the guest got.
      if (cfgDev) {
        if (auto* c = cfgDev->disk(); c && !c->info.address) {
          if (auto i = conf::findDisk(*d.live, c->targetDev)) c->info.address = d.live->devices.disks[*i].info.address;
        } else if (auto* n = cfgDev->iface(); n && !n->info.address) {
          for (const auto& x : d.live->devices.interfaces)
            if (x.mac == n->mac) n->info.address = x.info.address;
        }
      }
      impl_->writeStatus(d);
    }
  }
  if (cfg) {
    STRATUS_TRY(conf::attachDeviceToDef(*cfg, *cfgDev));
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
    std::unique_lock lk(impl_->mu);
    d.config = std::move(cfg);
  }
  return okStatus();
}

Status Node::detachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                          const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto target = impl_->scopedTarget(d, scope);
  if (!target) return std::move(target).error();
  auto& [cfg, live, inst] = *target;
  if (cfg) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *cfg);
    if (!dev) return std::move(dev).error();
    STRATUS_TRY(conf::detachDeviceFromDef(*cfg, *dev));
  }
  if (live) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *live);
    if (!dev) return std::move(dev).error();
    if (!dev->disk() && !dev->iface()) return liveUnsupported(*dev, "detach");
    // The device as the guest has it (alias, tap).
    auto found = conf::detachDeviceFromDef(*live, *dev);
    if (!found) return std::move(found).error();
    if (const auto* disk = found->disk()) STRATUS_TRY(inst->detachDisk(*disk));
    else STRATUS_TRY(inst->detachInterface(*found->iface()));
    std::unique_lock lk(impl_->mu);
    if (d.instance == inst && d.live) {
      if (auto next = inst->liveDefinition()) d.live = std::move(*next);
      else d.live = std::move(*live);
      if (const auto* n = found->iface()) impl_->networks->releasePort(d.uuid, n->mac);
      impl_->writeStatus(d);
    }
  }
  if (cfg) {
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
    std::unique_lock lk(impl_->mu);
    d.config = std::move(cfg);
  }
  return okStatus();
}

Status Node::updateDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                          const ModifyScope& scope, bool force) {
  (void)force;  // the tray is always opened by force: a guest's lock never blocks a media change
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto target = impl_->scopedTarget(d, scope);
  if (!target) return std::move(target).error();
  auto& [cfg, live, inst] = *target;
  if (cfg) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *cfg);
    if (!dev) return std::move(dev).error();
    STRATUS_TRY(conf::updateDeviceInDef(*cfg, *dev));
  }
  if (live) {
    auto dev = conf::parseDeviceXml(xml, sourceName, *live);
    if (!dev) return std::move(dev).error();
    if (const auto* want = dev->disk()) {
      auto i = conf::findDisk(*live, want->targetDev);
      if (!i || live->devices.disks[*i].targetDev != want->targetDev)
        return Error(ErrorCode::DeviceMissing, "device not found: disk " + want->targetDev + " not found");
      const auto& have = live->devices.disks[*i];
      if (auto f = frozenDiskField(have, *want); !f.empty())
        return Error(ErrorCode::Unsupported,
                     fmt::format("Operation not supported: cannot modify field '{}' of disk '{}' of a running domain",
                                 f, want->targetDev));
      if (!sameSource(have, *want) || (!want->driverType.empty() && want->driverType != have.driverType)) {
        // A medium from a pool: the drive gets the volume's file.
        conf::DomainDef holder;
        holder.devices.disks.push_back(*want);
        STRATUS_TRY(impl_->storage->resolveVolumes(holder));
        STRATUS_TRY(inst->changeMedia(holder.devices.disks.front()));
      }
    } else if (const auto* want = dev->iface()) {
      auto i = conf::findInterface(*live, *want, dev->macGiven);
      if (!i) return std::move(i).error();
      const auto& have = live->devices.interfaces[*i];
      if (auto f = frozenNicField(have, *want); !f.empty())
        return Error(ErrorCode::Unsupported,
                     fmt::format("Operation not supported: cannot modify field '{}' of interface {} of a running domain",
                                 f, have.mac));
      std::string link = want->linkState.empty() ? "up" : want->linkState;
      if (link != (have.linkState.empty() ? "up" : have.linkState))
        STRATUS_TRY(inst->setInterfaceLink(have, link == "up"));
    } else {
      return liveUnsupported(*dev, "update");
    }
    std::unique_lock lk(impl_->mu);
    if (d.instance == inst && d.live) {
      if (auto next = inst->liveDefinition()) d.live = std::move(*next);
      else if (auto s = conf::updateDeviceInDef(*d.live, *dev); !s)
        spdlog::warn("domain '{}': live definition: {}", d.name, s.error().message);
      impl_->writeStatus(d);
    }
  }
  if (cfg) {
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
    std::unique_lock lk(impl_->mu);
    d.config = std::move(cfg);
  }
  return okStatus();
}

Status Node::blockResize(const std::string& key, const std::string& disk, std::uint64_t bytes) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  conf::DiskDef target;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    if (!d.active()) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
    auto i = conf::findDisk(*d.live, disk);
    if (!i) return Error(ErrorCode::InvalidArgument, "invalid argument: disk '" + disk + "' was not found in the domain config");
    target = d.live->devices.disks[*i];
    inst = d.instance;
  }
  return inst->blockResize(target, bytes);
}

}  // namespace stratus::daemon
