// Hot-plug on a running QEMU guest: disks (blockdev-add + device_add of a
// virtio-blk on a free slot of PCI bus 0), NICs (a tap handed over with
// getfd, netdev_add + device_add), vCPUs (query-hotpluggable-cpus +
// device_add), removable media, block resize and link state. Unplug is
// device_del and then waiting for the guest: the device is gone only when
// QEMU says DEVICE_DELETED; then its backends go too.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "conf/domain_stages.h"
#include "drivers/qemu/qemu_hotplug_args.h"
#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_devices.h"
#include "network/ovs.h"
#include "network/tap.h"
#include "util/fd.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;
using namespace std::chrono_literals;

namespace {

const std::string kPeripheral = "/machine/peripheral/";

// vda -> 0, vdb -> 1, vdaa -> 26 (as the aliases given at start).
unsigned targetIndex(const std::string& dev) {
  unsigned v = 0;
  for (std::size_t i = 2; i < dev.size(); ++i) v = v * 26 + static_cast<unsigned>(dev[i] - 'a') + (i > 2 ? 1 : 0);
  return v;
}

bool aliasUsed(const conf::DomainDef& def, const std::string& alias) {
  for (const auto& d : def.devices.disks)
    if (d.info.alias == alias) return true;
  for (const auto& n : def.devices.interfaces)
    if (n.info.alias == alias) return true;
  return false;
}

bool isOpenvswitch(const conf::InterfaceDef& n) {
  for (const auto& e : n.extra.elements)
    if (e.name == "virtualport")
      if (const std::string* t = e.attr("type"); t && *t == "openvswitch") return true;
  return false;
}

std::string describeDisk(const conf::DiskDef& d) { return "disk '" + d.targetDev + "'"; }
std::string describeNic(const conf::InterfaceDef& n) { return "interface " + n.mac; }

conf::DiskDef* diskByAlias(conf::DomainDef& def, const std::string& alias, const std::string& target) {
  for (auto& d : def.devices.disks)
    if (alias.empty() ? d.targetDev == target : d.info.alias == alias) return &d;
  return nullptr;
}

conf::InterfaceDef* nicByAlias(conf::DomainDef& def, const std::string& alias, const std::string& mac) {
  for (auto& n : def.devices.interfaces)
    if (alias.empty() ? n.mac == mac : n.info.alias == alias) return &n;
  return nullptr;
}

// query-hotpluggable-cpus in topology order (socket, die, core, thread).
void sortCpus(std::vector<qmp::HotpluggableCpu>& cpus) {
  std::stable_sort(cpus.begin(), cpus.end(), [](const auto& a, const auto& b) {
    return std::tie(a.socketId, a.dieId, a.coreId, a.threadId) < std::tie(b.socketId, b.dieId, b.coreId, b.threadId);
  });
}

unsigned presentVcpus(const std::vector<qmp::HotpluggableCpu>& cpus) {
  unsigned n = 0;
  for (const auto& c : cpus)
    if (!c.qomPath.empty()) n += static_cast<unsigned>(std::max(c.vcpusCount, 1));
  return n;
}

}  // namespace

// ---------------------------------------------------------------- helpers

Result<unsigned> QemuInstance::freePciSlot(const conf::DeviceInfo& wanted) {
  std::set<unsigned> used = {0, 1};
  {
    std::lock_guard lk(mu_);
    if (live_.machine.find("q35") != std::string::npos)
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: hot-plugging PCI devices into a q35 machine needs a pcie-root-port, "
                   "which Stratus does not add yet; use the i440FX machine ('pc')");
    auto mark = [&used](const conf::DeviceInfo& i) {
      if (i.address && i.address->type == "pci" && i.address->bus.value_or(0) == 0)
        used.insert(i.address->slot.value_or(0));
    };
    for (const auto& d : live_.devices.disks) mark(d.info);
    for (const auto& n : live_.devices.interfaces) mark(n.info);
  }
  auto devs = qmp::queryPci(*qmp_);
  if (!devs) return std::move(devs).error();
  for (const auto& d : *devs)
    if (d.bus == 0) used.insert(d.slot);
  if (wanted.address) {
    const auto& a = *wanted.address;
    if (a.type != "pci" || a.domain.value_or(0) != 0 || a.bus.value_or(0) != 0 || a.function.value_or(0) != 0)
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: a hot-plugged device can only be given a PCI address on bus 0, function 0");
    unsigned slot = a.slot.value_or(0);
    if (used.count(slot) || slot > 31)
      return Error(ErrorCode::OperationInvalid,
                   fmt::format("Requested operation is not valid: PCI slot 0x{:02x} of bus 0 is in use", slot));
    return slot;
  }
  // As the command line: slot 3 onwards (2 is the primary video's).
  for (unsigned slot = 3; slot <= 31; ++slot)
    if (!used.count(slot)) return slot;
  if (!used.count(2)) return 2u;
  return Error(ErrorCode::OperationFailed, "operation failed: no free PCI slot left on bus 0");
}

