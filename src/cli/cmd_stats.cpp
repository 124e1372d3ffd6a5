// dommemstat, memtune, domstats, nodecpustats, nodememstats, nodecpumap.
#include <charconv>
#include <thread>

#include "cli/handlers_stats.h"
#include "util/cpuset.h"

namespace stratus::cli {

std::optional<long long> intOption(Ctl& ctl, const ParsedCmd& pc, std::string_view name, long long min,
                                   long long max, bool& absent) {
  auto v = pc.find(name);
  absent = !v;
  if (!v) return std::nullopt;
  long long out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() || out < min || out > max) {
    ctl.error(fmt::format("Numeric value '{}' for <{}> option is malformed or out of range", *v, name));
    return std::nullopt;
  }
  return out;
}

namespace {

// memtune's sizes: KiB unless scaled, any negative number is "unlimited".
// nullopt (with virsh's error) when malformed; `given` false when absent.
std::optional<std::uint64_t> memtuneSize(Ctl& ctl, const ParsedCmd& pc, std::string_view name, bool& given) {
  auto v = pc.find(name);
  given = v.has_value();
  if (!v) return std::nullopt;
  long long n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  std::optional<std::uint64_t> out;
  if (ec == std::errc() && p != v->data()) {
    if (n < 0) return daemon::kMemoryUnlimited;
    out = parseScaledKiB(*v);
  }
  if (!out) ctl.error(fmt::format("Unable to parse integer parameter {}", name));
  return out;
}

std::string typedValue(const daemon::TypedParam& p) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, bool>) return x ? "yes" : "no";
        else if constexpr (std::is_same_v<T, double>) return fmt::format("{:f}", x);
        else return std::to_string(x);
      },
      p.value);
}

nlohmann::json typedJson(const daemon::TypedParam& p) {
  return std::visit([](const auto& x) { return nlohmann::json(x); }, p.value);
}

}  // namespace

bool cmdDommemstat(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  bool absent = true;
  auto period = intOption(ctl, pc, "period", INT32_MIN, INT32_MAX, absent);
  if (!absent) {
    if (!period) return false;
    if (*period < 0) {
      ctl.error(fmt::format("Invalid collection period value '{}'", *period));
      return false;
    }
    auto r = ctl.conn()->setMemoryStatsPeriod(d->uuid, static_cast<int>(*period), *scope);
    if (!r) return fail(ctl, "Unable to change balloon collection period.", r.error());
    return true;
  }
  auto stats = ctl.conn()->domainMemoryStats(d->uuid);
  if (!stats) return fail(ctl, fmt::format("Failed to get memory statistics for domain {}", d->name), stats.error());
  if (pc.has("json")) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& s : *stats) j[s.tag] = s.value;
    return printJson(ctl, j);
  }
  for (const auto& s : *stats) ctl.printf("{} {}\n", s.tag, s.value);
  return true;
}

bool cmdMemtune(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  daemon::MemoryTuneUpdate u;
  bool any = false;
  struct {
    const char* opt;
    std::optional<std::uint64_t>* field;
  } sizes[] = {{"hard-limit", &u.hardLimitKiB},
               {"soft-limit", &u.softLimitKiB},
               {"swap-hard-limit", &u.swapHardLimitKiB},
               {"min-guarantee", &u.minGuaranteeKiB}};
  for (auto& s : sizes) {
    bool given = false;
    auto v = memtuneSize(ctl, pc, s.opt, given);
    if (given && !v) return false;
    if (given) {
      *s.field = v;
      any = true;
    }
  }
  if (any) {
    auto r = ctl.conn()->setMemoryTune(d->uuid, u, *scope);
    if (!r) return fail(ctl, "Unable to change memory parameters", r.error());
    return true;
  }
  auto t = ctl.conn()->memoryTune(d->uuid, *scope);
  if (!t) return fail(ctl, "Unable to get number of memory parameters", t.error());
  if (pc.has("json")) {
    auto v = [](const std::optional<std::uint64_t>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); };
    return printJson(ctl, {{"hardLimitKiB", v(t->hardLimitKiB)},
                           {"softLimitKiB", v(t->softLimitKiB)},
                           {"swapHardLimitKiB", v(t->swapHardLimitKiB)}});
  }
  auto line = [&](const char* name, const std::optional<std::uint64_t>& v) {
    ctl.printf("{:<15}: {}\n", name, v ? std::to_string(*v) : "unlimited");
  };
  line("hard_limit", t->hardLimitKiB);
  line("soft_limit", t->softLimitKiB);
  line("swap_hard_limit", t->swapHardLimitKiB);
  return true;
}

