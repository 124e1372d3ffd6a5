#include "api/json_stats.h"

#include <array>
#include <utility>

namespace stratus::daemon {

namespace {
using nlohmann::json;

json opt(const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

template <class T>
std::optional<T> getOpt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}
}  // namespace

void to_json(json& j, const MemoryStat& v) { j = {{"tag", v.tag}, {"value", v.value}}; }
void from_json(const json& j, MemoryStat& v) {
  v.tag = j.at("tag").get<std::string>();
  v.value = j.at("value").get<std::uint64_t>();
}

void to_json(json& j, const MemoryTune& v) {
  j = {{"hard_limit_kib", opt(v.hardLimitKiB)},
       {"soft_limit_kib", opt(v.softLimitKiB)},
       {"swap_hard_limit_kib", opt(v.swapHardLimitKiB)}};
}
void from_json(const json& j, MemoryTune& v) {
  v.hardLimitKiB = getOpt<std::uint64_t>(j, "hard_limit_kib");
  v.softLimitKiB = getOpt<std::uint64_t>(j, "soft_limit_kib");
  v.swapHardLimitKiB = getOpt<std::uint64_t>(j, "swap_hard_limit_kib");
}

void to_json(json& j, const MemoryTuneUpdate& v) {
  j = {{"hard_limit_kib", opt(v.hardLimitKiB)},
       {"soft_limit_kib", opt(v.softLimitKiB)},
       {"swap_hard_limit_kib", opt(v.swapHardLimitKiB)},
       {"min_guarantee_kib", opt(v.minGuaranteeKiB)}};
}
void from_json(const json& j, MemoryTuneUpdate& v) {
  v.hardLimitKiB = getOpt<std::uint64_t>(j, "hard_limit_kib");
  v.softLimitKiB = getOpt<std::uint64_t>(j, "soft_limit_kib");
  v.swapHardLimitKiB = getOpt<std::uint64_t>(j, "swap_hard_limit_kib");
  v.minGuaranteeKiB = getOpt<std::uint64_t>(j, "min_guarantee_kib");
}

void to_json(json& j, const NodeCpuMap& v) {
  j = {{"cpus", v.cpus}, {"online", v.online}, {"online_cpus", v.onlineCpus}};
}
void from_json(const json& j, NodeCpuMap& v) {
  v.cpus = j.value("cpus", 0u);
  v.online = j.value("online", 0u);
  v.onlineCpus = j.value("online_cpus", std::string());
}

void to_json(json& j, const NodeCpuStats& v) {
  j = {{"user", v.user}, {"kernel", v.kernel}, {"idle", v.idle}, {"iowait", v.iowait}};
}
void from_json(const json& j, NodeCpuStats& v) {
  v.user = j.value("user", std::uint64_t{0});
  v.kernel = j.value("kernel", std::uint64_t{0});
  v.idle = j.value("idle", std::uint64_t{0});
  v.iowait = j.value("iowait", std::uint64_t{0});
}

void to_json(json& j, const NodeMemoryStats& v) {
  j = {{"total", v.total}, {"free", v.free}, {"buffers", opt(v.buffers)}, {"cached", opt(v.cached)}};
}
void from_json(const json& j, NodeMemoryStats& v) {
  v.total = j.value("total", std::uint64_t{0});
  v.free = j.value("free", std::uint64_t{0});
  v.buffers = getOpt<std::uint64_t>(j, "buffers");
  v.cached = getOpt<std::uint64_t>(j, "cached");
}

void to_json(json& j, const VcpuInfo& v) {
  j = {{"number", v.number}, {"state", v.state}, {"cpu_time_ns", v.cpuTimeNs}, {"cpu", v.cpu}, {"affinity", v.affinity}};
}
void from_json(const json& j, VcpuInfo& v) {
  v.number = j.value("number", 0u);
  v.state = j.value("state", 1);
  v.cpuTimeNs = j.value("cpu_time_ns", std::uint64_t{0});
  v.cpu = j.value("cpu", -1);
  v.affinity = j.value("affinity", std::string());
}

void to_json(json& j, const VcpuPinInfo& v) { j = {{"cpusets", v.cpusets}}; }
void from_json(const json& j, VcpuPinInfo& v) { v.cpusets = j.value("cpusets", std::vector<std::string>{}); }

void to_json(json& j, const BlockStats& v) {
  j = {{"rd_req", opt(v.rdReq)},
       {"rd_bytes", opt(v.rdBytes)},
       {"wr_req", opt(v.wrReq)},
       {"wr_bytes", opt(v.wrBytes)},
       {"errs", opt(v.errs)},
       {"flush_operations", opt(v.flushReq)},
       {"rd_total_times", opt(v.rdTotalTimesNs)},
       {"wr_total_times", opt(v.wrTotalTimesNs)},
       {"flush_total_times", opt(v.flushTotalTimesNs)}};
}
void from_json(const json& j, BlockStats& v) {
  v.rdReq = getOpt<std::int64_t>(j, "rd_req");
  v.rdBytes = getOpt<std::int64_t>(j, "rd_bytes");
  v.wrReq = getOpt<std::int64_t>(j, "wr_req");
  v.wrBytes = getOpt<std::int64_t>(j, "wr_bytes");
  v.errs = getOpt<std::int64_t>(j, "errs");
  v.flushReq = getOpt<std::int64_t>(j, "flush_operations");
  v.rdTotalTimesNs = getOpt<std::int64_t>(j, "rd_total_times");
  v.wrTotalTimesNs = getOpt<std::int64_t>(j, "wr_total_times");
  v.flushTotalTimesNs = getOpt<std::int64_t>(j, "flush_total_times");
}

void to_json(json& j, const BlockInfo& v) {
  j = {{"capacity", v.capacity}, {"allocation", v.allocation}, {"physical", v.physical}};
}
void from_json(const json& j, BlockInfo& v) {
  v.capacity = j.value("capacity", std::uint64_t{0});
  v.allocation = j.value("allocation", std::uint64_t{0});
  v.physical = j.value("physical", std::uint64_t{0});
}

void to_json(json& j, const InterfaceStats& v) {
  j = {{"rx_bytes", v.rxBytes}, {"rx_packets", v.rxPackets}, {"rx_errs", v.rxErrs}, {"rx_drop", v.rxDrop},
       {"tx_bytes", v.txBytes}, {"tx_packets", v.txPackets}, {"tx_errs", v.txErrs}, {"tx_drop", v.txDrop}};
}
void from_json(const json& j, InterfaceStats& v) {
  v.rxBytes = j.value("rx_bytes", std::int64_t{-1});
  v.rxPackets = j.value("rx_packets", std::int64_t{-1});
  v.rxErrs = j.value("rx_errs", std::int64_t{-1});
  v.rxDrop = j.value("rx_drop", std::int64_t{-1});
  v.txBytes = j.value("tx_bytes", std::int64_t{-1});
  v.txPackets = j.value("tx_packets", std::int64_t{-1});
  v.txErrs = j.value("tx_errs", std::int64_t{-1});
  v.txDrop = j.value("tx_drop", std::int64_t{-1});
}

void to_json(json& j, const IpAddress& v) { j = {{"type", v.type}, {"addr", v.addr}, {"prefix", v.prefix}}; }
void from_json(const json& j, IpAddress& v) {
  v.type = j.value("type", std::string());
  v.addr = j.value("addr", std::string());
  v.prefix = j.value("prefix", 0u);
}

void to_json(json& j, const InterfaceAddresses& v) {
  j = {{"name", v.name}, {"hwaddr", v.hwaddr}, {"addrs", v.addrs}};
}
void from_json(const json& j, InterfaceAddresses& v) {
  v.name = j.value("name", std::string());
  v.hwaddr = j.value("hwaddr", std::string());
  v.addrs = j.value("addrs", std::vector<IpAddress>{});
}

void to_json(json& j, const DomainStatsQuery& v) {
  json groups = json::array();
  for (unsigned bit = 1; bit <= kStatsVm; bit <<= 1)
    if (v.groups & bit) groups.push_back(api::statsGroupName(static_cast<StatsGroup>(bit)));
  j = {{"groups", groups},           {"list_active", v.active},   {"list_inactive", v.inactive},
       {"list_persistent", v.persistent}, {"list_transient", v.transient}, {"list_running", v.running},
       {"list_paused", v.paused},    {"list_shutoff", v.shutoff}, {"list_other", v.other},
       {"enforce", v.enforce},       {"backing", v.backing},      {"nowait", v.nowait}};
}
void from_json(const json& j, DomainStatsQuery& v) {
  v.groups = 0;
  for (const auto& g : j.value("groups", std::vector<std::string>{})) {
    auto bit = api::statsGroupFromName(g);
    if (!bit) throw json::other_error::create(501, "unknown statistics group '" + g + "'", &j);
    v.groups |= *bit;
  }
  v.active = j.value("list_active", false);
  v.inactive = j.value("list_inactive", false);
  v.persistent = j.value("list_persistent", false);
  v.transient = j.value("list_transient", false);
  v.running = j.value("list_running", false);
  v.paused = j.value("list_paused", false);
  v.shutoff = j.value("list_shutoff", false);
  v.other = j.value("list_other", false);
  v.enforce = j.value("enforce", false);
  v.backing = j.value("backing", false);
  v.nowait = j.value("nowait", false);
}

void to_json(json& j, const TypedParam& v) {
  j = {{"field", v.field}};
  std::visit([&j](const auto& x) { j["value"] = x; }, v.value);
}
void from_json(const json& j, TypedParam& v) {
  v.field = j.at("field").get<std::string>();
  const json& x = j.at("value");
  if (x.is_number_unsigned()) v.value = x.get<std::uint64_t>();
  else if (x.is_number_integer()) v.value = x.get<std::int64_t>();
  else if (x.is_number_float()) v.value = x.get<double>();
  else if (x.is_boolean()) v.value = x.get<bool>();
  else v.value = x.get<std::string>();
}

void to_json(json& j, const DomainStatsRecord& v) {
  j = {{"name", v.name}, {"uuid", v.uuid}, {"params", v.params}};
}
void from_json(const json& j, DomainStatsRecord& v) {
  v.name = j.value("name", std::string());
  v.uuid = j.value("uuid", std::string());
  v.params = j.value("params", std::vector<TypedParam>{});
}

}  // namespace stratus::daemon