std::string QemuInstance::mediumNode(const std::string& alias) {
  auto blocks = qmp::queryBlock(*qmp_);
  if (!blocks) return {};
  for (const auto& b : *blocks) {
    bool mine = b.qdev == alias || b.qdev == kPeripheral + alias || b.qdev.starts_with(kPeripheral + alias + "/");
    if (mine) return b.inserted ? b.nodeName : std::string();
  }
  return {};
}

// The storage node under one of our format nodes ("...-format" -> "...-storage").
static std::vector<std::string> nodesOf(const std::string& formatNode) {
  std::vector<std::string> out;
  if (formatNode.empty()) return out;
  out.push_back(formatNode);
  constexpr std::string_view kFormat = "-format";
  if (std::string_view(formatNode).ends_with(kFormat))
    out.push_back(formatNode.substr(0, formatNode.size() - kFormat.size()) + "-storage");
  return out;
}

// ---------------------------------------------------------------- unplug

static Error stillPending(const std::string& what) {
  return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: the unplug of " + what +
                                                " is still pending; the guest has not released it yet");
}

Status QemuInstance::unplug(const std::string& id, const std::string& what, std::vector<std::string> blockNodes) {
  {
    std::lock_guard lk(mu_);
    if (pendingUnplugs_.count(id)) return stillPending(what);
    deletedDevices_.erase(id);
    pendingUnplugs_[id] = PendingUnplug{std::move(blockNodes), false};
  }
  if (auto s = qmp::deviceDel(*qmp_, id); !s) {
    std::lock_guard lk(mu_);
    pendingUnplugs_.erase(id);
    return s;
  }
  std::unique_lock lk(mu_);
  bool done = exitedCv_.wait_for(lk, unplugTimeout_, [&] { return deletedDevices_.count(id) > 0 || exited_; });
  if (!done) {
    pendingUnplugs_[id].abandoned = true;
    auto ms = unplugTimeout_.count();
    return Error(ErrorCode::OperationTimeout,
                 fmt::format("Timed out during operation: the guest did not release {} (device '{}') within {}; "
                             "the unplug request stays pending and completes if the guest releases it later",
                             what, id, ms % 1000 ? fmt::format("{} ms", ms) : fmt::format("{} s", ms / 1000)));
  }
  if (!deletedDevices_.count(id)) {
    pendingUnplugs_.erase(id);
    return Error(ErrorCode::OperationFailed, "operation failed: QEMU exited while unplugging " + what);
  }
  deletedDevices_.erase(id);
  auto nodes = std::move(pendingUnplugs_[id].blockNodes);
  pendingUnplugs_.erase(id);
  lk.unlock();
  releaseDevice(id, nodes);
  return okStatus();
}