bool cmdDomstats(Ctl& ctl, const ParsedCmd& pc) {
  daemon::DomainStatsQuery q;
  static constexpr std::pair<std::string_view, daemon::StatsGroup> kGroups[] = {
      {"state", daemon::kStatsState},         {"cpu-total", daemon::kStatsCpuTotal},
      {"balloon", daemon::kStatsBalloon},     {"vcpu", daemon::kStatsVcpu},
      {"interface", daemon::kStatsInterface}, {"block", daemon::kStatsBlock},
      {"perf", daemon::kStatsPerf},           {"iothread", daemon::kStatsIothread},
      {"memory", daemon::kStatsMemory},       {"dirtyrate", daemon::kStatsDirtyrate},
      {"vm", daemon::kStatsVm}};
  for (const auto& [opt, bit] : kGroups)
    if (pc.has(opt)) q.groups |= bit;
  q.active = pc.has("list-active");
  q.inactive = pc.has("list-inactive");
  q.persistent = pc.has("list-persistent");
  q.transient = pc.has("list-transient");
  q.running = pc.has("list-running");
  q.paused = pc.has("list-paused");
  q.shutoff = pc.has("list-shutoff");
  q.other = pc.has("list-other");
  q.enforce = pc.has("enforce");
  q.backing = pc.has("backing");
  q.nowait = pc.has("nowait");
  std::vector<std::string> keys;
  if (auto doms = pc.find("domain")) {
    std::vector<std::string> words;
    for (std::size_t i = 0; i < doms->size();) {  // the Argv option's words, joined by blanks
      auto sp = doms->find(' ', i);
      if (sp == std::string::npos) sp = doms->size();
      if (sp > i) words.push_back(doms->substr(i, sp - i));
      i = sp + 1;
    }
    for (const auto& w : words) {
      ParsedCmd one;
      one.values["domain"] = w;
      auto d = lookupDomain(ctl, one);
      if (!d) return false;
      keys.push_back(d->uuid);
    }
  }
  auto recs = ctl.conn()->domainStats(keys, q);
  if (!recs) return fail(ctl, recs.error());
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : *recs) {
      nlohmann::json stats = nlohmann::json::object();
      for (const auto& p : r.params) stats[p.field] = typedJson(p);
      arr.push_back({{"name", r.name}, {"uuid", r.uuid}, {"stats", stats}});
    }
    return printJson(ctl, arr);
  }
  for (std::size_t i = 0; i < recs->size(); ++i) {
    const auto& r = (*recs)[i];
    if (i) ctl.print("\n");
    ctl.printf("Domain: '{}'\n", r.name);
    for (const auto& p : r.params) ctl.printf("  {}={}\n", p.field, typedValue(p));
  }
  return true;
}

