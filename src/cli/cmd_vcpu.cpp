// vcpuinfo, vcpupin, emulatorpin.
#include "cli/handlers_stats.h"
#include "cli/table.h"
#include "util/cpuset.h"

namespace stratus::cli {

namespace {

// virsh's maxcpu: the host's CPU map length (nodecpumap), else nodeinfo.
std::optional<unsigned> hostCpus(Ctl& ctl) {
  if (auto m = ctl.conn()->nodeCpuMap(); m && m->cpus) return m->cpus;
  auto n = ctl.conn()->nodeInfo();
  if (!n) {
    fail(ctl, n.error());
    return std::nullopt;
  }
  unsigned c = n->nodes * n->sockets * n->cores * n->threads;
  return c ? c : n->cpus;
}

// virshParseCPUList: "r" is every CPU; else libvirt's syntax, not empty,
// within the host. nullopt with virsh's errors.
std::optional<std::string> cpuList(Ctl& ctl, const std::string& text, unsigned maxcpu) {
  if (!text.empty() && text[0] == 'r') return CpuSet::all(maxcpu).str();
  auto set = CpuSet::parse(text);
  if (!set || set->empty()) {
    ctl.error(fmt::format("Invalid cpulist '{}'", text));
    if (!set) ctl.error(fmt::format("invalid argument: Failed to parse bitmap '{}'", text));
    return std::nullopt;
  }
  if (*set->last() >= maxcpu) {
    ctl.error(fmt::format("CPU {} in cpulist '{}' exceed the maxcpu {}", *set->last(), text, maxcpu));
    return std::nullopt;
  }
  return text;
}

const char* vcpuStateName(int state) {
  switch (state) {
    case 0: return "offline";
    case 1: return "running";
    case 2: return "blocked";
    default: return "no state";
  }
}

std::string affinity(const std::string& cpuset, unsigned maxcpu, bool pretty) {
  auto set = CpuSet::parse(cpuset, 1u << 16).value_or(CpuSet());
  if (pretty) return fmt::format("{} (out of {})", set.truncated(maxcpu).str(), maxcpu);
  return set.yesNoMap(maxcpu);
}

}  // namespace

bool cmdVcpuinfo(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto maxcpu = hostCpus(ctl);
  if (!maxcpu) return false;
  const bool pretty = pc.has("pretty"), json = pc.has("json");
  auto info = ctl.conn()->vcpuInfo(d->uuid);
  if (info) {
    if (json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& v : *info)
        arr.push_back({{"vcpu", v.number}, {"cpu", v.cpu}, {"state", vcpuStateName(v.state)},
                       {"cpuTimeNs", v.cpuTimeNs}, {"affinity", v.affinity}});
      return printJson(ctl, arr);
    }
    for (std::size_t i = 0; i < info->size(); ++i) {
      const auto& v = (*info)[i];
      if (i) ctl.print("\n");
      ctl.printf("{:<15} {}\n", "VCPU:", v.number);
      ctl.printf("{:<15} {}\n", "CPU:", v.cpu);
      ctl.printf("{:<15} {}\n", "State:", vcpuStateName(v.state));
      if (v.cpuTimeNs) ctl.printf("{:<15} {:.1f}s\n", "CPU time:", static_cast<double>(v.cpuTimeNs) / 1e9);
      ctl.printf("{:<15} {}\n", "CPU Affinity:", affinity(v.affinity, *maxcpu, pretty));
    }
    return true;
  }
  // An inactive domain: its pinning from the persistent definition.
  if (d->state != conf::DomainState::Shutoff) return fail(ctl, info.error());
  auto dominfo = ctl.conn()->domainInfo(d->uuid);
  if (!dominfo) return fail(ctl, dominfo.error());
  daemon::ModifyScope config;
  config.config = true;
  auto pins = ctl.conn()->vcpuPinInfo(d->uuid, config);
  if (!pins) return fail(ctl, pins.error());
  std::size_t n = std::min<std::size_t>(dominfo->vcpus, pins->cpusets.size());
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i)
      arr.push_back({{"vcpu", i}, {"cpu", nullptr}, {"state", nullptr}, {"cpuTimeNs", nullptr},
                     {"affinity", pins->cpusets[i]}});
    return printJson(ctl, arr);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i) ctl.print("\n");
    ctl.printf("{:<15} {}\n", "VCPU:", i);
    ctl.printf("{:<15} {}\n", "CPU:", "N/A");
    ctl.printf("{:<15} {}\n", "State:", "N/A");
    ctl.printf("{:<15} {}\n", "CPU time", "N/A");  // sic: virsh has no colon here
    ctl.printf("{:<15} {}\n", "CPU Affinity:", affinity(pins->cpusets[i], *maxcpu, pretty));
  }
  return true;
}

bool cmdVcpupin(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  bool noVcpu = true;
  auto vcpu = intOption(ctl, pc, "vcpu", 0, UINT32_MAX, noVcpu);
  if (!noVcpu && !vcpu) return false;
  auto cpulist = pc.find("cpulist");
  if (cpulist && noVcpu) {
    ctl.error("vcpupin: Missing vCPU number in pin mode.");
    return false;
  }
  auto maxcpu = hostCpus(ctl);
  if (!maxcpu) return false;
  if (cpulist) {
    auto list = cpuList(ctl, *cpulist, *maxcpu);
    if (!list) return false;
    auto r = ctl.conn()->pinVcpu(d->uuid, static_cast<unsigned>(*vcpu), *list, *scope);
    if (!r) return fail(ctl, r.error());
    return true;
  }
  auto pins = ctl.conn()->vcpuPinInfo(d->uuid, *scope);
  if (!pins) return fail(ctl, pins.error());
  const std::size_t n = pins->cpusets.size();
  if (!noVcpu && static_cast<std::size_t>(*vcpu) >= n) {
    bool live = scope->live || (!scope->config && d->state != conf::DomainState::Shutoff);
    ctl.error(fmt::format("vcpu {} is out of range of {} cpu count {}", *vcpu, live ? "live" : "persistent", n));
    return false;
  }
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i)
      if (noVcpu || i == static_cast<std::size_t>(*vcpu))
        arr.push_back({{"vcpu", i}, {"cpuAffinity", pins->cpusets[i]}});
    return printJson(ctl, arr);
  }
  Table t({"VCPU", "CPU Affinity"});
  for (std::size_t i = 0; i < n; ++i)
    if (noVcpu || i == static_cast<std::size_t>(*vcpu)) t.addRow({std::to_string(i), pins->cpusets[i]});
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdEmulatorpin(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto maxcpu = hostCpus(ctl);
  if (!maxcpu) return false;
  if (auto cpulist = pc.find("cpulist")) {
    auto list = cpuList(ctl, *cpulist, *maxcpu);
    if (!list) return false;
    daemon::ModifyScope s = *scope;
    if (!s.live && !s.config && !pc.has("current")) s.live = true;  // virsh pins the running guest by default
    auto r = ctl.conn()->pinEmulator(d->uuid, *list, s);
    if (!r) return fail(ctl, r.error());
    return true;
  }
  auto set = ctl.conn()->emulatorPinInfo(d->uuid, *scope);
  if (!set) return fail(ctl, set.error());
  if (pc.has("json")) return printJson(ctl, {{"cpuAffinity", *set}});
  ctl.printExtra("emulator: CPU Affinity\n----------------------------------\n       *: ");
  ctl.printf("{}\n", *set);
  return true;
}

}  // namespace stratus::cli
