// Devices of a domain: attach, detach and update one device (its XML is the
// body), and resize a disk of a running guest.
#include "api/routes_common.h"

namespace stratus::api {

void addDomainDeviceRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  auto source = [](const Request& req) { return req.queryValue("source").value_or("<request>"); };

  r.add("POST", "/v1/domains/{key}/devices", [&node, source](Request& req) {
    return statusResponse(node.attachDevice(req.param("key"), req.body, source(req), scopeFromQuery(req)));
  });

  r.add("POST", "/v1/domains/{key}/devices/detach", [&node, source](Request& req) {
    return statusResponse(node.detachDevice(req.param("key"), req.body, source(req), scopeFromQuery(req)));
  });

  r.add("PUT", "/v1/domains/{key}/devices", [&node, source](Request& req) {
    return statusResponse(
        node.updateDevice(req.param("key"), req.body, source(req), scopeFromQuery(req), req.flag("force")));
  });

  r.add("POST", "/v1/domains/{key}/actions/blockresize", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("disk") || !(*j)["disk"].is_string() || !j->contains("bytes") ||
        !(*j)["bytes"].is_number_unsigned())
      return errorResponse(
          Error(ErrorCode::InvalidArgument, "blockresize body needs {\"disk\": \"vda\", \"bytes\": N}"));
    return statusResponse(
        node.blockResize(req.param("key"), (*j)["disk"].get<std::string>(), (*j)["bytes"].get<std::uint64_t>()));
  });
}

}  // namespace stratus::api
