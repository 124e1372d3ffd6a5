// Stage 1: XML text -> DomainDef. Per-element parsing lives in the per-kind
// files (disk.cpp, os.cpp, ...); this file handles <domain> and <devices>.
#include <fmt/format.h>

#include <algorithm>

#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

// Top-level elements libvirt knows that we keep verbatim.
constexpr std::initializer_list<const char*> kKeptTopLevel = {
    "metadata", "genid", "blkiotune", "memtune", "memoryBacking", "vcpus", "iothreads", "iothreadids",
    "defaultiothread", "throttlegroups", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args",
    "idmap", "on_lockfailure", "pm", "perf", "seclabel", "keywrap", "launchSecurity"};

// Devices libvirt knows that we keep verbatim.
constexpr std::string_view kKeptDevices[] = {"lease", "redirfilter", "hub", "shmem", "memory", "iommu",
                                             "vsock", "crypto", "pstore", "nvram"};

std::string lifecycleAction(Elem& dom, const char* name, bool crash, LeafExtras& leaf) {
  auto c = dom.child(name);
  if (!c) return {};
  dom.remember(std::string("domain/") + name);
  std::string v = crash ? c->textEnum({"destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
                                       "coredump-restart"})
                        : c->textEnum({"destroy", "restart", "rename-restart", "preserve"});
  c->finish(leaf[name]);
  return v;
}

std::uint64_t memoryField(Elem& dom, const char* name, DomainDef& def, bool slots) {
  auto m = dom.child(name);
  if (!m) return 0;
  m->remember(std::string("domain/") + name);
  if (slots) {
    if (auto s = m->attrUInt("slots", 0xffffffffu)) def.maxMemorySlots = static_cast<unsigned>(*s);
  }
  if (std::string_view(name) == "memory") m->keepAttrs({"dumpCore"});
  auto v = parseMemoryKiB(*m);
  m->finish(def.leaf[name]);
  return v.value_or(0);
}

void parseDevices(Elem& devs, DomainDef& def) {
  Devices& d = def.devices;
  if (auto em = devs.child("emulator")) {
    d.emulator = em->text();
    em->finish(def.leaf["devices/emulator"]);
  }
  std::unordered_map<std::string, int> counts;
  for (auto& c : devs.allChildren()) {
    std::string n = c.name();
    int idx = counts[n]++;
    c.remember(fmt::format("domain/devices/{}#{}", n, idx));
    if (n == "disk") d.disks.push_back(parseDisk(c));
    else if (n == "controller") d.controllers.push_back(parseController(c));
    else if (n == "filesystem") d.filesystems.push_back(parseFilesystem(c));
    else if (n == "interface") d.interfaces.push_back(parseInterface(c));
    else if (n == "smartcard") d.smartcards.push_back(parseSmartcard(c));
    else if (n == "serial") d.serials.push_back(parseChardev(c));
    else if (n == "parallel") d.parallels.push_back(parseChardev(c));
    else if (n == "console") d.consoles.push_back(parseChardev(c));
    else if (n == "channel") d.channels.push_back(parseChardev(c));
    else if (n == "input") d.inputs.push_back(parseInput(c));
    else if (n == "tpm") d.tpms.push_back(parseTpm(c));
    else if (n == "graphics") d.graphics.push_back(parseGraphics(c));
    else if (n == "sound") d.sounds.push_back(parseSound(c));
    else if (n == "audio") d.audios.push_back(parseAudio(c));
    else if (n == "video") d.videos.push_back(parseVideo(c));
    else if (n == "hostdev") d.hostdevs.push_back(parseHostdev(c));
    else if (n == "redirdev") d.redirdevs.push_back(parseRedirdev(c));
    else if (n == "watchdog") d.watchdogs.push_back(parseWatchdog(c));
    else if (n == "memballoon") {
      if (d.memballoon) c.fail("only one <memballoon> is allowed");
      d.memballoon = parseMemballoon(c);
    } else if (n == "rng") d.rngs.push_back(parseRng(c));
    else if (n == "panic") d.panics.push_back(parsePanic(c));
    else {
      d.extra.elements.push_back(toXmlElement(c.node()));
      bool kept = std::find(std::begin(kKeptDevices), std::end(kKeptDevices), std::string_view(n)) != std::end(kKeptDevices);
      if (!kept && n.find(':') == std::string::npos)
        devs.ctx().warn(c.line(), c.path(), fmt::format("unknown element <{}> in domain/devices kept verbatim", n));
    }
  }
  devs.finish(d.extra);
}

}  // namespace

