#include "api/client_stats.h"

#include "api/http.h"
#include "api/json_stats.h"
#include "api/json_types.h"

namespace stratus::api {

namespace {

std::string domainPath(const std::string& key, std::string_view rest) {
  return "/v1/domains/" + percentEncode(key) + std::string(rest);
}

std::string scopeQuery(const daemon::ModifyScope& s) {
  return std::string("?live=") + (s.live ? "1" : "0") + "&config=" + (s.config ? "1" : "0");
}

nlohmann::json withScope(nlohmann::json body, const daemon::ModifyScope& s) {
  body["live"] = s.live;
  body["config"] = s.config;
  return body;
}

}  // namespace

Result<nlohmann::json> StatsClient::call(std::string_view method, const std::string& target,
                                         const nlohmann::json* body) {
  std::string text = body ? body->dump() : std::string();
  auto r = conn_.request(method, target, body ? "application/json" : "", text);
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  if (r->status == 204 || r->body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    return Error(ErrorCode::InternalError, "stratusd sent malformed JSON for " + std::string(method) + " " + target);
  return j;
}

template <class T>
Result<T> StatsClient::get(const std::string& target, const char* member) {
  auto j = call("GET", target);
  if (!j.ok()) return j.error();
  if (!member) return fromJson<T>(*j, "reply");
  return fromJson<T>(j->is_object() ? j->value(member, nlohmann::json()) : nlohmann::json(), member);
}

Status StatsClient::post(const std::string& target, const nlohmann::json& body) {
  auto j = call("POST", target, &body);
  if (!j.ok()) return j.error();
  return okStatus();
}

Result<daemon::NodeCpuMap> StatsClient::nodeCpuMap() { return get<daemon::NodeCpuMap>("/v1/host/cpu-map"); }
Result<daemon::NodeCpuStats> StatsClient::nodeCpuStats(int cpu) {
  return get<daemon::NodeCpuStats>("/v1/host/cpu-stats?cpu=" + std::to_string(cpu));
}
Result<daemon::NodeMemoryStats> StatsClient::nodeMemoryStats(int cell) {
  return get<daemon::NodeMemoryStats>("/v1/host/memory-stats?cell=" + std::to_string(cell));
}

Result<std::vector<daemon::MemoryStat>> StatsClient::domainMemoryStats(const std::string& key) {
  return get<std::vector<daemon::MemoryStat>>(domainPath(key, "/memory-stats"), "stats");
}
Status StatsClient::setMemoryStatsPeriod(const std::string& key, int seconds, const daemon::ModifyScope& scope) {
  return post(domainPath(key, "/actions/memory-stats-period"), withScope({{"period", seconds}}, scope));
}
Result<daemon::MemoryTune> StatsClient::memoryTune(const std::string& key, const daemon::ModifyScope& scope) {
  return get<daemon::MemoryTune>(domainPath(key, "/memtune") + scopeQuery(scope));
}
Status StatsClient::setMemoryTune(const std::string& key, const daemon::MemoryTuneUpdate& u,
                                  const daemon::ModifyScope& scope) {
  return post(domainPath(key, "/actions/memtune"), withScope(nlohmann::json(u), scope));
}

Result<std::vector<daemon::VcpuInfo>> StatsClient::vcpuInfo(const std::string& key) {
  return get<std::vector<daemon::VcpuInfo>>(domainPath(key, "/vcpus"), "vcpus");
}
Result<daemon::VcpuPinInfo> StatsClient::vcpuPinInfo(const std::string& key, const daemon::ModifyScope& scope) {
  return get<daemon::VcpuPinInfo>(domainPath(key, "/vcpupin") + scopeQuery(scope));
}
Status StatsClient::pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset,
                            const daemon::ModifyScope& scope) {
  return post(domainPath(key, "/actions/vcpupin"), withScope({{"vcpu", vcpu}, {"cpuset", cpuset}}, scope));
}
Result<std::string> StatsClient::emulatorPinInfo(const std::string& key, const daemon::ModifyScope& scope) {
  return get<std::string>(domainPath(key, "/emulatorpin") + scopeQuery(scope), "cpuset");
}
Status StatsClient::pinEmulator(const std::string& key, const std::string& cpuset, const daemon::ModifyScope& scope) {
  return post(domainPath(key, "/actions/emulatorpin"), withScope({{"cpuset", cpuset}}, scope));
}

Result<daemon::BlockStats> StatsClient::blockStats(const std::string& key, const std::string& device) {
  return get<daemon::BlockStats>(domainPath(key, "/block-stats?device=") + percentEncode(device));
}
Result<daemon::BlockInfo> StatsClient::blockInfo(const std::string& key, const std::string& device) {
  return get<daemon::BlockInfo>(domainPath(key, "/block-info?device=") + percentEncode(device));
}
Result<daemon::InterfaceStats> StatsClient::interfaceStats(const std::string& key, const std::string& device) {
  return get<daemon::InterfaceStats>(domainPath(key, "/interface-stats?device=") + percentEncode(device));
}
Result<std::vector<daemon::InterfaceAddresses>> StatsClient::interfaceAddresses(const std::string& key,
                                                                                daemon::AddressSource source) {
  return get<std::vector<daemon::InterfaceAddresses>>(
      domainPath(key, "/interface-addresses?source=") + std::string(addressSourceName(source)), "interfaces");
}

Result<std::vector<daemon::DomainStatsRecord>> StatsClient::domainStats(const std::vector<std::string>& keys,
                                                                        const daemon::DomainStatsQuery& query) {
  nlohmann::json body = query;
  body["domains"] = keys;
  auto j = call("POST", "/v1/domain-stats", &body);
  if (!j.ok()) return j.error();
  return fromJson<std::vector<daemon::DomainStatsRecord>>(
      j->is_object() ? j->value("domains", nlohmann::json()) : nlohmann::json(), "domains");
}

}  // namespace stratus::api