void QemuInstance::onDeviceDeleted(const std::string& device, const std::string& path) {
  std::string id;
  std::vector<std::string> nodes;
  bool finishHere = false;
  {
    std::lock_guard lk(mu_);
    // The device itself (not a child such as .../virtio-backend): by id, or
    // by QOM path for devices without one (boot vCPUs).
    std::string key = !device.empty() ? device : path;
    if (device.empty() && path.starts_with(kPeripheral) && path.find('/', kPeripheral.size()) == std::string::npos)
      key = path.substr(kPeripheral.size());
    auto it = pendingUnplugs_.find(key);
    if (it == pendingUnplugs_.end()) {
      // Not ours to wait for: a guest that ejected a device on its own. A
      // disk or NIC we know still goes from the live definition.
      bool known = aliasUsed(live_, key);
      if (!known) return;
      id = key;
      finishHere = true;
    } else if (it->second.abandoned) {
      id = key;
      nodes = std::move(it->second.blockNodes);
      pendingUnplugs_.erase(it);
      finishHere = true;
    } else {
      deletedDevices_.insert(key);
    }
  }
  exitedCv_.notify_all();
  if (!finishHere) return;
  bool diskOrNic;
  {
    std::lock_guard lk(mu_);
    diskOrNic = aliasUsed(live_, id);
    // Our naming, as given at start or at attach.
    for (const auto& d : live_.devices.disks)
      if (d.info.alias == id && nodes.empty()) nodes = nodesOf(blockNodePrefix(id) + "-format");
  }
  spdlog::info("QEMU {}: the guest released device '{}'", process_.pid(), id);
  releaseDevice(id, nodes);
  if (!diskOrNic) {
    // A vCPU whose unplug finished late: count what the guest has now.
    if (auto* m = monitor_.load())
      if (auto cpus = qmp::queryHotpluggableCpus(*m)) {
        std::lock_guard lk(mu_);
        live_.currentVcpus = presentVcpus(*cpus);
      }
  }
  sink_(InstanceEvent{InstanceEvent::Kind::DevicesChanged, 0, id});
}

void QemuInstance::releaseDevice(const std::string& id, const std::vector<std::string>& blockNodes) {
  auto* m = monitor_.load();
  std::optional<conf::InterfaceDef> nic;
  {
    std::lock_guard lk(mu_);
    auto& disks = live_.devices.disks;
    std::erase_if(disks, [&](const conf::DiskDef& d) { return d.info.alias == id; });
    auto& ifs = live_.devices.interfaces;
    for (auto it = ifs.begin(); it != ifs.end(); ++it)
      if (it->info.alias == id) {
        nic = *it;
        ifs.erase(it);
        break;
      }
  }
  if (!m) return;
  for (const auto& node : blockNodes)
    if (auto s = qmp::blockdevDel(*m, node); !s)
      spdlog::warn("QEMU {}: cannot remove block node {}: {}", process_.pid(), node, s.error().message);
  if (nic) {
    if (auto s = qmp::netdevDel(*m, "host" + id); !s)
      spdlog::warn("QEMU {}: cannot remove netdev host{}: {}", process_.pid(), id, s.error().message);
    if (isOpenvswitch(*nic) && !nic->targetDev.empty()) {
      (void)network::deleteOvsPort(nic->targetDev);
      std::lock_guard lk(mu_);
      std::erase(ovsPorts_, nic->targetDev);
    }
  }
}

// ---------------------------------------------------------------- disks

Status QemuInstance::attachDisk(const conf::DiskDef& want) {
  conf::DiskDef d = want;
  {
    std::lock_guard lk(mu_);
    for (const auto& o : live_.devices.disks)
      if (o.targetDev == d.targetDev)
        return Error(ErrorCode::OperationFailed, "operation failed: target " + d.targetDev + " already exists");
    if (!d.info.alias.starts_with("ua-")) {
      unsigned n = targetIndex(d.targetDev);
      while (aliasUsed(live_, "virtio-disk" + std::to_string(n))) ++n;
      d.info.alias = "virtio-disk" + std::to_string(n);
    } else if (aliasUsed(live_, d.info.alias)) {
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: alias '" + d.info.alias + "' is in use");
    }
  }
  auto nodes = diskBlockNodes(d, blockNodePrefix(d.info.alias));
  if (!nodes) return std::move(nodes).error();
  // Refuse what cannot be plugged before touching QEMU.
  STRATUS_TRY(diskDeviceArgs(d, "pci.0", 0, *nodes ? (*nodes)->formatNode : std::string()));
  auto slot = freePciSlot(d.info);
  if (!slot) return std::move(slot).error();
  auto dev = diskDeviceArgs(d, pciBus0Name(false), *slot, (*nodes)->formatNode);
  if (!dev) return std::move(dev).error();

  const BlockNodes& b = **nodes;
  STRATUS_TRY(qmp::blockdevAdd(*qmp_, b.storage));
  if (auto s = qmp::blockdevAdd(*qmp_, b.format); !s) {
    (void)qmp::blockdevDel(*qmp_, b.storageNode);
    return s;
  }
  if (auto s = qmp::deviceAdd(*qmp_, *dev); !s) {
    (void)qmp::blockdevDel(*qmp_, b.formatNode);
    (void)qmp::blockdevDel(*qmp_, b.storageNode);
    return s;
  }
  d.info.address = pciAddress(*slot);
  std::lock_guard lk(mu_);
  conf::insertDisk(live_.devices.disks, std::move(d));
  return okStatus();
}

