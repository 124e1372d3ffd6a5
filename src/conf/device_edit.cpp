// attach / detach / update of one device on a definition, as libvirt's
// qemuDomain{Attach,Detach,Update}DeviceConfig do it.
#include <fmt/format.h>

#include <tuple>

#include "conf/device_xml.h"
#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

// Every list of Devices whose elements carry a DeviceInfo, for the kinds
// handled generically (disks and interfaces have their own rules).
constexpr auto kLists = std::make_tuple(
    &Devices::controllers, &Devices::filesystems, &Devices::smartcards, &Devices::serials, &Devices::parallels,
    &Devices::consoles, &Devices::channels, &Devices::inputs, &Devices::tpms, &Devices::sounds, &Devices::videos,
    &Devices::hostdevs, &Devices::redirdevs, &Devices::watchdogs, &Devices::rngs, &Devices::panics);

template <class F>
void eachList(F&& f) {
  std::apply([&](auto... member) { (f(member), ...); }, kLists);
}

// `have` is the device `want` describes: equal content, where alias and
// address count only when `want` gives them.
template <class T>
bool sameDevice(T have, const T& want) {
  if (want.info.alias.empty()) have.info.alias.clear();
  if (!want.info.address) have.info.address.reset();
  return have == want;
}

Error noTarget(const std::string& target) {
  return Error(ErrorCode::DeviceMissing, fmt::format("device not found: no target device {}", target));
}

Error matchesNothing(const DeviceDef& dev) {
  return Error(ErrorCode::DeviceMissing,
               fmt::format("device not found: no {} matching the given XML was found", dev.element));
}

Error unsupportedKind(const DeviceDef& dev, const char* verb) {
  return Error(ErrorCode::Unsupported,
               fmt::format("Operation not supported: persistent {} of device '{}' is not supported", verb, dev.element));
}

}  // namespace

std::optional<std::size_t> findDisk(const DomainDef& def, const std::string& target) {
  const auto& disks = def.devices.disks;
  for (std::size_t i = 0; i < disks.size(); ++i)
    if (disks[i].targetDev == target) return i;
  for (std::size_t i = 0; i < disks.size(); ++i) {
    const auto& d = disks[i];
    if (!target.empty() && (d.sourceFile == target || d.sourceDev == target)) return i;
  }
  return std::nullopt;
}

Result<std::size_t> findInterface(const DomainDef& def, const InterfaceDef& want, bool macGiven) {
  const auto& ifs = def.devices.interfaces;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < ifs.size(); ++i) {
    bool match = macGiven ? ifs[i].mac == want.mac : ifs[i].type == want.type;
    if (!match) continue;
    if (!want.info.alias.empty() && ifs[i].info.alias != want.info.alias) continue;
    if (found)
      return Error(ErrorCode::OperationFailed,
                   macGiven ? fmt::format("operation failed: multiple devices matching MAC address {} found", want.mac)
                            : "operation failed: multiple matching devices found; give the MAC address");
    found = i;
  }
  if (!found)
    return Error(ErrorCode::DeviceMissing,
                 macGiven ? fmt::format("device not found: no device matching MAC address {} found", want.mac)
                          : fmt::format("device not found: no interface of type '{}' found", want.type));
  return *found;
}

Status attachDeviceToDef(DomainDef& def, const DeviceDef& dev) {
  if (const auto* d = dev.disk()) {
    for (const auto& o : def.devices.disks)
      if (o.targetDev == d->targetDev)
        return Error(ErrorCode::OperationInvalid,
                   fmt::format("Requested operation is not valid: target {} already exists", d->targetDev));
    insertDisk(def.devices.disks, *d);
  } else if (const auto* n = dev.iface()) {
    for (const auto& o : def.devices.interfaces)
      if (o.mac == n->mac)
        return Error(ErrorCode::InvalidArgument, fmt::format("invalid argument: mac {} already exists", n->mac));
    def.devices.interfaces.push_back(*n);
  } else if (dev.element == "memballoon" || dev.element == "graphics" || dev.element == "audio") {
    return unsupportedKind(dev, "attach");
  } else {
    eachList([&](auto member) {
      for (const auto& x : dev.devices.*member) (def.devices.*member).push_back(x);
    });
  }
  return validateDomainDef(def, "", {});
}

Result<DeviceDef> detachDeviceFromDef(DomainDef& def, const DeviceDef& dev) {
  if (const auto* d = dev.disk()) {
    auto& disks = def.devices.disks;
    for (std::size_t i = 0; i < disks.size(); ++i) {
      if (disks[i].targetDev != d->targetDev) continue;
      DeviceDef removed = deviceOf(disks[i]);
      disks.erase(disks.begin() + static_cast<std::ptrdiff_t>(i));
      return removed;
    }
    return noTarget(d->targetDev);
  }
  if (const auto* n = dev.iface()) {
    auto i = findInterface(def, *n, dev.macGiven);
    if (!i) return std::move(i).error();
    auto& ifs = def.devices.interfaces;
    DeviceDef removed = deviceOf(ifs[*i]);
    ifs.erase(ifs.begin() + static_cast<std::ptrdiff_t>(*i));
    return removed;
  }
  if (dev.element == "memballoon" || dev.element == "graphics" || dev.element == "audio")
    return unsupportedKind(dev, "detach");
  std::optional<DeviceDef> removed;
  eachList([&](auto member) {
    const auto& want = dev.devices.*member;
    auto& have = def.devices.*member;
    if (want.empty() || removed) return;
    for (std::size_t i = 0; i < have.size(); ++i) {
      if (!sameDevice(have[i], want.front())) continue;
      DeviceDef r;
      r.element = dev.element;
      (r.devices.*member).push_back(have[i]);
      have.erase(have.begin() + static_cast<std::ptrdiff_t>(i));
      removed = std::move(r);
      return;
    }
  });
  if (!removed) return matchesNothing(dev);
  return std::move(*removed);
}

Status updateDeviceInDef(DomainDef& def, const DeviceDef& dev) {
  if (const auto* d = dev.disk()) {
    auto& disks = def.devices.disks;
    for (auto& old : disks) {
      if (old.targetDev != d->targetDev) continue;
      DiskDef next = *d;
      if (next.info.alias.empty()) next.info.alias = old.info.alias;
      if (!next.info.address) next.info.address = old.info.address;
      old = std::move(next);
      return validateDomainDef(def, "", {});
    }
    return Error(ErrorCode::InvalidArgument, fmt::format("invalid argument: target {} doesn't exist.", d->targetDev));
  }
  if (const auto* n = dev.iface()) {
    auto i = findInterface(def, *n, dev.macGiven);
    if (!i) return std::move(i).error();
    auto& old = def.devices.interfaces[*i];
    InterfaceDef next = *n;
    if (next.mac.empty()) next.mac = old.mac;
    if (next.info.alias.empty()) next.info.alias = old.info.alias;
    if (!next.info.address) next.info.address = old.info.address;
    old = std::move(next);
    return validateDomainDef(def, "", {});
  }
  return unsupportedKind(dev, "update");
}

}  // namespace stratus::conf
