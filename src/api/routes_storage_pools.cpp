// Storage pools: list, define, create, lookup, XML, build, start, destroy,
// delete, refresh, undefine, autostart, and finding pool sources.
#include "api/json_storage.h"
#include "api/routes_common.h"

namespace stratus::api {

namespace {

Response defineResponse(const Result<daemon::PoolDefineResult>& res) {
  Response resp = valueResponse(res, 201);
  if (res.ok()) resp.headers.emplace_back("Location", "/v1/storage-pools/" + percentEncode(res->pool.name));
  return resp;
}

// {"enabled": true|false}
Result<bool> enabledBody(const Request& req) {
  auto j = bodyJson(req);
  if (!j.ok()) return j.error();
  if (!j->contains("enabled") || !(*j)["enabled"].is_boolean())
    return Error(ErrorCode::InvalidArgument, "autostart body needs {\"enabled\": true|false}");
  return (*j)["enabled"].get<bool>();
}

}  // namespace

void addStoragePoolRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string pool = "/v1/storage-pools/{pool}";
  const std::string actions = pool + "/actions/";

  r.add("GET", "/v1/storage-pools", [&node](Request&) {
    auto list = node.listPools();
    if (!list.ok()) return errorResponse(list.error());
    return jsonResponse(200, nlohmann::json{{"pools", *list}});
  });

  r.add("POST", "/v1/storage-pools", [&node](Request& req) {
    return defineResponse(node.definePool(req.body, req.queryValue("source").value_or("<request>")));
  });

  // pool-create: the XML is the body, the build options travel as flags.
  r.add("POST", "/v1/storage-pools/create", [&node](Request& req) {
    daemon::PoolStartOptions o;
    o.build = req.flag("build");
    o.overwrite = req.flag("overwrite");
    o.noOverwrite = req.flag("no_overwrite");
    return defineResponse(node.createPool(req.body, req.queryValue("source").value_or("<request>"), o));
  });

  r.add("GET", pool, [&node](Request& req) { return valueResponse(node.lookupPool(req.param("pool"))); });

  r.add("DELETE", pool, [&node](Request& req) { return statusResponse(node.undefinePool(req.param("pool"))); });

  r.add("GET", pool + "/xml", [&node](Request& req) {
    daemon::PoolXmlOptions o;
    o.inactive = req.flag("inactive");
    auto xml = node.poolXml(req.param("pool"), o);
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });

  r.add("POST", actions + "build", [&node](Request& req) {
    auto o = bodyAs<daemon::PoolBuildOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.buildPool(req.param("pool"), *o));
  });
  r.add("POST", actions + "start", [&node](Request& req) {
    auto o = bodyAs<daemon::PoolStartOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.startPool(req.param("pool"), *o));
  });
  r.add("POST", actions + "destroy", [&node](Request& req) { return statusResponse(node.destroyPool(req.param("pool"))); });
  r.add("POST", actions + "delete", [&node](Request& req) { return statusResponse(node.deletePool(req.param("pool"))); });
  r.add("POST", actions + "refresh", [&node](Request& req) { return statusResponse(node.refreshPool(req.param("pool"))); });

  r.add("PUT", pool + "/autostart", [&node](Request& req) {
    auto on = enabledBody(req);
    if (!on.ok()) return errorResponse(on.error());
    return statusResponse(node.setPoolAutostart(req.param("pool"), *on));
  });

  // find-storage-pool-sources: {"type": "netfs", "src_spec": "<source>...</source>"}
  r.add("POST", "/v1/storage-pool-sources", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("type") || !(*j)["type"].is_string())
      return errorResponse(Error(ErrorCode::InvalidArgument, "pool sources body needs a string \"type\""));
    if (j->contains("src_spec") && !(*j)["src_spec"].is_string())
      return errorResponse(Error(ErrorCode::InvalidArgument, "pool sources body: \"src_spec\" must be a string"));
    auto xml = node.findPoolSources((*j)["type"].get<std::string>(), j->value("src_spec", std::string()));
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });
}

}  // namespace stratus::api
