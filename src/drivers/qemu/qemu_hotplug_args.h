// Devices as QEMU's JSON arguments: the block nodes of a disk (shared by the
// command line's -blockdev and hot-plug's blockdev-add), and the
// device_add / netdev_add arguments of hot-plugged disks, NICs and vCPUs.
// Pure functions of the model: golden data in tests/data/hotplug.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "conf/domain_def.h"
#include "drivers/qemu/qmp_devices.h"
#include "util/error.h"

namespace stratus::drivers::qemu {

using Json = nlohmann::json;

// The two block nodes of a disk with a medium: protocol ("storage") then
// format, named PREFIX-storage and PREFIX-format.
struct BlockNodes {
  Json storage, format;
  std::string storageNode, formatNode;
};

// nullopt: the disk has no medium (an empty cdrom). Errors name the disk
// ("unsupported configuration: disk 'vdb': disk format 'vmdk' ...").
Result<std::optional<BlockNodes>> diskBlockNodes(const conf::DiskDef& d, const std::string& prefix);

// The block node prefix of a disk's medium: "drive-ALIAS", and
// "drive-ALIAS-mN" for the N-th medium change-media inserted.
std::string blockNodePrefix(const std::string& alias, unsigned mediaGeneration = 0);

// libvirt's NIC model -> QEMU device ("" when unknown); no model: rtl8139.
std::string nicDevice(const std::string& model);

// The name of PCI bus 0: pci.0 (i440FX) or pcie.0 (Q35).
std::string pciBus0Name(bool q35);

// device_add of a hot-plugged virtio disk at `slot` of bus 0.
Result<Json> diskDeviceArgs(const conf::DiskDef& d, const std::string& bus, unsigned slot,
                            const std::string& formatNode);
// netdev_add of a hot-plugged NIC: a tap passed as `fdName` (getfd), or user mode.
Result<Json> netdevArgs(const conf::InterfaceDef& n, const std::string& fdName);
// device_add of a hot-plugged NIC at `slot` of bus 0.
Result<Json> nicDeviceArgs(const conf::InterfaceDef& n, const std::string& bus, unsigned slot);
// device_add of a vCPU into an empty slot of query-hotpluggable-cpus.
Json cpuDeviceArgs(const ::stratus::qemu::qmp::HotpluggableCpu& slot, const std::string& id);

// The PCI address a hot-plugged device gets in the live XML.
conf::DeviceAddress pciAddress(unsigned slot);

}  // namespace stratus::drivers::qemu
