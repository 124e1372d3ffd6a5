// GET /v1/host
#include "api/routes_common.h"

namespace stratus::api {

void addHostRoutes(Router& r, RouteContext ctx) {
  r.add("GET", "/v1/host", [ctx](Request&) {
    auto host = ctx.node.hostname();
    if (!host.ok()) return errorResponse(host.error());
    auto ver = ctx.node.version();
    if (!ver.ok()) return errorResponse(ver.error());
    auto info = ctx.node.nodeInfo();
    if (!info.ok()) return errorResponse(info.error());
    nlohmann::json j = {{"hostname", *host}, {"uri", ctx.node.uri()}, {"version", *ver}, {"nodeinfo", *info}};
    return jsonResponse(200, j);
  });
}

}  // namespace stratus::api
