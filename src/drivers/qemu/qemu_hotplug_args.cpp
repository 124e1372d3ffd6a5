#include "drivers/qemu/qemu_hotplug_args.h"

#include <fmt/format.h>

namespace stratus::drivers::qemu {

namespace {

std::string describe(const conf::DiskDef& d) { return "disk '" + d.targetDev + "'"; }

Error unsupported(const std::string& what) {
  return Error(ErrorCode::Unsupported, "unsupported configuration: " + what);
}

std::string hexSlot(unsigned slot) { return fmt::format("0x{:x}", slot); }

}  // namespace

Result<std::optional<BlockNodes>> diskBlockNodes(const conf::DiskDef& d, const std::string& prefix) {
  const std::string what = describe(d);
  bool hasMedium = true;
  Json storage;
  if (d.type == "file") {
    if (d.sourceFile.empty()) hasMedium = false;
    else storage = {{"driver", "file"}, {"filename", d.sourceFile}};
  } else if (d.type == "block") {
    if (d.sourceDev.empty()) hasMedium = false;
    else storage = {{"driver", d.device == "cdrom" ? "host_cdrom" : "host_device"}, {"filename", d.sourceDev}};
  } else if (d.type == "network") {
    if (d.sourceProtocol != "nbd")
      return unsupported(what + ": network disks with protocol '" + d.sourceProtocol + "' are not supported yet (nbd is)");
    Json server;
    if (!d.sourceHosts.empty() && !d.sourceHosts[0].socket.empty())
      server = {{"type", "unix"}, {"path", d.sourceHosts[0].socket}};
    else if (!d.sourceHosts.empty())
      server = {{"type", "inet"},
                {"host", d.sourceHosts[0].name},
                {"port", d.sourceHosts[0].port.empty() ? "10809" : d.sourceHosts[0].port}};
    else
      return Error(ErrorCode::XmlInvalid, what + ": nbd source needs a <host>");
    storage = {{"driver", "nbd"}, {"server", server}};
    if (!d.sourceName.empty()) storage["export"] = d.sourceName;
  } else if (d.type == "volume") {
    return unsupported(what + ": source pool '" + d.sourcePool + "' volume '" + d.sourceVolume +
                       "' needs storage pools, which this node does not have yet");
  } else {
    return unsupported(what + ": disk type '" + d.type + "'");
  }
  std::string format = d.driverType.empty() ? "raw" : d.driverType;
  if (format != "raw" && format != "qcow2")
    return unsupported(what + ": disk format '" + format + "' (raw and qcow2 are supported)");
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
