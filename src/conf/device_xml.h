// One device element (<disk>, <interface>, <sound>, ...) as attach-device,
// detach-device and update-device take it, and the edits those verbs make
// on a domain definition (libvirt's qemuDomain{Attach,Detach,Update}DeviceConfig).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_def.h"

namespace stratus::conf {

struct DeviceDef {
  std::string element;  // "disk", "interface", "sound", ...
  Devices devices;      // exactly one device, in the list of its kind
  bool macGiven = true; // <interface>: the XML named a MAC (detach matches by it)
  std::vector<Warning> warnings;

  const DiskDef* disk() const { return devices.disks.empty() ? nullptr : &devices.disks.front(); }
  DiskDef* disk() { return devices.disks.empty() ? nullptr : &devices.disks.front(); }
  const InterfaceDef* iface() const { return devices.interfaces.empty() ? nullptr : &devices.interfaces.front(); }
  InterfaceDef* iface() { return devices.interfaces.empty() ? nullptr : &devices.interfaces.front(); }
};

// Parses one device element for a device of `domain` (its type decides
// defaults such as <driver name='qemu'/>). With `fillDefaults` the device
// gets what define would give it (a MAC, a disk bus from the target name);
// detach and update pass false so that a missing MAC matches any. Errors
// carry the lines of `xml`.
Result<DeviceDef> parseDeviceXml(std::string_view xml, const std::string& sourceName, const DomainDef& domain,
                                 bool fillDefaults = true);

// The device as one element of its own ("<disk type='file' ...>...</disk>").
std::string formatDeviceXml(const DeviceDef& dev, const FormatOptions& opts = {});

// "disk 'vdb'", "interface 52:54:00:12:34:56", "sound": how errors name it.
std::string describeDevice(const DeviceDef& dev);

// --- edits of a definition (the persistent one, or a copy of the live one) ---

// attach-device --config: adds the device, refusing a disk target or a MAC
// the domain has already; the whole definition is validated afterwards.
Status attachDeviceToDef(DomainDef& def, const DeviceDef& dev);
// detach-device --config: removes the device `dev` names (a disk by its
// target, an interface by its MAC, anything else by equal content, alias
// and address compared only when `dev` gives them). Returns the removed one.
Result<DeviceDef> detachDeviceFromDef(DomainDef& def, const DeviceDef& dev);
// update-device --config: the device `dev` names is replaced by `dev`.
Status updateDeviceInDef(DomainDef& def, const DeviceDef& dev);

// Index of the disk with target `target`, or of the disk whose source is
// the path `target` (virsh's "source path or target").
std::optional<std::size_t> findDisk(const DomainDef& def, const std::string& target);
// Index of the interface `want` names (by MAC when `macGiven`, else the only
// interface of its type); DeviceMissing / OperationFailed when none or many.
Result<std::size_t> findInterface(const DomainDef& def, const InterfaceDef& want, bool macGiven);

// Disk and interface as DeviceDefs (the element of a device already in a definition).
DeviceDef deviceOf(const DiskDef& d);
DeviceDef deviceOf(const InterfaceDef& n);

}  // namespace stratus::conf