Status QemuInstance::detachDisk(const conf::DiskDef& want) {
  conf::DiskDef d;
  {
    std::lock_guard lk(mu_);
    auto* found = diskByAlias(live_, want.info.alias, want.targetDev);
    if (!found) return Error(ErrorCode::DeviceMissing, "device not found: disk " + want.targetDev + " not found");
    d = *found;
    if (pendingUnplugs_.count(d.info.alias)) return stillPending(describeDisk(d));
  }
  if (d.targetBus != "virtio" || d.device != "disk")
    return Error(ErrorCode::Unsupported,
                 fmt::format("Operation not supported: {} on bus '{}' cannot be hot-unplugged; only virtio disks can",
                             describeDisk(d), d.targetBus));
  std::string format = mediumNode(d.info.alias);
  if (format.empty()) format = blockNodePrefix(d.info.alias) + "-format";
  return unplug(d.info.alias, describeDisk(d), nodesOf(format));
}

Status QemuInstance::changeMedia(const conf::DiskDef& want) {
  conf::DiskDef cur;
  unsigned generation;
  {
    std::lock_guard lk(mu_);
    auto* found = diskByAlias(live_, "", want.targetDev);
    if (!found) return Error(ErrorCode::DeviceMissing, "device not found: disk " + want.targetDev + " not found");
    cur = *found;
    if (cur.device != "cdrom" && cur.device != "floppy")
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: " + describeDisk(cur) +
                       " is not a cdrom or floppy: its source cannot change while the guest runs");
    generation = ++mediaGeneration_[cur.info.alias];
  }
  const std::string& id = cur.info.alias;
  conf::DiskDef next = cur;  // the drive stays; the medium is the request's
  next.type = want.type;
  next.hasSource = want.hasSource;
  next.sourceFile = want.sourceFile;
  next.sourceDev = want.sourceDev;
  // A network medium (an ISO over http/https/nbd/...) or a storage volume
  // brings its whole source along.
  next.sourceProtocol = want.sourceProtocol;
  next.sourceName = want.sourceName;
  next.sourceHosts = want.sourceHosts;
  next.net = want.net;
  next.auth = want.auth;
  next.sourcePool = want.sourcePool;
  next.sourceVolume = want.sourceVolume;
  next.sourceMode = want.sourceMode;
  next.volumeType = want.volumeType;
  next.volumePath = want.volumePath;
  next.volumeFormat = want.volumeFormat;
  if (!want.driverType.empty()) next.driverType = want.driverType;
  auto nodes = diskBlockNodes(next, blockNodePrefix(id, generation));
  if (!nodes) return std::move(nodes).error();
  // The new medium is opened first: a source QEMU cannot open leaves the old one in.
  if (*nodes) {
    STRATUS_TRY(qmp::blockdevAdd(*qmp_, (*nodes)->storage));
    if (auto s = qmp::blockdevAdd(*qmp_, (*nodes)->format); !s) {
      (void)qmp::blockdevDel(*qmp_, (*nodes)->storageNode);
      return s;
    }
  }
  auto dropNew = [&] {
    if (!*nodes) return;
    (void)qmp::blockdevDel(*qmp_, (*nodes)->formatNode);
    (void)qmp::blockdevDel(*qmp_, (*nodes)->storageNode);
  };
  std::string old = mediumNode(id);
  if (auto s = qmp::blockdevOpenTray(*qmp_, id, true); !s) {
    dropNew();
    return s;
  }
  if (!old.empty()) {
    if (auto s = qmp::blockdevRemoveMedium(*qmp_, id); !s) {
      dropNew();
      return s;
    }
    for (const auto& node : nodesOf(old)) (void)qmp::blockdevDel(*qmp_, node);
  }
  {
    std::lock_guard lk(mu_);
    if (auto* live = diskByAlias(live_, id, cur.targetDev)) {
      live->hasSource = false;
      live->sourceFile.clear();
      live->sourceDev.clear();
      live->sourceProtocol.clear();
      live->sourceName.clear();
      live->sourceHosts.clear();
      live->net = {};
      live->auth.reset();
      live->sourcePool.clear();
      live->sourceVolume.clear();
      live->targetTray = "open";
    }
  }
  if (!*nodes) return okStatus();  // ejected: the tray stays open, as libvirt shows it
  if (auto s = qmp::blockdevInsertMedium(*qmp_, id, (*nodes)->formatNode); !s) {
    dropNew();
    return s;
  }
  (void)qmp::blockdevCloseTray(*qmp_, id);
  std::lock_guard lk(mu_);
  if (auto* live = diskByAlias(live_, id, cur.targetDev)) {
    next.targetTray.clear();
    next.info = live->info;
    *live = std::move(next);
  }
  return okStatus();
}

