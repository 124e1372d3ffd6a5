// Controllers, graphics, video, input, balloon, rng, watchdog, panic, sound,
// filesystems, and the device kinds the driver refuses by name.
#include "drivers/qemu/qemu_command_impl.h"

namespace stratus::drivers::qemu {

void CommandBuilder::buildControllers() {
  const auto& dv = def.devices;
  for (const auto& i : dv.inputs)
    if (i.bus == "usb") usbNeeded = true;
  for (const auto& d : dv.disks)
    if (d.targetBus == "usb") usbNeeded = true;
  bool usbDeclared = false;
  for (const auto& c : dv.controllers) {
    const std::string what = "controller type '" + c.type + "' index " + std::to_string(c.index.value_or(0));
    if (c.type == "usb") {
      usbDeclared = true;
      if (c.model == "none") continue;
      std::string dev;
      if (c.model.empty() || c.model == "piix3-uhci") dev = "piix3-usb-uhci";
      else if (c.model == "qemu-xhci" || c.model == "nec-xhci") dev = c.model;
      else if (c.model == "ich9-ehci1") dev = "ich9-usb-ehci1";
      else if (c.model == "piix4-uhci") dev = "piix4-usb-uhci";
      else {
        unsupported(what + ": USB model '" + c.model + "'");
        continue;
      }
      if (!needDevice(dev, what)) continue;
      if (c.index.value_or(0) == 0) {
        arg("-device", dev + ",id=usb" + pciAddr(c.info));
        usbPresent = true;
      }
    } else if (c.type == "ide") {
      if (q35) unsupported(what + ": the q35 machine has no IDE controller");
      // built into the i440FX chipset
    } else if (c.type == "sata") {
      if (!q35) {
        if (needDevice("ich9-ahci", what)) arg("-device", "ich9-ahci,id=sata0" + pciAddr(c.info));
      }
    } else if (c.type == "scsi") {
      std::string dev = c.model.empty() || c.model == "lsilogic" ? "lsi" : c.model == "virtio-scsi" ? "virtio-scsi-pci" : "";
      if (dev.empty()) {
        unsupported(what + ": SCSI model '" + c.model + "'");
        continue;
      }
      if (needDevice(dev == "lsi" ? "lsi53c895a" : dev, what))
        arg("-device", dev + ",id=scsi" + std::to_string(c.index.value_or(0)) + pciAddr(c.info));
    } else if (c.type == "virtio-serial") {
      if (!virtioSerialPresent) {
        arg("-device", "virtio-serial-pci,id=virtio-serial0" + pciAddr(c.info));
        virtioSerialPresent = true;
      }
    } else if (c.type == "pci") {
      if (c.model.empty() || c.model == "pci-root" || c.model == "pcie-root") continue;  // built in
      if (c.model == "pci-bridge") {
        arg("-device", "pci-bridge,chassis_nr=" + std::to_string(c.index.value_or(1)) + ",id=pci." +
                           std::to_string(c.index.value_or(1)) + pciAddr(c.info));
      } else if (c.model == "pcie-root-port") {
        arg("-device", "pcie-root-port,port=" + std::to_string(c.index.value_or(1)) + ",chassis=" +
                           std::to_string(c.index.value_or(1)) + ",id=pci." + std::to_string(c.index.value_or(1)) +
                           pciAddr(c.info));
      } else {
        unsupported(what + ": PCI controller model '" + c.model + "'");
      }
    } else {
      unsupported(what);
    }
  }
  if (usbNeeded && !usbPresent) {
    if (usbDeclared) {
      unsupported("USB devices need a USB controller, but the domain has <controller type='usb' model='none'/>");
    } else {
      arg("-device", "piix3-usb-uhci,id=usb" + pciAddr(conf::DeviceInfo{}));
      usbPresent = true;
    }
  }
}

void CommandBuilder::buildGraphicsAndVideo() {
  const auto& dv = def.devices;
  bool display = false;
  for (const auto& g : dv.graphics) {
    const std::string what = "graphics type '" + g.type + "'";
    std::string listen = g.listen;
    for (const auto& l : g.listens)
      if (l.type == "address" && !l.address.empty()) listen = l.address;
    if (listen.empty()) listen = "127.0.0.1";  // never expose a console by default
    bool autoport = g.autoport.value_or(false) || !g.port || *g.port == -1;
    if (g.type == "vnc") {
      int displayNo;
      if (autoport) {
        if (!ctx.vncDisplay) {
          fail(ErrorCode::InternalError, what + ": no VNC port was allocated");
          continue;
        }
        displayNo = *ctx.vncDisplay;
      } else {
        displayNo = *g.port - 5900;
        if (displayNo < 0) {
          fail(ErrorCode::XmlInvalid, "XML error: " + what + ": port " + std::to_string(*g.port) + " is below 5900");
          continue;
        }
      }
      std::string host = listen.find(':') != std::string::npos ? "[" + listen + "]" : listen;
      std::string v = host + ":" + std::to_string(displayNo);
      if (!g.passwd.empty()) v += ",password=on";
      v += ",audiodev=" + audiodev();
      arg("-vnc", v);
      if (!g.keymap.empty()) arg("-k", g.keymap);
      display = true;
    } else if (g.type == "spice") {
      if (!caps.spice) {
        unsupported(what + ": this QEMU has no SPICE support");
        continue;
      }
      int port = autoport ? ctx.spicePort.value_or(-1) : *g.port;
      if (port < 0) {
        fail(ErrorCode::InternalError, what + ": no SPICE port was allocated");
        continue;
      }
      std::string s = "port=" + std::to_string(port) + ",addr=" + listen;
      if (g.passwd.empty()) s += ",disable-ticketing=on";
      arg("-spice", s);
      display = true;
    } else {
      unsupported(what);
    }
  }
  for (const auto& v : dv.videos) {
    const std::string what = "video model '" + v.model + "'";
    std::string dev;
    std::string props;
    if (v.model == "none") continue;
    if (v.model == "cirrus") {
      // Cirrus has a fixed 4 MiB framebuffer in QEMU: its vram attribute
      // (virt-manager writes 9216) is informational, as with libvirt.
      dev = "cirrus-vga";
    } else if (v.model == "vga") {
      dev = "VGA";
      if (v.vgamem) props += ",vgamem_mb=" + std::to_string(std::max<std::uint64_t>(*v.vgamem / 1024, 1));
    } else if (v.model == "qxl") {
      dev = "qxl-vga";
      if (v.ram) props += ",ram_size=" + std::to_string(*v.ram * 1024);
      if (v.vram) props += ",vram_size=" + std::to_string(*v.vram * 1024);
    } else if (v.model == "virtio") {
      dev = "virtio-vga";
    } else if (v.model == "bochs") {
      dev = "bochs-display";
    } else {
      unsupported(what);
      continue;
    }
    if (!needDevice(dev, what)) continue;
    arg("-device", dev + ",id=" + v.info.alias + props + pciAddr(v.info));
  }
  if (!display) arg("-display", "none");
}

void CommandBuilder::buildOtherDevices() {
  const auto& dv = def.devices;
  for (const auto& i : dv.inputs) {
    const std::string what = "input type '" + i.type + "' bus '" + i.bus + "'";
    if (i.bus == "ps2" || i.bus.empty()) {
      if (i.type == "tablet") unsupported(what + ": a tablet cannot sit on the PS/2 bus");
      continue;  // the i8042 PS/2 controller is part of the PC
    }
    if (i.bus == "usb") {
      std::string dev = i.type == "tablet" ? "usb-tablet" : i.type == "mouse" ? "usb-mouse" : i.type == "keyboard" ? "usb-kbd" : "";
      if (dev.empty()) unsupported(what);
      else if (needDevice(dev, what)) arg("-device", dev + ",id=" + i.info.alias + ",bus=usb.0");
      continue;
    }
    if (i.bus == "virtio") {
      std::string dev = i.type == "tablet" ? "virtio-tablet-pci" : i.type == "mouse" ? "virtio-mouse-pci"
                      : i.type == "keyboard" ? "virtio-keyboard-pci" : "";
      if (dev.empty()) unsupported(what);
      else if (needDevice(dev, what)) arg("-device", dev + ",id=" + i.info.alias + pciAddr(i.info));
      continue;
    }
    unsupported(what);
  }
  if (dv.memballoon && dv.memballoon->model != "none") {
    const auto& m = *dv.memballoon;
    if (m.model != "virtio") {
      unsupported("memballoon model '" + m.model + "'");
    } else if (needDevice("virtio-balloon-pci", "memballoon")) {
      std::string p = "virtio-balloon-pci,id=" + m.info.alias + pciAddr(m.info);
      if (m.autodeflate == "on") p += ",deflate-on-oom=on";
      if (m.freePageReporting == "on") p += ",free-page-reporting=on";
      arg("-device", p);
    }
  }
  for (const auto& r : dv.rngs) {
    const std::string what = "rng backend '" + r.backendModel + "'";
    std::string obj = "obj" + r.info.alias;
    if (r.backendModel == "random") {
      jsonArg("-object", {{"qom-type", "rng-random"}, {"id", obj}, {"filename", r.backendPath.empty() ? "/dev/urandom" : r.backendPath}});
    } else if (r.backendModel == "builtin") {
      jsonArg("-object", {{"qom-type", "rng-builtin"}, {"id", obj}});
    } else {
      unsupported(what);
      continue;
    }
    if (needDevice("virtio-rng-pci", what)) arg("-device", "virtio-rng-pci,rng=" + obj + ",id=" + r.info.alias + pciAddr(r.info));
  }
  for (const auto& w : dv.watchdogs) {
    const std::string what = "watchdog model '" + w.model + "'";
    if (w.model != "i6300esb" && w.model != "ib700") {
      unsupported(what + " (i6300esb and ib700 are supported)");
      continue;
    }
    if (!needDevice(w.model, what)) continue;
    arg("-device", w.model + ",id=" + w.info.alias + (w.model == "i6300esb" ? pciAddr(w.info) : ""));
    std::string action = w.action.empty() ? "reset" : w.action;
    if (action == "dump" || action == "inject-nmi") {
      unsupported(what + ": action '" + action + "'");
      continue;
    }
    arg("-action", "watchdog=" + action);
  }
  for (const auto& p : dv.panics) {
    const std::string what = "panic model '" + p.model + "'";
    if (p.model.empty() || p.model == "isa") {
      if (needDevice("pvpanic", what)) arg("-device", "pvpanic,id=" + p.info.alias);
    } else if (p.model == "pvpanic") {
      if (needDevice("pvpanic-pci", what)) arg("-device", "pvpanic-pci,id=" + p.info.alias + pciAddr(p.info));
    } else {
      unsupported(what);
    }
  }
  for (const auto& s : dv.sounds) {
    const std::string what = "sound model '" + s.model + "'";
    const std::string& ad = audiodev();
    if (s.model == "ich6" || s.model == "ich9") {
      std::string ctl = s.model == "ich6" ? "intel-hda" : "ich9-intel-hda";
      if (!needDevice(ctl, what)) continue;
      arg("-device", ctl + ",id=" + s.info.alias + pciAddr(s.info));
      arg("-device", "hda-duplex,id=" + s.info.alias + "-codec0,bus=" + s.info.alias + ".0,cad=0,audiodev=" + ad);
    } else if (s.model == "ac97" || s.model == "es1370") {
      std::string dev = s.model == "ac97" ? "AC97" : "ES1370";
      if (needDevice(dev, what)) arg("-device", dev + ",id=" + s.info.alias + ",audiodev=" + ad + pciAddr(s.info));
    } else if (s.model == "sb16") {
      if (needDevice("sb16", what)) arg("-device", "sb16,id=" + s.info.alias + ",audiodev=" + ad);
    } else {
      unsupported(what);
    }
  }
  for (const auto& f : dv.filesystems) {
    (void)f;
    unsupported("filesystem passthrough (<filesystem>) is not supported by the QEMU driver yet");
  }
  if (!dv.hostdevs.empty()) unsupported("host device assignment (<hostdev>) is not available on this host");
  if (!dv.redirdevs.empty()) unsupported("USB redirection (<redirdev>) needs SPICE channels, which are not supported yet");
  if (!dv.smartcards.empty()) unsupported("smartcards are not supported by the QEMU driver");
  if (!dv.tpms.empty()) unsupported("TPM devices need swtpm, which is not supported yet");
  for (const auto& e : dv.extra.elements) unsupported("device <" + e.name + "> is not supported by the QEMU driver");
}

}  // namespace stratus::drivers::qemu
