#include "drivers/qemu/qemu_hotplug_args.h"

#include <fmt/format.h>

#include "drivers/qemu/qemu_block_network.h"

namespace stratus::drivers::qemu {

namespace {

std::string describe(const conf::DiskDef& d) { return "disk '" + d.targetDev + "'"; }

Error unsupported(const std::string& what) {
  return Error(ErrorCode::Unsupported, "unsupported configuration: " + what);
}

std::string hexSlot(unsigned slot) { return fmt::format("0x{:x}", slot); }

}  // namespace

namespace {

// The formats a disk's image may have that QEMU opens with a format driver
// of that name (storage volumes come in all of them).
bool knownFormat(const std::string& f) {
  return f == "raw" || f == "qcow2" || f == "qed" || f == "vmdk" || f == "vdi" || f == "vhdx";
}

// A type='volume' disk as what the node resolved it to: the same disk with
// type file, block or network and the volume's format unless <driver
// type> says otherwise.
Result<conf::DiskDef> resolvedVolume(const conf::DiskDef& d) {
  if (d.volumeType.empty() || d.volumePath.empty())
    return Error(ErrorCode::OperationInvalid, fmt::format("Requested operation is not valid: {}: storage volume '{}' "
                                                          "of pool '{}' is not resolved",
                                                          describe(d), d.sourceVolume, d.sourcePool));
  conf::DiskDef r = d;
  r.type = d.volumeType;
  if (d.volumeType == "file") {
    r.sourceFile = d.volumePath;
  } else if (d.volumeType == "block") {
    r.sourceDev = d.volumePath;
  } else if (d.volumeType == "network") {
    STRATUS_TRY(applyIscsiUrl(d.volumePath, r));
  } else {
    return unsupported(fmt::format("{}: storage volume '{}' of pool '{}' is of type '{}' (file, block and "
                                   "iSCSI network volumes are supported)",
                                   describe(d), d.sourceVolume, d.sourcePool, d.volumeType));
  }
  if (r.driverType.empty()) r.driverType = d.volumeFormat;
  return r;
}

}  // namespace

Result<std::optional<BlockNodes>> diskBlockNodes(const conf::DiskDef& d, const std::string& prefix) {
  const std::string what = describe(d);
  if (d.type == "volume") {
    auto r = resolvedVolume(d);
    if (!r) return std::move(r).error();
    return diskBlockNodes(*r, prefix);
  }
  bool hasMedium = true;
  Json storage;
  if (d.type == "file") {
    if (d.sourceFile.empty()) hasMedium = false;
    else storage = {{"driver", "file"}, {"filename", d.sourceFile}};
  } else if (d.type == "block") {
    if (d.sourceDev.empty()) hasMedium = false;
    else storage = {{"driver", d.device == "cdrom" ? "host_cdrom" : "host_device"}, {"filename", d.sourceDev}};
  } else if (d.type == "network") {
    auto props = networkStorageProps(d);
    if (!props) return std::move(props).error();
    storage = std::move(*props);
  } else {
    return unsupported(what + ": disk type '" + d.type + "'");
  }
  // libvirt's 'iso' format is a raw image to QEMU.
  std::string format = d.driverType.empty() || d.driverType == "iso" ? "raw" : d.driverType;
  if (!knownFormat(format))
    return unsupported(what + ": disk format '" + format + "' (raw, qcow2, qed, vmdk, vdi and vhdx are supported)");
  if (!hasMedium) return std::optional<BlockNodes>();

  bool readOnly = d.readonly || d.device == "cdrom";
  BlockNodes b;
  b.storageNode = prefix + "-storage";
  b.formatNode = prefix + "-format";
  storage["node-name"] = b.storageNode;
  storage["auto-read-only"] = true;
  storage["discard"] = d.discard == "unmap" ? "unmap" : "ignore";
  if (d.cache == "none" || d.cache == "directsync") storage["cache"] = {{"direct", true}, {"no-flush", false}};
  if (d.cache == "unsafe") storage["cache"] = {{"direct", false}, {"no-flush", true}};
  if (d.io == "native" || d.io == "threads" || d.io == "io_uring") storage["aio"] = d.io;
  b.storage = std::move(storage);
  b.format = {{"node-name", b.formatNode}, {"read-only", readOnly}, {"driver", format}, {"file", b.storageNode}};
  if (d.shareable) b.format["force-share"] = readOnly;  // only read-only nodes may share without locking
  return std::optional<BlockNodes>(std::move(b));
}

std::string blockNodePrefix(const std::string& alias, unsigned mediaGeneration) {
  std::string p = "drive-" + alias;
  if (mediaGeneration > 0) p += "-m" + std::to_string(mediaGeneration);
  return p;
}

std::string nicDevice(const std::string& model) {
  if (model.empty() || model == "rtl8139") return "rtl8139";
  if (model == "virtio") return "virtio-net-pci";
  if (model == "e1000") return "e1000";
  if (model == "e1000e") return "e1000e";
  if (model == "ne2k_pci") return "ne2k_pci";
  if (model == "pcnet") return "pcnet";
  return "";
}

std::string pciBus0Name(bool q35) { return q35 ? "pcie.0" : "pci.0"; }

Result<Json> diskDeviceArgs(const conf::DiskDef& d, const std::string& bus, unsigned slot,
                            const std::string& formatNode) {
  if (d.targetBus != "virtio")
    return Error(ErrorCode::Unsupported,
                 fmt::format("Operation not supported: disk '{}' on bus '{}' cannot be hot-plugged; "
                             "only virtio disks can (use <target bus='virtio'/>, a vdX name)",
                             d.targetDev, d.targetBus));
  if (d.device != "disk")
    return unsupported(describe(d) + ": a " + d.device + " cannot sit on the virtio bus");
  if (formatNode.empty()) return Error(ErrorCode::XmlInvalid, "XML error: " + describe(d) + ": a virtio disk needs a source");
  Json dev = {{"driver", "virtio-blk-pci"}, {"bus", bus},     {"addr", hexSlot(slot)},
              {"drive", formatNode},        {"id", d.info.alias}};
  if (d.info.bootOrder) dev["bootindex"] = *d.info.bootOrder;
  if (!d.serial.empty()) dev["serial"] = d.serial;
  return dev;
}

Result<Json> netdevArgs(const conf::InterfaceDef& n, const std::string& fdName) {
  std::string id = "host" + n.info.alias;
  if (n.type == "user") return Json{{"type", "user"}, {"id", id}};
  if (n.type == "bridge" || n.type == "network" || n.type == "ethernet") {
    if (fdName.empty())
      return Error(ErrorCode::InternalError, "interface " + n.mac + ": no tap device was prepared for it");
    return Json{{"type", "tap"}, {"id", id}, {"fd", fdName}};
  }
  return Error(ErrorCode::Unsupported, fmt::format("Operation not supported: live attach of interface type '{}' "
                                                   "is not supported (network, bridge, ethernet and user are)",
                                                   n.type));
}

Result<Json> nicDeviceArgs(const conf::InterfaceDef& n, const std::string& bus, unsigned slot) {
  std::string dev = nicDevice(n.model);
  if (dev.empty()) return unsupported("interface " + n.mac + ": NIC model '" + n.model + "'");
  Json args = {{"driver", dev},   {"netdev", "host" + n.info.alias}, {"id", n.info.alias},
               {"mac", n.mac},    {"bus", bus},                      {"addr", hexSlot(slot)}};
  if (n.info.bootOrder) args["bootindex"] = *n.info.bootOrder;
  if (n.linkState == "down") args["link_up"] = false;
  return args;
}

Json cpuDeviceArgs(const ::stratus::qemu::qmp::HotpluggableCpu& slot, const std::string& id) {
  Json args = {{"driver", slot.type}, {"id", id}};
  if (slot.props.is_object())
    for (auto it = slot.props.begin(); it != slot.props.end(); ++it) args[it.key()] = it.value();
  return args;
}

conf::DeviceAddress pciAddress(unsigned slot) {
  conf::DeviceAddress a;
  a.type = "pci";
  a.domain = 0;
  a.bus = 0;
  a.slot = slot;
  a.function = 0;
  return a;
}

}  // namespace stratus::drivers::qemu