Status QemuInstance::blockResize(const conf::DiskDef& want, std::uint64_t bytes) {
  conf::DiskDef d;
  {
    std::lock_guard lk(mu_);
    auto* found = diskByAlias(live_, want.info.alias, want.targetDev);
    if (!found) return Error(ErrorCode::DeviceMissing, "device not found: disk " + want.targetDev + " not found");
    d = *found;
  }
  std::string node = mediumNode(d.info.alias);
  if (node.empty())
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: " + describeDisk(d) + " has no medium");
  return qmp::blockResize(*qmp_, node, bytes);
}

// ---------------------------------------------------------------- NICs

Status QemuInstance::attachInterface(const conf::InterfaceDef& want) {
  conf::InterfaceDef n = want;
  std::string domainUuid;
  {
    std::lock_guard lk(mu_);
    domainUuid = live_.uuid.str();
    for (const auto& o : live_.devices.interfaces)
      if (o.mac == n.mac)
        return Error(ErrorCode::OperationFailed, "operation failed: an interface with MAC " + n.mac + " exists already");
    if (!n.info.alias.starts_with("ua-")) {
      unsigned next = static_cast<unsigned>(live_.devices.interfaces.size());
      for (const auto& o : live_.devices.interfaces)
        if (o.info.alias.starts_with("net"))
          next = std::max(next, static_cast<unsigned>(std::strtoul(o.info.alias.c_str() + 3, nullptr, 10)) + 1);
      n.info.alias = "net" + std::to_string(next);
    } else if (aliasUsed(live_, n.info.alias)) {
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: alias '" + n.info.alias + "' is in use");
    }
  }
  if (n.type == "network" && n.sourceBridge.empty())
    return Error(ErrorCode::InternalError, describeNic(n) + " uses network '" + n.sourceNetwork +
                                               "', which was not resolved to a bridge");
  const bool tap = n.type == "bridge" || n.type == "network" || n.type == "ethernet";
  const std::string fdName = tap ? "fd-" + n.info.alias : "";
  STRATUS_TRY(netdevArgs(n, tap ? fdName : std::string()));
  STRATUS_TRY(nicDeviceArgs(n, "pci.0", 0));
  auto slot = freePciSlot(n.info);
  if (!slot) return std::move(slot).error();

  // The tap: ours until QEMU holds a copy; it vanishes with the last holder.
  UniqueFd tapFd;
  std::string ovsPort;
  struct OvsUndo {
    std::string* port;
    ~OvsUndo() {
      if (port && !port->empty()) (void)network::deleteOvsPort(*port);
    }
  } ovsUndo{&ovsPort};
  if (tap) {
    const bool ovs = isOpenvswitch(n);
    std::string bridge = n.type == "ethernet" ? "" : n.sourceBridge;
    std::string tmpl = n.targetDev.empty() || n.targetDev.starts_with("vnet") ? "vnet%d" : n.targetDev;
    auto t = network::createTap(tmpl, n.mac, ovs ? "" : bridge);
    if (!t) return std::move(t).error();
    tapFd = UniqueFd(t->fd);
    n.targetDev = t->name;
    if (ovs) {
      STRATUS_TRY(network::addOvsPort(bridge, t->name, n.mac, Uuid::generate().str(), domainUuid));
      ovsPort = t->name;
    }
    STRATUS_TRY(qmp::getfd(*qmp_, fdName, tapFd.get()));
  }
  auto netdev = netdevArgs(n, fdName);
  auto dev = nicDeviceArgs(n, pciBus0Name(false), *slot);
  if (!netdev || !dev) return Error(ErrorCode::InternalError, "NIC arguments changed between checks");
  if (auto s = qmp::netdevAdd(*qmp_, *netdev); !s) {
    if (tap) (void)qmp::closefd(*qmp_, fdName);
    return s;
  }
  if (auto s = qmp::deviceAdd(*qmp_, *dev); !s) {
    (void)qmp::netdevDel(*qmp_, "host" + n.info.alias);
    return s;
  }
  n.info.address = pciAddress(*slot);
  std::lock_guard lk(mu_);
  if (!ovsPort.empty()) ovsPorts_.push_back(ovsPort);
  ovsPort.clear();  // the instance removes it with the guest now
  live_.devices.interfaces.push_back(std::move(n));
  return okStatus();
}

