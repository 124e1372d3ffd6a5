// Stage 2: generic defaults, the ones libvirt's conf layer fills for every
// hypervisor. Hypervisor-specific ones (machine aliases, PCI addresses,
// implicit controllers/videos) belong to the drivers.
#include <algorithm>
#include <set>

#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

bool anyDeviceBoot(const DomainDef& def) {
  const Devices& d = def.devices;
  auto has = [](const auto& v) {
    return std::any_of(v.begin(), v.end(), [](const auto& x) { return x.info.bootOrder.has_value(); });
  };
  return has(d.disks) || has(d.interfaces) || has(d.hostdevs) || has(d.redirdevs);
}

// libvirt's bus for a target without one, from the target's prefix
// (virDomainDiskGetDefaultBus): hdX ide, sdX scsi, vdX virtio, fdX fdc.
std::string defaultDiskBus(const std::string& target) {
  static constexpr std::pair<std::string_view, std::string_view> kByPrefix[] = {
      {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"fd", "fdc"}, {"xvd", "xen"}, {"ubd", "uml"}};
  for (const auto& [prefix, bus] : kByPrefix)
    if (target.starts_with(prefix)) return std::string(bus);
  return {};
}

void diskDefaults(const DomainDef& def, DiskDef& d) {
  diskNetworkDefaults(d);
  if ((def.type == "qemu" || def.type == "kvm") && d.driverName.empty() && d.type != "vhostuser") {
    d.hasDriver = true;
    d.driverName = "qemu";
  }
  if (d.targetBus.empty()) d.targetBus = defaultDiskBus(d.targetDev);
  if (d.info.address && d.info.address->type == "drive" && !d.info.address->target) d.info.address->target = 0;
}

// "vdb" -> 1, "sdaa" -> 26; -1 when not a disk name.
long diskNameIndex(const std::string& name) {
  static const char* const kPrefixes[] = {"fd", "hd", "vd", "sd", "xvd", "ubd"};
  std::string_view s = name;
  bool found = false;
  for (const char* p : kPrefixes)
    if (s.starts_with(p)) {
      s.remove_prefix(std::string_view(p).size());
      found = true;
      break;
    }
  if (!found || s.empty()) return -1;
  long idx = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c < 'a' || c > 'z') return -1;
    if (i > 0) idx = (idx + 1) * 26;
    if (idx > (1L << 40)) return -1;
    idx += c - 'a';
  }
  return idx;
}

void orderDisks(std::vector<DiskDef>& disks) {
  std::vector<DiskDef> out;
  for (auto& d : disks) insertDisk(out, std::move(d));
  disks = std::move(out);
}

void graphicsDefaults(GraphicsDef& g) {
  if (g.type != "vnc" && g.type != "spice") return;
  bool socketListen = std::any_of(g.listens.begin(), g.listens.end(),
                                  [](const GraphicsListen& l) { return l.type == "socket"; });
  if (g.port && *g.port == -1) g.autoport = true;
  if (g.type == "vnc" && !g.port && !g.autoport && !socketListen) {
    g.port = -1;
    g.autoport = true;
  }
  if (g.type == "vnc" && g.autoport.value_or(false) && !g.port) g.port = -1;
  if (g.listen.empty() && !g.listens.empty() && g.listens[0].type == "address")
    g.listen = g.listens[0].address;
  if (g.listens.empty()) {
    GraphicsListen l;
    l.type = "address";
    l.address = g.listen;
    g.listens.push_back(l);
  }
}

std::optional<std::uint64_t> defaultVram(const std::string& model) {
  if (model == "vga" || model == "cirrus" || model == "vmvga" || model == "xen" || model == "vbox" ||
      model == "bochs")
    return 16384;
  if (model == "qxl") return 65536;
  return std::nullopt;
}

void chardevPorts(std::vector<ChardevDef>& devs) {
  std::set<unsigned> used;
  for (const auto& c : devs)
    if (c.targetPort) used.insert(*c.targetPort);
  unsigned next = 0;
  for (auto& c : devs) {
    if (c.targetPort) continue;
    while (used.count(next)) ++next;
    c.hasTarget = true;
    c.targetPort = next;
    used.insert(next);
  }
}

}  // namespace

// libvirt keeps disks of one bus sorted by target name, the buses in order
// of first appearance (virDomainDiskInsert); do the same so dumpxml matches.
void insertDisk(std::vector<DiskDef>& disks, DiskDef d) {
  long insertAt = -1;
  long newIdx = diskNameIndex(d.targetDev);
  for (long i = static_cast<long>(disks.size()) - 1; i >= 0; --i) {
    const auto& o = disks[static_cast<std::size_t>(i)];
    if (o.targetBus != d.targetBus) continue;
    if (diskNameIndex(o.targetDev) > newIdx) insertAt = i;
    else if (insertAt == -1) insertAt = i + 1;
  }
  if (insertAt < 0) disks.push_back(std::move(d));
  else disks.insert(disks.begin() + insertAt, std::move(d));
}

void fillDomainDefaults(DomainDef& def) {
  if (def.uuid.isNull()) def.uuid = Uuid::generate();
  if (def.currentMemoryKiB == 0) def.currentMemoryKiB = def.memoryKiB;
  if (def.currentVcpus == 0) def.currentVcpus = def.vcpus;
  if (def.vcpuPlacement.empty()) def.vcpuPlacement = "static";
  if (def.osType == "hvm" && def.os.bootDevs.empty() && !anyDeviceBoot(def)) def.os.bootDevs.push_back("hd");
  if (def.cpu) {
    if (def.cpu->mode.empty()) def.cpu->mode = "custom";
    if (def.cpu->mode == "custom" && !def.cpu->model.empty() && def.cpu->match.empty()) def.cpu->match = "exact";
  }

  Devices& d = def.devices;
  for (auto& disk : d.disks) diskDefaults(def, disk);
  orderDisks(d.disks);
  for (auto& c : d.controllers) {
    if (c.index) continue;
    unsigned idx = 0;
    while (std::any_of(d.controllers.begin(), d.controllers.end(),
                       [&](const ControllerDef& o) { return o.type == c.type && o.index == idx; }))
      ++idx;
    c.index = idx;
  }
  for (auto& n : d.interfaces)
    if (n.mac.empty()) n.mac = generateMac();
  for (auto& g : d.graphics) graphicsDefaults(g);
  for (std::size_t i = 0; i < d.videos.size(); ++i) {
    auto& v = d.videos[i];
    if (v.model.empty()) continue;
    if (!v.vram && v.model != "virtio") v.vram = defaultVram(v.model);
    if (v.model == "qxl") {
      if (!v.ram) v.ram = 65536;
      if (!v.vgamem) v.vgamem = 16384;
    }
    if (!v.heads && v.model != "none") v.heads = 1;
    if (i == 0 && !v.primary && v.model != "none") v.primary = true;
  }
  for (auto& h : d.hostdevs)
    if (h.mode == "subsystem" && h.managed.empty()) h.managed = "no";
  for (auto& w : d.watchdogs)
    if (w.action.empty()) w.action = "reset";
  chardevPorts(d.serials);
  chardevPorts(d.parallels);
  for (auto& c : d.consoles) {
    if (c.targetType.empty() && def.osType == "hvm") {
      c.hasTarget = true;
      c.targetType = "serial";
    }
    if (!c.targetPort) {
      c.hasTarget = true;
      c.targetPort = 0;
    }
  }
}

}  // namespace stratus::conf
