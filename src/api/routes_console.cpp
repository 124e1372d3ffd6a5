// GET /v1/domains/{key}/console: upgrades the connection to a raw byte
// stream to the guest's serial console (virsh console).
#include "api/routes_common.h"

namespace stratus::api {

void addConsoleRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  r.add("GET", "/v1/domains/{key}/console", [&node](Request& req) {
    auto fd = node.openConsole(req.param("key"), req.queryValue("device").value_or(""));
    if (!fd.ok()) return errorResponse(fd.error());
    Response resp;
    resp.status = 101;
    resp.upgradeFd = *fd;
    return resp;
  });
}

}  // namespace stratus::api
