#include "conf/cpu.h"

#include <fmt/format.h>

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

bool validCpuset(std::string_view s) {
  // list of [^]N or N-M separated by commas
  if (s.empty()) return false;
  std::size_t i = 0;
  auto num = [&](std::uint64_t& v) {
    std::size_t b = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > b && parseUInt(s.substr(b, i - b), v) && v < 65536;
  };
  while (true) {
    while (i < s.size() && s[i] == ' ') ++i;
    bool neg = i < s.size() && s[i] == '^';
    if (neg) ++i;
    std::uint64_t a, b;
    if (!num(a)) return false;
    if (!neg && i < s.size() && s[i] == '-') {
      ++i;
      if (!num(b) || b < a) return false;
    }
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) return true;
    if (s[i] != ',') return false;
    ++i;
  }
}

CpuDef parseCpu(Elem& e) {
  CpuDef c;
  c.mode = e.attrEnum("mode", {"custom", "host-model", "host-passthrough", "maximum"});
  c.match = e.attrEnum("match", {"minimum", "exact", "strict"});
  c.check = e.attrEnum("check", {"none", "partial", "full"});
  c.migratable = e.attrEnum("migratable", {"on", "off"});
  if (auto m = e.child("model")) {
    c.model = m->text();
    c.modelFallback = m->attrEnum("fallback", {"allow", "forbid"});
    c.modelVendorId = m->attrOr("vendor_id");
    m->finish(c.leaf["model"]);
  }
  if (auto v = e.child("vendor")) c.vendor = v->text();
  if (auto t = e.child("topology")) {
    CpuTopology topo;
    auto get = [&](const char* n, unsigned& out) {
      if (!t->hasAttr(n)) return false;
      auto v = t->attrUInt(n, 0xffffffffu);
      if (v && *v == 0) t->failAttr(n, fmt::format("{} must be at least 1", n));
      if (v) out = static_cast<unsigned>(*v);
      return true;
    };
    get("sockets", topo.sockets);
    topo.hasDies = get("dies", topo.dies);
    topo.hasClusters = get("clusters", topo.clusters);
    get("cores", topo.cores);
    get("threads", topo.threads);
    t->finish(c.leaf["topology"]);
    c.topology = topo;
  }
  for (auto& f : e.children("feature")) {
    CpuFeature cf;
    cf.policy = f.attrEnum("policy", {"force", "require", "optional", "disable", "forbid"});
    cf.name = f.attrOr("name");
    if (cf.name.empty()) f.failAttr("name", "cpu feature needs a name");
    f.finish(c.leaf[fmt::format("feature#{}", c.features.size())]);
    c.features.push_back(std::move(cf));
  }
  e.keepChildren({"numa", "cache", "maxphysaddr", "signature"});
  e.finish(c.extra);
  return c;
}

void formatCpu(XmlElement& domain, const CpuDef& c) {
  auto& x = domain.add("cpu");
  x.setIf("mode", c.mode);
  x.setIf("match", c.match);
  x.setIf("check", c.check);
  x.setIf("migratable", c.migratable);
  if (!c.model.empty()) {
    auto& m = x.add("model");
    m.setIf("fallback", c.modelFallback);
    m.setIf("vendor_id", c.modelVendorId);
    m.text = c.model;
  }
  if (!c.vendor.empty()) x.add("vendor").text = c.vendor;
  if (c.topology) {
    auto& t = x.add("topology");
    t.set("sockets", std::to_string(c.topology->sockets));
    t.set("dies", std::to_string(c.topology->dies));
    if (c.topology->hasClusters) t.set("clusters", std::to_string(c.topology->clusters));
    t.set("cores", std::to_string(c.topology->cores));
    t.set("threads", std::to_string(c.topology->threads));
  }
  for (const auto& f : c.features) {
    auto& fx = x.add("feature");
    fx.setIf("policy", f.policy);
    fx.set("name", f.name);
  }
  appendExtra(x, c.extra);
  applyLeafExtras(x, c.leaf);
  sortChildren(x, {"model", "vendor", "topology", "cache", "maxphysaddr", "feature", "numa"});
}

