// Statistics, tuning and device queries: host CPU map and statistics,
// dommemstat, memtune, vcpuinfo, vcpupin, emulatorpin, domblkstat,
// domblkinfo, domifstat, domifaddr and domstats.
#include <charconv>

#include "api/json_stats.h"
#include "api/routes_common.h"

namespace stratus::api {

namespace {

// ?name=N as an int (absent: fallback).
Result<int> intQuery(const Request& req, const std::string& name, int fallback) {
  auto v = req.queryValue(name);
  if (!v || v->empty()) return fallback;
  int out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    return Error(ErrorCode::InvalidArgument, "query parameter '" + name + "' must be an integer");
  return out;
}

// {"cpuset": "0-3", "live": bool, "config": bool}
Result<std::pair<std::string, daemon::ModifyScope>> pinBody(const Request& req) {
  auto j = bodyJson(req);
  if (!j.ok()) return j.error();
  if (!j->contains("cpuset") || !(*j)["cpuset"].is_string())
    return Error(ErrorCode::InvalidArgument, "pin body needs {\"cpuset\": \"CPULIST\"}");
  auto scope = fromJson<daemon::ModifyScope>(*j, "request body");
  if (!scope.ok()) return scope.error();
  return std::make_pair((*j)["cpuset"].get<std::string>(), *scope);
}

}  // namespace

void addDomainStatsRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string dom = "/v1/domains/{key}/";
  const std::string action = "/v1/domains/{key}/actions/";

  // ---- host ----
  r.add("GET", "/v1/host/cpu-map", [&node](Request&) { return valueResponse(node.nodeCpuMap()); });
  r.add("GET", "/v1/host/cpu-stats", [&node](Request& req) {
    auto cpu = intQuery(req, "cpu", -1);
    if (!cpu.ok()) return errorResponse(cpu.error());
    return valueResponse(node.nodeCpuStats(*cpu));
  });
  r.add("GET", "/v1/host/memory-stats", [&node](Request& req) {
    auto cell = intQuery(req, "cell", -1);
    if (!cell.ok()) return errorResponse(cell.error());
    return valueResponse(node.nodeMemoryStats(*cell));
  });

  // ---- memory ----
  r.add("GET", dom + "memory-stats", [&node](Request& req) {
    auto s = node.domainMemoryStats(req.param("key"));
    if (!s.ok()) return errorResponse(s.error());
    return jsonResponse(200, nlohmann::json{{"stats", *s}});
  });
  r.add("POST", action + "memory-stats-period", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("period") || !(*j)["period"].is_number_integer())
      return errorResponse(Error(ErrorCode::InvalidArgument, "period body needs {\"period\": SECONDS}"));
    auto scope = fromJson<daemon::ModifyScope>(*j, "request body");
    if (!scope.ok()) return errorResponse(scope.error());
    auto period = (*j)["period"].get<std::int64_t>();
    if (period < INT32_MIN || period > INT32_MAX)
      return errorResponse(Error(ErrorCode::InvalidArgument, "period out of range"));
    return statusResponse(node.setMemoryStatsPeriod(req.param("key"), static_cast<int>(period), *scope));
  });
  r.add("GET", dom + "memtune",
        [&node](Request& req) { return valueResponse(node.memoryTune(req.param("key"), scopeFromQuery(req))); });
  r.add("POST", action + "memtune", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    auto u = fromJson<daemon::MemoryTuneUpdate>(*j, "request body");
    if (!u.ok()) return errorResponse(u.error());
    auto scope = fromJson<daemon::ModifyScope>(*j, "request body");
    if (!scope.ok()) return errorResponse(scope.error());
    return statusResponse(node.setMemoryTune(req.param("key"), *u, *scope));
  });

  // ---- vCPUs ----
  r.add("GET", dom + "vcpus", [&node](Request& req) {
    auto v = node.vcpuInfo(req.param("key"));
    if (!v.ok()) return errorResponse(v.error());
    return jsonResponse(200, nlohmann::json{{"vcpus", *v}});
  });
  r.add("GET", dom + "vcpupin",
        [&node](Request& req) { return valueResponse(node.vcpuPinInfo(req.param("key"), scopeFromQuery(req))); });
  r.add("POST", action + "vcpupin", [&node](Request& req) {
    auto b = pinBody(req);
    if (!b.ok()) return errorResponse(b.error());
    auto j = bodyJson(req);
    if (!j->contains("vcpu") || !(*j)["vcpu"].is_number_unsigned() || (*j)["vcpu"].get<std::uint64_t>() > 0xffffffffu)
      return errorResponse(Error(ErrorCode::InvalidArgument, "vcpupin body needs {\"vcpu\": N, \"cpuset\": \"CPULIST\"}"));
    return statusResponse(
        node.pinVcpu(req.param("key"), (*j)["vcpu"].get<unsigned>(), b->first, b->second));
  });
  r.add("GET", dom + "emulatorpin", [&node](Request& req) {
    auto s = node.emulatorPinInfo(req.param("key"), scopeFromQuery(req));
    if (!s.ok()) return errorResponse(s.error());
    return jsonResponse(200, nlohmann::json{{"cpuset", *s}});
  });
  r.add("POST", action + "emulatorpin", [&node](Request& req) {
    auto b = pinBody(req);
    if (!b.ok()) return errorResponse(b.error());
    return statusResponse(node.pinEmulator(req.param("key"), b->first, b->second));
  });

  // ---- devices ----
  r.add("GET", dom + "block-stats", [&node](Request& req) {
    return valueResponse(node.blockStats(req.param("key"), req.queryValue("device").value_or("")));
  });
  r.add("GET", dom + "block-info", [&node](Request& req) {
    return valueResponse(node.blockInfo(req.param("key"), req.queryValue("device").value_or("")));
  });
  r.add("GET", dom + "interface-stats", [&node](Request& req) {
    return valueResponse(node.interfaceStats(req.param("key"), req.queryValue("device").value_or("")));
  });
  r.add("GET", dom + "interface-addresses", [&node](Request& req) {
    auto source = addressSourceFromName(req.queryValue("source").value_or("lease"));
    if (!source) return errorResponse(Error(ErrorCode::InvalidArgument, "source must be lease, agent or arp"));
    auto a = node.interfaceAddresses(req.param("key"), *source);
    if (!a.ok()) return errorResponse(a.error());
    return jsonResponse(200, nlohmann::json{{"interfaces", *a}});
  });

  // ---- domstats ----
  r.add("POST", "/v1/domain-stats", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    auto q = fromJson<daemon::DomainStatsQuery>(*j, "request body");
    if (!q.ok()) return errorResponse(q.error());
    auto keys = fromJson<std::vector<std::string>>(j->value("domains", nlohmann::json::array()), "domains");
    if (!keys.ok()) return errorResponse(keys.error());
    auto recs = node.domainStats(*keys, *q);
    if (!recs.ok()) return errorResponse(recs.error());
    return jsonResponse(200, nlohmann::json{{"domains", *recs}});
  });
}

}  // namespace stratus::api
