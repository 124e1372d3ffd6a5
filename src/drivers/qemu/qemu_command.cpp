// Top of the QEMU command line: machine, accelerator, CPU, memory, identity,
// monitor, clock, boot; devices come from the qemu_command_*.cpp files.
#include <cstdio>
#include <ctime>

#include "drivers/qemu/qemu_command_impl.h"

namespace stratus::drivers::qemu {

std::string qemuEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

void CommandBuilder::reservePciSlots() {
  // i440FX: 0 host bridge, 1 PIIX3 (ISA, IDE, USB, PM). Q35: 0 host bridge,
  // 0x1f ICH9 (LPC, SATA, SMBus). The primary video card gets libvirt's
  // usual slot (2 on i440FX, 1 on Q35) unless the XML places it.
  usedSlots = q35 ? std::set<unsigned>{0, 0x1f} : std::set<unsigned>{0, 1};
  nextSlot = q35 ? 2 : 3;
  primaryVideoSlot = q35 ? 1 : 2;
  auto mark = [this](const conf::DeviceInfo& i) {
    if (i.address && i.address->type == "pci" && i.address->bus.value_or(0) == 0)
      usedSlots.insert(i.address->slot.value_or(0));
  };
  const auto& dv = def.devices;
  for (const auto& x : dv.disks) mark(x.info);
  for (const auto& x : dv.controllers) mark(x.info);
  for (const auto& x : dv.interfaces) mark(x.info);
  for (const auto& x : dv.videos) mark(x.info);
  for (const auto& x : dv.inputs) mark(x.info);
  for (const auto& x : dv.sounds) mark(x.info);
  for (const auto& x : dv.rngs) mark(x.info);
  for (const auto& x : dv.watchdogs) mark(x.info);
  for (const auto& x : dv.panics) mark(x.info);
  if (dv.memballoon) mark(dv.memballoon->info);
  for (const auto& v : dv.videos) {
    if (v.model == "none") continue;
    if (!v.info.address && !usedSlots.count(primaryVideoSlot)) {
      primaryVideo = &v.info;
      usedSlots.insert(primaryVideoSlot);
    }
    break;
  }
}

std::string CommandBuilder::pciAddr(const conf::DeviceInfo& info) {
  std::string busName0 = q35 ? "pcie.0" : "pci.0";
  if (!info.address || info.address->type != "pci") {
    unsigned slot;
    if (&info == primaryVideo) {
      slot = primaryVideoSlot;
    } else {
      while (usedSlots.count(nextSlot)) ++nextSlot;
      if (nextSlot > 31) {
        fail(ErrorCode::Unsupported, "unsupported configuration: no free PCI slot left on bus 0");
        return "";
      }
      slot = nextSlot;
      usedSlots.insert(slot);
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, ",bus=%s,addr=0x%x", busName0.c_str(), slot);
    return buf;
  }
  const auto& a = *info.address;
  if (a.domain.value_or(0) != 0) {
    unsupported("PCI domain other than 0 in a device address");
    return "";
  }
  unsigned bus = a.bus.value_or(0);
  std::string busName = bus == 0 ? (q35 ? "pcie.0" : "pci.0") : "pci." + std::to_string(bus);
  char buf[64];
  if (a.function.value_or(0) != 0)
    std::snprintf(buf, sizeof buf, ",bus=%s,addr=0x%x.0x%x", busName.c_str(), a.slot.value_or(0), *a.function);
  else
    std::snprintf(buf, sizeof buf, ",bus=%s,addr=0x%x", busName.c_str(), a.slot.value_or(0));
  std::string s = buf;
  if (a.multifunction == "on") s += ",multifunction=on";
  return s;
}

const std::string& CommandBuilder::audiodev() {
  if (audiodevId.empty()) {
    audiodevId = "audio1";
    std::string driver = "none";
    if (!def.devices.audios.empty() && !def.devices.audios[0].type.empty()) driver = def.devices.audios[0].type;
    if (driver == "pulseaudio") driver = "pa";
    jsonArg("-audiodev", {{"id", audiodevId}, {"driver", driver}});
  }
  return audiodevId;
}

namespace {

void addAliasIfEmpty(std::string& alias, const std::string& value) {
  if (alias.empty()) alias = value;
}

std::string diskAlias(const conf::DiskDef& d, unsigned& virtioIndex) {
  const std::string& bus = d.targetBus;
  const std::string& dev = d.targetDev;
  auto idx = [&]() -> unsigned {  // hda -> 0, sdb -> 1
    if (dev.size() < 3) return 0;
    unsigned v = 0;
    for (std::size_t i = 2; i < dev.size(); ++i) v = v * 26 + static_cast<unsigned>(dev[i] - 'a') + (i > 2 ? 1 : 0);
    return v;
  };
  if (bus == "virtio") return "virtio-disk" + std::to_string(virtioIndex++);
  unsigned i = idx();
  if (bus == "ide") return "ide0-" + std::to_string(i / 2) + "-" + std::to_string(i % 2);
  if (bus == "sata") return "sata0-0-" + std::to_string(i);
  if (bus == "scsi") return "scsi0-0-0-" + std::to_string(i);
  if (bus == "usb") return "usb-disk" + std::to_string(i);
  if (bus == "fdc") return "fdc0-0-" + std::to_string(i);
  return bus + "-disk" + std::to_string(i);
}

}  // namespace

void assignAliases(conf::DomainDef& def) {
  auto& dv = def.devices;
  unsigned virtioIndex = 0;
  for (auto& d : dv.disks) {
    // virtio disk numbering follows the target name (vda -> 0) like libvirt.
    if (d.targetBus == "virtio" && d.targetDev.size() >= 3) {
      unsigned n = static_cast<unsigned>(d.targetDev.back() - 'a');
      virtioIndex = n;
    }
    addAliasIfEmpty(d.info.alias, diskAlias(d, virtioIndex));
  }
  for (std::size_t i = 0; i < dv.interfaces.size(); ++i) addAliasIfEmpty(dv.interfaces[i].info.alias, "net" + std::to_string(i));
  for (std::size_t i = 0; i < dv.serials.size(); ++i) addAliasIfEmpty(dv.serials[i].info.alias, "serial" + std::to_string(i));
  for (std::size_t i = 0; i < dv.consoles.size(); ++i) addAliasIfEmpty(dv.consoles[i].info.alias, "console" + std::to_string(i));
  for (std::size_t i = 0; i < dv.channels.size(); ++i) addAliasIfEmpty(dv.channels[i].info.alias, "channel" + std::to_string(i));
  for (std::size_t i = 0; i < dv.inputs.size(); ++i) addAliasIfEmpty(dv.inputs[i].info.alias, "input" + std::to_string(i));
  for (std::size_t i = 0; i < dv.videos.size(); ++i) addAliasIfEmpty(dv.videos[i].info.alias, "video" + std::to_string(i));
  for (std::size_t i = 0; i < dv.sounds.size(); ++i) addAliasIfEmpty(dv.sounds[i].info.alias, "sound" + std::to_string(i));
  for (std::size_t i = 0; i < dv.rngs.size(); ++i) addAliasIfEmpty(dv.rngs[i].info.alias, "rng" + std::to_string(i));
  for (std::size_t i = 0; i < dv.watchdogs.size(); ++i) addAliasIfEmpty(dv.watchdogs[i].info.alias, "watchdog" + std::to_string(i));
  for (std::size_t i = 0; i < dv.panics.size(); ++i) addAliasIfEmpty(dv.panics[i].info.alias, "panic" + std::to_string(i));
  for (std::size_t i = 0; i < dv.filesystems.size(); ++i) addAliasIfEmpty(dv.filesystems[i].info.alias, "fs" + std::to_string(i));
  std::map<std::string, unsigned> perType;
  for (auto& c : dv.controllers) {
    unsigned idx = c.index.value_or(perType[c.type]);
    perType[c.type] = idx + 1;
    addAliasIfEmpty(c.info.alias, c.type == "pci" && idx == 0 ? "pci.0" : c.type + std::to_string(idx));
  }
  if (dv.memballoon && dv.memballoon->model != "none") addAliasIfEmpty(dv.memballoon->info.alias, "balloon0");
}

Result<QemuCommand> buildCommand(const conf::DomainDef& def, const QemuCaps& caps, const CommandContext& ctx) {
  CommandBuilder b{def, caps, ctx, {}, {}};
  std::string machine = caps.resolveMachine(def.machine);
  if (machine.empty())
    return Error(ErrorCode::Unsupported, "unsupported configuration: machine type '" + def.machine + "' is not known to " +
                                             caps.binary);
  b.q35 = machine.find("q35") != std::string::npos;
  if (def.osType != "hvm") return Error(ErrorCode::Unsupported, "unsupported configuration: os type '" + def.osType + "'");
  if (def.arch != "x86_64" && def.arch != "i686")
    return Error(ErrorCode::Unsupported, "unsupported configuration: architecture '" + def.arch + "'");

  b.arg(ctx.emulator);
  b.arg("-name", "guest=" + qemuEscape(def.name) + ",debug-threads=on");
  b.arg("-S");
  std::string m = machine + ",usb=off,dump-guest-core=off";
  if (!def.features.has("acpi")) m += ",acpi=off";
  for (const auto& t : def.clock.timers)
    if (t.name == "hpet" && t.present && !*t.present) m += ",hpet=off";
  b.arg("-machine", m);
  b.arg("-accel", ctx.kvm ? "kvm" : "tcg");

  // CPU model. No <cpu>: QEMU's default model, as libvirt does under TCG.
  if (def.cpu) {
    const auto& c = *def.cpu;
    std::string model;
    if (c.mode == "host-passthrough" || c.mode == "host-model") {
      if (!ctx.kvm)
        return Error(ErrorCode::Unsupported, "unsupported configuration: CPU mode '" + c.mode +
                                                 "' needs KVM; use mode='maximum' or a named model under TCG");
      model = "host";
    } else if (c.mode == "maximum") {
      model = "max";
    } else if (!c.model.empty()) {
      model = c.model;
    }
    if (!model.empty()) {
      for (const auto& f : c.features) {
        if (f.policy == "disable" || f.policy == "forbid") model += ",-" + f.name;
        else model += ",+" + f.name;
      }
      b.arg("-cpu", model);
    }
  }

  // Memory: -m size=...k (+ slots/maxmem for hot-plug).
  std::string mem = "size=" + std::to_string(def.memoryKiB) + "k";
  if (def.maxMemoryKiB) mem += ",slots=" + std::to_string(def.maxMemorySlots) + ",maxmem=" + std::to_string(def.maxMemoryKiB) + "k";
  b.arg("-m", mem);
  b.arg("-overcommit", "mem-lock=off");

  // vCPUs: boot with `current`, room for hot-plug up to `vcpus`.
  unsigned sockets = def.vcpus, dies = 1, cores = 1, threads = 1;
  if (def.cpu && def.cpu->topology) {
    const auto& t = *def.cpu->topology;
    sockets = t.sockets;
    dies = t.dies;
    cores = t.cores;
    threads = t.threads;
    if (sockets * dies * cores * threads != def.vcpus)
      return Error(ErrorCode::XmlInvalid, "XML error: CPU topology " + std::to_string(sockets) + "x" + std::to_string(dies) +
                                              "x" + std::to_string(cores) + "x" + std::to_string(threads) +
                                              " does not match vcpu count " + std::to_string(def.vcpus));
  }
  b.arg("-smp", std::to_string(def.currentVcpus) + ",maxcpus=" + std::to_string(def.vcpus) + ",sockets=" +
                    std::to_string(sockets) + ",dies=" + std::to_string(dies) + ",cores=" + std::to_string(cores) +
                    ",threads=" + std::to_string(threads));
  b.arg("-uuid", def.uuid.str());
  b.arg("-no-user-config");
  b.arg("-nodefaults");

  // Monitor: a socket we created and listen on, so we can connect before QEMU is ready.
  if (ctx.monitorFd >= 0)
    b.arg("-chardev", "socket,id=charmonitor,fd=" + std::to_string(ctx.monitorFd) + ",server=on,wait=off");
  else
    b.arg("-chardev", "socket,id=charmonitor,path=" + qemuEscape(ctx.monitorPath) + ",server=on,wait=off");
  b.arg("-mon", "chardev=charmonitor,id=monitor,mode=control");

  // Clock.
  std::string rtc;
  const auto& clk = def.clock;
  if (clk.offset == "localtime") rtc = "base=localtime";
  else if (clk.offset == "utc" || clk.offset.empty()) rtc = "base=utc";
  else if (clk.offset == "variable" || clk.offset == "timezone") {
    if (clk.offset == "timezone") return Error(ErrorCode::Unsupported, "unsupported configuration: clock offset 'timezone'");
    long adj = clk.adjustment.empty() ? 0 : std::stol(clk.adjustment);
    std::time_t t = std::time(nullptr) + adj;
    std::tm tm{};
    if (clk.basis == "localtime") localtime_r(&t, &tm); else gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    rtc = std::string("base=") + buf;
  } else {
    return Error(ErrorCode::Unsupported, "unsupported configuration: clock offset '" + clk.offset + "'");
  }
  for (const auto& t : clk.timers)
    if (t.name == "rtc" && t.tickpolicy == "catchup") rtc += ",driftfix=slew";
  b.arg("-rtc", rtc);

  // Stay alive after the guest powers off: the driver decides what happens
  // next (stop, fake reboot) and reports the state at once.
  b.arg("-no-shutdown");
  if (def.onReboot == "destroy") b.arg("-no-reboot");

  // Boot: firmware, direct kernel boot, boot order.
  const auto& os = def.os;
  if (os.hasLoader && !os.loaderPath.empty()) {
    if (os.loaderType == "pflash") return Error(ErrorCode::Unsupported, "unsupported configuration: pflash loader");
    b.arg("-bios", os.loaderPath);
  }
  if (!os.kernel.empty()) b.arg("-kernel", os.kernel);
  if (!os.initrd.empty()) b.arg("-initrd", os.initrd);
  if (!os.cmdline.empty()) b.arg("-append", os.cmdline);
  if (!os.dtb.empty()) b.arg("-dtb", os.dtb);
  std::string order;
  for (const auto& d : os.bootDevs) {
    if (d == "hd") order += 'c';
    else if (d == "cdrom") order += 'd';
    else if (d == "fd") order += 'a';
    else if (d == "network") order += 'n';
  }
  std::string boot;
  if (!order.empty()) boot = "order=" + order;
  if (os.bootMenu) {
    boot += std::string(boot.empty() ? "" : ",") + "menu=" + (*os.bootMenu ? "on" : "off");
    if (os.bootMenuTimeout) boot += ",splash-time=" + std::to_string(*os.bootMenuTimeout);
  }
  boot += std::string(boot.empty() ? "" : ",") + "strict=on";
  b.arg("-boot", boot);

  b.reservePciSlots();
  b.buildControllers();
  b.buildDisks();
  b.buildInterfaces();
  b.buildChardevs();
  b.buildGraphicsAndVideo();
  b.buildOtherDevices();

  b.arg("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
  b.arg("-msg", "timestamp=on");
  if (b.error) return *b.error;
  return std::move(b.out);
}

}  // namespace stratus::drivers::qemu
