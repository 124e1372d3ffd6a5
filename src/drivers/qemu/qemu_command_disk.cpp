// Disks: -blockdev (storage node + format node) and a -device per disk.
#include "drivers/qemu/qemu_command_impl.h"
#include "drivers/qemu/qemu_hotplug_args.h"

namespace stratus::drivers::qemu {

using nlohmann::json;

namespace {

// hda -> 0, hdb -> 1, sdc -> 2, vdaa -> 26
unsigned targetIndex(const std::string& dev) {
  unsigned v = 0;
  for (std::size_t i = 2; i < dev.size(); ++i) v = v * 26 + static_cast<unsigned>(dev[i] - 'a') + (i > 2 ? 1 : 0);
  return v;
}

std::string describe(const conf::DiskDef& d) { return "disk '" + d.targetDev + "'"; }

}  // namespace

void CommandBuilder::buildDisks() {
  bool ahciAdded = false, scsiAdded = false;
  for (const auto& c : def.devices.controllers) {
    if (c.type == "sata") ahciAdded = true;
    if (c.type == "scsi") scsiAdded = true;
  }
  for (const auto& d : def.devices.disks) {
    const std::string what = describe(d);
    const std::string& alias = d.info.alias;
    if (d.device == "floppy") {
      unsupported(what + ": floppy disks are not supported by the QEMU driver");
      continue;
    }
    if (d.device == "lun") {
      unsupported(what + ": device='lun' (SCSI passthrough) is not supported");
      continue;
    }
    // --- backend: storage node + format node (shared with hot-plug) ---
    std::string node = blockNodePrefix(alias);
    auto nodes = diskBlockNodes(d, node);
    if (!nodes) {
      if (!error) error = std::move(nodes).error();
      continue;
    }
    bool hasMedium = nodes->has_value();
    if (hasMedium) {
      jsonArg("-blockdev", (*nodes)->storage);
      jsonArg("-blockdev", (*nodes)->format);
    }
    std::string drive = hasMedium ? ",drive=" + node + "-format" : "";
    std::string serial = d.serial.empty() ? "" : ",serial=" + qemuEscape(d.serial);
    std::string tail = drive + ",id=" + alias + bootIndex(d.info) + serial;
    // --- frontend ---
    const std::string& bus = d.targetBus;
    unsigned idx = targetIndex(d.targetDev);
    if (bus == "virtio") {
      if (d.device == "cdrom") {
        unsupported(what + ": a cdrom cannot sit on the virtio bus");
        continue;
      }
      if (!needDevice("virtio-blk-pci", what)) continue;
      arg("-device", "virtio-blk-pci" + pciAddr(d.info) + tail);
      if (!hasMedium) fail(ErrorCode::XmlInvalid, what + ": a virtio disk needs a source");
    } else if (bus == "ide") {
      if (q35) {
        unsupported(what + ": the q35 machine has no IDE bus; use bus='sata'");
        continue;
      }
      unsigned busNo = idx / 2, unit = idx % 2;
      if (d.info.address && d.info.address->type == "drive") {
        busNo = d.info.address->bus.value_or(busNo);
        unit = d.info.address->unit.value_or(unit);
      }
      if (busNo > 1) {
        unsupported(what + ": the IDE controller has 2 buses with 2 units each (hda..hdd)");
        continue;
      }
      arg("-device", std::string(d.device == "cdrom" ? "ide-cd" : "ide-hd") + ",bus=ide." + std::to_string(busNo) +
                         ",unit=" + std::to_string(unit) + tail);
    } else if (bus == "sata") {
      std::string sataBus;
      if (q35) {
        sataBus = "ide." + std::to_string(idx);
      } else {
        if (!ahciAdded) {
          if (!needDevice("ich9-ahci", what)) continue;
          arg("-device", "ich9-ahci,id=sata0" + pciAddr(conf::DeviceInfo{}));
          ahciAdded = true;
        }
        sataBus = "sata0." + std::to_string(idx);
      }
      arg("-device", std::string(d.device == "cdrom" ? "ide-cd" : "ide-hd") + ",bus=" + sataBus + tail);
    } else if (bus == "scsi") {
      if (!scsiAdded) {
        if (!needDevice("lsi53c895a", what)) continue;
        arg("-device", "lsi,id=scsi0" + pciAddr(conf::DeviceInfo{}));
        scsiAdded = true;
      }
      arg("-device", std::string(d.device == "cdrom" ? "scsi-cd" : "scsi-hd") + ",bus=scsi0.0,scsi-id=" +
                         std::to_string(idx) + tail);
    } else if (bus == "usb") {
      if (!hasMedium) {
        fail(ErrorCode::XmlInvalid, what + ": a USB disk needs a source");
        continue;
      }
      arg("-device", "usb-storage,bus=usb.0" + tail);
    } else {
      unsupported(what + ": disk bus '" + bus + "'");
    }
  }
}

}  // namespace stratus::drivers::qemu
