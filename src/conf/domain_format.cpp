// Stage 4: DomainDef -> canonical XML in libvirt's element order.
#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

const std::vector<std::string_view> kTopOrder = {
    "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory", "currentMemory",
    "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread",
    "throttlegroups", "cputune", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args", "os",
    "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf",
    "devices", "seclabel", "keywrap", "launchSecurity"};

const std::vector<std::string_view> kDeviceOrder = {
    "emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial", "parallel",
    "console", "channel", "input", "tpm", "graphics", "sound", "audio", "video", "hostdev", "redirdev",
    "redirfilter", "hub", "watchdog", "memballoon", "rng", "panic", "shmem", "memory", "iommu", "vsock",
    "crypto", "pstore"};

void memoryElement(XmlElement& dom, const char* name, std::uint64_t kib, unsigned slots) {
  auto& m = dom.add(name);
  if (slots) m.set("slots", std::to_string(slots));
  m.set("unit", "KiB");
  m.text = std::to_string(kib);
}

void formatDevices(XmlElement& dom, const DomainDef& def, const FormatOptions& o) {
  const Devices& d = def.devices;
  auto& x = dom.add("devices");
  x.expandEmpty = true;
  if (!d.emulator.empty()) x.add("emulator").text = d.emulator;
  for (const auto& v : d.disks) formatDisk(x, v, o);
  for (const auto& v : d.controllers) formatController(x, v, o);
  for (const auto& v : d.filesystems) formatFilesystem(x, v, o);
  for (const auto& v : d.interfaces) formatInterface(x, v, o);
  for (const auto& v : d.smartcards) formatSmartcard(x, v, o);
  for (const auto& v : d.serials) formatChardev(x, v, o);
  for (const auto& v : d.parallels) formatChardev(x, v, o);
  for (const auto& v : d.consoles) formatChardev(x, v, o);
  for (const auto& v : d.channels) formatChardev(x, v, o);
  for (const auto& v : d.inputs) formatInput(x, v, o);
  for (const auto& v : d.tpms) formatTpm(x, v, o);
  for (const auto& v : d.graphics) formatGraphics(x, v, o);
  for (const auto& v : d.sounds) formatSound(x, v, o);
  for (const auto& v : d.audios) formatAudio(x, v, o);
  for (const auto& v : d.videos) formatVideo(x, v, o);
  for (const auto& v : d.hostdevs) formatHostdev(x, v, o);
  for (const auto& v : d.redirdevs) formatRedirdev(x, v, o);
  for (const auto& v : d.watchdogs) formatWatchdog(x, v, o);
  if (d.memballoon) formatMemballoon(x, *d.memballoon, o);
  for (const auto& v : d.rngs) formatRng(x, v, o);
  for (const auto& v : d.panics) formatPanic(x, v, o);
  appendExtra(x, d.extra);
  sortChildren(x, kDeviceOrder);
}

}  // namespace

std::string formatDomainXml(const DomainDef& def, const FormatOptions& opts) {
  XmlElement dom("domain");
  dom.set("type", def.type);
  if (opts.id && !opts.inactive) dom.set("id", std::to_string(*opts.id));
  for (const auto& [k, v] : def.otherAttrs) dom.set(k, v);

  dom.add("name").text = def.name;
  dom.add("uuid").text = def.uuid.str();
  if (!def.title.empty()) dom.add("title").text = def.title;
  if (!def.description.empty()) dom.add("description").text = def.description;
  if (def.maxMemoryKiB) memoryElement(dom, "maxMemory", def.maxMemoryKiB, def.maxMemorySlots);
  memoryElement(dom, "memory", def.memoryKiB, 0);
  memoryElement(dom, "currentMemory", def.currentMemoryKiB, 0);
  formatVcpu(dom, def);
  formatCpuTune(dom, def.cputune);
  formatOs(dom, def);
  formatFeatures(dom, def.features);
  if (def.cpu) formatCpu(dom, *def.cpu);
  formatClock(dom, def.clock);
  dom.add("on_poweroff").text = def.onPoweroff;
  dom.add("on_reboot").text = def.onReboot;
  dom.add("on_crash").text = def.onCrash;
  formatDevices(dom, def, opts);
  for (const auto& e : def.otherElements) dom.append(e);
  applyLeafExtras(dom, def.leaf);
  sortChildren(dom, kTopOrder);
  return serializeXml(dom);
}

}  // namespace stratus::conf
