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

void diskDefaults(const DomainDef& def, DiskDef& d) {
  if ((def.type == "qemu" || def.type == "kvm") && d.driverName.empty() && d.type != "vhostuser") {
    d.hasDriver = true;
    d.driverName = "qemu";
  }
  if (d.info.address && d.info.address->type == "drive" && !d.info.address->target) d.info.address->target = 0;
}

void graphicsDefaults(GraphicsDef& g) {
  if (g.type != "vnc" && g.type != "spice") return;
  if (g.port && *g.port == -1) g.autoport = true;
  if (g.type == "vnc" && !g.port && !g.autoport) {
    g.port = -1;
    g.autoport = true;
  }
  if (g.autoport.value_or(false) && !g.port) g.port = -1;
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