namespace stratus::api {

namespace {
constexpr std::array<std::pair<daemon::StatsGroup, std::string_view>, 11> kGroups = {{
    {daemon::kStatsState, "state"},
    {daemon::kStatsCpuTotal, "cpu-total"},
    {daemon::kStatsBalloon, "balloon"},
    {daemon::kStatsVcpu, "vcpu"},
    {daemon::kStatsInterface, "interface"},
    {daemon::kStatsBlock, "block"},
    {daemon::kStatsPerf, "perf"},
    {daemon::kStatsIothread, "iothread"},
    {daemon::kStatsMemory, "memory"},
    {daemon::kStatsDirtyrate, "dirtyrate"},
    {daemon::kStatsVm, "vm"},
}};
}  // namespace

std::string_view addressSourceName(daemon::AddressSource s) {
  switch (s) {
    case daemon::AddressSource::Lease: return "lease";
    case daemon::AddressSource::Agent: return "agent";
    case daemon::AddressSource::Arp: return "arp";
  }
  return "lease";
}

std::optional<daemon::AddressSource> addressSourceFromName(std::string_view name) {
  if (name == "lease") return daemon::AddressSource::Lease;
  if (name == "agent") return daemon::AddressSource::Agent;
  if (name == "arp") return daemon::AddressSource::Arp;
  return std::nullopt;
}

std::string_view statsGroupName(daemon::StatsGroup g) {
  for (const auto& [bit, name] : kGroups)
    if (bit == g) return name;
  return "";
}

std::optional<daemon::StatsGroup> statsGroupFromName(std::string_view name) {
  for (const auto& [bit, n] : kGroups)
    if (n == name) return bit;
  return std::nullopt;
}

}  // namespace stratus::api
