// Helpers shared by the route files (internal to api/).
#pragma once

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/json_types.h"

namespace stratus::api {

struct RouteContext {
  daemon::NodeService& node;
  ServerStats& stats;
};

void addHostRoutes(Router& r, RouteContext ctx);
void addDomainRoutes(Router& r, RouteContext ctx);
void addDomainLifecycleRoutes(Router& r, RouteContext ctx);
void addDomainDeviceRoutes(Router& r, RouteContext ctx);
void addDomainJobRoutes(Router& r, RouteContext ctx);
void addNetworkRoutes(Router& r, RouteContext ctx);
void addEventRoutes(Router& r, RouteContext ctx);
void addConsoleRoutes(Router& r, RouteContext ctx);
void addMetricsRoutes(Router& r, RouteContext ctx);
void addDomainStatsRoutes(Router& r, RouteContext ctx);
void addStoragePoolRoutes(Router& r, RouteContext ctx);
void addStorageVolumeRoutes(Router& r, RouteContext ctx);
void addDomainMigrationRoutes(Router& r, RouteContext ctx);

template <class T>
Response valueResponse(const Result<T>& r, int status = 200) {
  if (!r.ok()) return errorResponse(r.error());
  return jsonResponse(status, nlohmann::json(r.value()));
}

inline Response statusResponse(const Status& s) { return s.ok() ? noContent() : errorResponse(s.error()); }

// The request body as JSON (an empty body is `{}`).
inline Result<nlohmann::json> bodyJson(const Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  auto j = parseJson(req.body, "request body");
  if (j.ok() && !j->is_object()) return Error(ErrorCode::InvalidArgument, "request body must be a JSON object");
  return j;
}

// The request body decoded as T (options structs); an empty body gives T{}.
template <class T>
Result<T> bodyAs(const Request& req) {
  auto j = bodyJson(req);
  if (!j.ok()) return j.error();
  return fromJson<T>(*j, "request body");
}

// ?live / ?config
inline daemon::ModifyScope scopeFromQuery(const Request& req) {
  daemon::ModifyScope s;
  s.live = req.flag("live");
  s.config = req.flag("config");
  return s;
}

}  // namespace stratus::api