Status QemuInstance::detachInterface(const conf::InterfaceDef& want) {
  conf::InterfaceDef n;
  {
    std::lock_guard lk(mu_);
    auto* found = nicByAlias(live_, want.info.alias, want.mac);
    if (!found)
      return Error(ErrorCode::DeviceMissing, "device not found: no device matching MAC address " + want.mac + " found");
    n = *found;
  }
  if (n.info.alias.empty())
    return Error(ErrorCode::InternalError, describeNic(n) + " has no alias in the live definition");
  return unplug(n.info.alias, describeNic(n), {});
}

Status QemuInstance::setInterfaceLink(const conf::InterfaceDef& want, bool up) {
  std::string alias;
  {
    std::lock_guard lk(mu_);
    auto* found = nicByAlias(live_, want.info.alias, want.mac);
    if (!found)
      return Error(ErrorCode::DeviceMissing, "device not found: no device matching MAC address " + want.mac + " found");
    alias = found->info.alias;
  }
  STRATUS_TRY(qmp::setLink(*qmp_, alias, up));
  std::lock_guard lk(mu_);
  if (auto* n = nicByAlias(live_, alias, want.mac)) n->linkState = up ? "up" : "down";
  return okStatus();
}

// ---------------------------------------------------------------- vCPUs

Status QemuInstance::setVcpus(unsigned count) {
  unsigned max;
  bool tcg;
  {
    std::lock_guard lk(mu_);
    max = live_.vcpus;
    tcg = live_.type != "kvm";
  }
  if (count == 0 || count > max)
    return Error(ErrorCode::InvalidArgument,
                 fmt::format("invalid argument: requested vcpus is greater than max allowable vcpus for the live "
                             "domain: {} > {}", count, max));
  auto cpus = qmp::queryHotpluggableCpus(*qmp_);
  if (!cpus) return std::move(cpus).error();
  sortCpus(*cpus);
  unsigned present = presentVcpus(*cpus);
  auto record = [this](unsigned n) {
    std::lock_guard lk(mu_);
    live_.currentVcpus = n;
  };
  Status result = okStatus();
  if (count > present) {
    for (std::size_t i = 0; i < cpus->size() && present < count; ++i) {
      const auto& slot = (*cpus)[i];
      if (!slot.qomPath.empty()) continue;
      if (auto s = qmp::deviceAdd(*qmp_, cpuDeviceArgs(slot, "vcpu" + std::to_string(i))); !s) {
        result = std::move(s);
        break;
      }
      present += static_cast<unsigned>(std::max(slot.vcpusCount, 1));
    }
  } else if (count < present) {
    if (tcg)
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: live vCPU unplug is not supported under TCG (domain type 'qemu'): "
                   "QEMU 7.2 corrupts its memory or aborts when an emulated vCPU is unplugged or plugged again; "
                   "lower the count with --config and restart the guest");
    for (std::size_t i = cpus->size(); i-- > 0 && present > count;) {
      const auto& slot = (*cpus)[i];
      if (slot.qomPath.empty()) continue;
      if (i == 0) break;  // the boot CPU stays
      std::string id = slot.qomPath.starts_with(kPeripheral) ? slot.qomPath.substr(kPeripheral.size()) : slot.qomPath;
      if (auto s = unplug(id, "vCPU " + std::to_string(i), {}); !s) {
        result = std::move(s);
        break;
      }
      present -= static_cast<unsigned>(std::max(slot.vcpusCount, 1));
    }
  }
  record(present);
  if (result.ok() && present != count)
    return Error(ErrorCode::OperationFailed,
                 fmt::format("operation failed: the guest has {} vCPUs, not {}: QEMU offers no slot for more", present,
                             count));
  return result;
}

}  // namespace stratus::drivers::qemu
