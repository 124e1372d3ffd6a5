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
  // GET /v1/domains/{key}/console-log?bytes=N: the tail of a file-backed serial console.
  r.add("GET", "/v1/domains/{key}/console-log", [&node](Request& req) {
    std::uint64_t bytes = 65536;
    if (auto b = req.queryValue("bytes")) {
      try {
        bytes = std::stoull(*b);
      } catch (...) {
        return errorResponse(Error(ErrorCode::InvalidArgument, "invalid argument: bytes must be a number"));
      }
    }
    auto text = node.consoleLog(req.param("key"), std::min<std::uint64_t>(bytes, 1 << 20));
    if (!text.ok()) return errorResponse(text.error());
    return textResponse(200, "application/octet-stream", std::move(*text));
  });
}

}  // namespace stratus::api