void parseVcpu(Elem& e, DomainDef& def) {
  def.vcpuPlacement = e.attrEnum("placement", {"static", "auto"});
  def.vcpuCpuset = e.attrOr("cpuset");
  if (!def.vcpuCpuset.empty() && !validCpuset(def.vcpuCpuset))
    e.failAttr("cpuset", fmt::format("malformed cpuset '{}'", def.vcpuCpuset));
  if (auto n = e.textUInt(0xffffffffu)) def.vcpus = static_cast<unsigned>(*n);
  if (auto cur = e.attrUInt("current", 0xffffffffu))
    def.currentVcpus = static_cast<unsigned>(*cur);
  else
    def.currentVcpus = 0;  // defaults stage: = vcpus
  e.finish(def.vcpuExtra);
}

void formatVcpu(XmlElement& domain, const DomainDef& def) {
  auto& x = domain.add("vcpu");
  x.setIf("placement", def.vcpuPlacement);
  x.setIf("cpuset", def.vcpuCpuset);
  if (def.currentVcpus != def.vcpus) x.set("current", std::to_string(def.currentVcpus));
  appendExtra(x, def.vcpuExtra);
  x.text = std::to_string(def.vcpus);
}

CpuTuneDef parseCpuTune(Elem& e) {
  CpuTuneDef t;
  if (auto s = e.child("shares")) t.shares = s->textUInt();
  for (auto& p : e.children("vcpupin")) {
    VcpuPin pin;
    if (auto v = p.attrUInt("vcpu", 0xffffffffu)) pin.vcpu = static_cast<unsigned>(*v);
    else if (!p.ctx().failed()) p.failAttr("vcpu", "vcpupin needs vcpu='N'");
    pin.cpuset = p.attrOr("cpuset");
    if (!validCpuset(pin.cpuset)) p.failAttr("cpuset", fmt::format("malformed cpuset '{}'", pin.cpuset));
    p.finish(t.leaf[fmt::format("vcpupin#{}", t.vcpupins.size())]);
    t.vcpupins.push_back(std::move(pin));
  }
  if (auto p = e.child("emulatorpin")) {
    t.emulatorpin = p->attrOr("cpuset");
    if (!validCpuset(t.emulatorpin)) p->failAttr("cpuset", fmt::format("malformed cpuset '{}'", t.emulatorpin));
    p->finish(t.leaf["emulatorpin"]);
  }
  e.keepChildren({"period", "quota", "global_period", "global_quota", "emulator_period", "emulator_quota",
                  "iothread_period", "iothread_quota", "iothreadpin", "emulatorsched", "vcpusched",
                  "iothreadsched", "cachetune", "memorytune"});
  e.finish(t.extra);
  return t;
}

void formatCpuTune(XmlElement& domain, const CpuTuneDef& t) {
  if (t.empty()) return;
  auto& x = domain.add("cputune");
  if (t.shares) x.add("shares").text = std::to_string(*t.shares);
  for (const auto& p : t.vcpupins) {
    auto& px = x.add("vcpupin");
    px.set("vcpu", std::to_string(p.vcpu));
    px.set("cpuset", p.cpuset);
  }
  if (!t.emulatorpin.empty()) x.add("emulatorpin").set("cpuset", t.emulatorpin);
  appendExtra(x, t.extra);
  applyLeafExtras(x, t.leaf);
  sortChildren(x, {"shares", "global_period", "global_quota", "period", "quota", "emulator_period",
                   "emulator_quota", "iothread_period", "iothread_quota", "vcpupin", "emulatorpin", "iothreadpin",
                   "vcpusched", "emulatorsched", "iothreadsched", "cachetune", "memorytune"});
}

}  // namespace stratus::conf
