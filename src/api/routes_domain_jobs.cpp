// A domain's long-running job (save, restore): progress and cancel; and the
// XML inside save images on the daemon's host.
#include "api/routes_common.h"

namespace stratus::api {

namespace {

Result<std::string> fileQuery(const Request& req) {
  auto f = req.queryValue("file");
  if (!f || f->empty()) return Error(ErrorCode::InvalidArgument, "the query needs file=PATH");
  return *f;
}

}  // namespace

void addDomainJobRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;

  r.add("GET", "/v1/domains/{key}/job", [&node](Request& req) {
    return valueResponse(node.domainJobInfo(req.param("key"), req.flag("completed")));
  });

  r.add("POST", "/v1/domains/{key}/job/abort",
        [&node](Request& req) { return statusResponse(node.abortDomainJob(req.param("key"))); });

  r.add("GET", "/v1/save-image/xml", [&node](Request& req) {
    auto file = fileQuery(req);
    if (!file.ok()) return errorResponse(file.error());
    daemon::XmlOptions o;
    o.securityInfo = req.flag("security_info");
    auto xml = node.saveImageXml(*file, o);
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });

  r.add("PUT", "/v1/save-image/xml", [&node](Request& req) {
    auto file = fileQuery(req);
    if (!file.ok()) return errorResponse(file.error());
    daemon::SaveOptions o;
    o.running = req.flag("running");
    o.paused = req.flag("paused");
    return statusResponse(node.saveImageDefine(*file, req.body, o));
  });
}

}  // namespace stratus::api