Result<DomainDef> parseDomainDocument(std::string_view xml, const std::string& sourceName,
                                      std::vector<Warning>& warnings, SourceMap& lines) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  ParseCtx ctx(xml, sourceName, &warnings);
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "domain")
    return Error(ErrorCode::XmlInvalid, fmt::format("expected root element <domain>, found <{}>", root.name()),
                 ErrorLocation{sourceName, ctx.lineOf(root), ""});

  DomainDef def;
  Elem dom(ctx, root, "domain");
  dom.remember("domain");
  if (!dom.hasAttr("type")) {
    dom.failAttr("type", "missing domain type (e.g. <domain type='qemu'>)");
  } else {
    def.type = dom.attrEnum("type", {"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test",
                                     "vmware", "hyperv", "vbox", "phyp", "vz", "bhyve", "ch", "hvf"});
  }
  (void)dom.attr("id");  // live-only; the daemon supplies it when formatting

  if (auto n = dom.child("name")) {
    n->remember("domain/name");
    def.name = n->text();
    n->finish(def.leaf["name"]);
  } else {
    dom.fail("missing <name>");
  }
  if (auto u = dom.child("uuid")) {
    auto p = Uuid::parse(u->text());
    if (!p) u->fail(fmt::format("malformed uuid '{}'", u->text()));
    else def.uuid = *p;
    u->finish(def.leaf["uuid"]);
  }
  if (auto t = dom.child("title")) {
    t->remember("domain/title");
    def.title = t->rawText();
    t->finish(def.leaf["title"]);
  }
  if (auto d = dom.child("description")) {
    def.description = d->rawText();
    d->finish(def.leaf["description"]);
  }
  def.maxMemoryKiB = memoryField(dom, "maxMemory", def, true);
  def.memoryKiB = memoryField(dom, "memory", def, false);
  def.currentMemoryKiB = memoryField(dom, "currentMemory", def, false);
  if (auto v = dom.child("vcpu")) {
    v->remember("domain/vcpu");
    parseVcpu(*v, def);
  } else {
    def.currentVcpus = 0;
  }
  if (auto t = dom.child("cputune")) {
    auto pins = t->node().children("vcpupin");
    int i = 0;
    for (auto p : pins) ctx.lines()[fmt::format("domain/cputune/vcpupin#{}", i++)] = ctx.lineOf(p);
    def.cputune = parseCpuTune(*t);
  }
  if (auto o = dom.child("os")) {
    o->remember("domain/os");
    parseOs(*o, def);
  }
  if (auto f = dom.child("features")) def.features = parseFeatures(*f);
  if (auto c = dom.child("cpu")) {
    c->remember("domain/cpu");
    def.cpu = parseCpu(*c);
  }
  if (auto c = dom.child("clock")) def.clock = parseClock(*c);
  if (auto a = lifecycleAction(dom, "on_poweroff", false, def.leaf); !a.empty()) def.onPoweroff = a;
  if (auto a = lifecycleAction(dom, "on_reboot", false, def.leaf); !a.empty()) def.onReboot = a;
  if (auto a = lifecycleAction(dom, "on_crash", true, def.leaf); !a.empty()) def.onCrash = a;
  if (auto d = dom.child("devices")) parseDevices(*d, def);

  dom.keepChildren(kKeptTopLevel);
  Extra extra;
  dom.finish(extra);
  def.otherElements = std::move(extra.elements);
  def.otherAttrs = std::move(extra.attrs);

  if (ctx.failed()) return *ctx.error();
  lines = std::move(ctx.lines());
  return def;
}

}  // namespace stratus::conf