bool cmdNodecpustats(Ctl& ctl, const ParsedCmd& pc) {
  bool absent = true;
  auto cpu = intOption(ctl, pc, "cpu", INT32_MIN, INT32_MAX, absent);
  if (!absent && !cpu) return false;
  int n = absent ? -1 : static_cast<int>(*cpu);
  auto first = ctl.conn()->nodeCpuStats(n);
  if (!first) return fail(ctl, "Unable to get number of cpu stats", first.error());
  const bool percent = pc.has("percent");
  if (!percent) {
    if (pc.has("json"))
      return printJson(ctl, {{"user", first->user}, {"system", first->kernel}, {"idle", first->idle},
                             {"iowait", first->iowait}});
    ctl.printf("{:<15} {:>20}\n", "user:", first->user);
    ctl.printf("{:<15} {:>20}\n", "system:", first->kernel);
    ctl.printf("{:<15} {:>20}\n", "idle:", first->idle);
    ctl.printf("{:<15} {:>20}\n", "iowait:", first->iowait);
    return true;
  }
  // virsh: two samples one second apart.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto second = ctl.conn()->nodeCpuStats(n);
  if (!second) return fail(ctl, "Unable to get node cpu stats", second.error());
  double user = static_cast<double>(second->user - first->user);
  double system = static_cast<double>(second->kernel - first->kernel);
  double idle = static_cast<double>(second->idle - first->idle);
  double iowait = static_cast<double>(second->iowait - first->iowait);
  double total = user + system + idle + iowait;
  if (pc.has("json")) {
    auto pct = [&](double v) { return total > 0 ? nlohmann::json(v / total * 100) : nlohmann::json(nullptr); };
    return printJson(ctl, {{"usage", pct(user + system)}, {"user", pct(user)}, {"system", pct(system)},
                           {"idle", pct(idle)}, {"iowait", pct(iowait)}});
  }
  // 0/0 when nothing moved prints as virsh does ("-nan").
  ctl.printf("{:<15} {:>5.1f}%\n", "usage:", (user + system) / total * 100);
  ctl.printf("{:<15} {:>5.1f}%\n", "user:", user / total * 100);
  ctl.printf("{:<15} {:>5.1f}%\n", "system:", system / total * 100);
  ctl.printf("{:<15} {:>5.1f}%\n", "idle:", idle / total * 100);
  ctl.printf("{:<15} {:>5.1f}%\n", "iowait:", iowait / total * 100);
  return true;
}

bool cmdNodememstats(Ctl& ctl, const ParsedCmd& pc) {
  bool absent = true;
  auto cell = intOption(ctl, pc, "cell", INT32_MIN, INT32_MAX, absent);
  if (!absent && !cell) return false;
  auto m = ctl.conn()->nodeMemoryStats(absent ? -1 : static_cast<int>(*cell));
  if (!m) return fail(ctl, "Unable to get number of memory stats", m.error());
  if (pc.has("json")) {
    auto v = [](const std::optional<std::uint64_t>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); };
    return printJson(ctl, {{"total", m->total}, {"free", m->free}, {"buffers", v(m->buffers)}, {"cached", v(m->cached)}});
  }
  ctl.printf("{:<7}: {:>20} KiB\n", "total", m->total);
  ctl.printf("{:<7}: {:>20} KiB\n", "free", m->free);
  if (m->buffers) ctl.printf("{:<7}: {:>20} KiB\n", "buffers", *m->buffers);
  if (m->cached) ctl.printf("{:<7}: {:>20} KiB\n", "cached", *m->cached);
  return true;
}

bool cmdNodecpumap(Ctl& ctl, const ParsedCmd& pc) {
  auto m = ctl.conn()->nodeCpuMap();
  if (!m) return fail(ctl, "Unable to get cpu map", m.error());
  if (pc.has("json"))
    return printJson(ctl, {{"cpusPresent", m->cpus}, {"cpusOnline", m->online}, {"onlineCpus", m->onlineCpus}});
  ctl.printf("{:<15} {}\n", "CPUs present:", m->cpus);
  ctl.printf("{:<15} {}\n", "CPUs online:", m->online);
  std::string map = m->onlineCpus;
  if (!pc.has("pretty")) {
    auto set = CpuSet::parse(m->onlineCpus, 1u << 16);
    map = set ? set->yesNoMap(m->cpus) : std::string(m->cpus, '-');
  }
  ctl.printf("{:<15} {}\n", "CPU map:", map);
  return true;
}

}  // namespace stratus::cli
