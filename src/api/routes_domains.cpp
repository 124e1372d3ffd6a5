// Domain definitions: list, lookup, define, undefine, info, XML, autostart,
// metadata, rename.
#include "api/routes_common.h"

namespace stratus::api {

void addDomainRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;

  r.add("GET", "/v1/domains", [&node](Request&) {
    auto list = node.listDomains();
    if (!list.ok()) return errorResponse(list.error());
    return textResponse(200, "application/json", encodeDomainList(*list));  // the fast path for 10,000s
  });

  r.add("GET", "/v1/lookup", [&node](Request& req) {
    // ?key=: virsh's order (running id, UUID, name). ?id=N: a running id only.
    if (auto id = req.queryValue("id")) {
      auto d = node.lookupDomain(*id);
      if (d.ok() && std::to_string(d->id) != *id)
        return errorResponse(Error(ErrorCode::NoDomain, "Domain not found: no domain with matching id " + *id));
      return valueResponse(d);
    }
    auto key = req.queryValue("key");
    if (!key || key->empty())
      return errorResponse(Error(ErrorCode::InvalidArgument, "lookup needs ?key=ID|UUID|NAME or ?id=ID"));
    return valueResponse(node.lookupDomain(*key));
  });

  r.add("POST", "/v1/domains", [&node](Request& req) {
    auto res = node.defineDomain(req.body, req.queryValue("source").value_or("<request>"));
    Response resp = valueResponse(res, 201);
    if (res.ok()) resp.headers.emplace_back("Location", "/v1/domains/" + res->domain.uuid);
    return resp;
  });

  r.add("GET", "/v1/domains/{key}", [&node](Request& req) { return valueResponse(node.domainInfo(req.param("key"))); });

  r.add("DELETE", "/v1/domains/{key}", [&node](Request& req) {
    daemon::UndefineOptions o;
    o.managedSave = req.flag("managed_save");
    o.removeAllStorage = req.flag("remove_all_storage");
    o.nvram = req.flag("nvram");
    o.keepNvram = req.flag("keep_nvram");
    return statusResponse(node.undefineDomain(req.param("key"), o));
  });

  r.add("GET", "/v1/domains/{key}/xml", [&node](Request& req) {
    daemon::XmlOptions o;
    o.inactive = req.flag("inactive");
    o.securityInfo = req.flag("security_info");
    auto xml = node.domainXml(req.param("key"), o);
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });

  r.add("PUT", "/v1/domains/{key}/autostart", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("enabled") || !(*j)["enabled"].is_boolean())
      return errorResponse(Error(ErrorCode::InvalidArgument, "autostart body needs {\"enabled\": true|false}"));
    return statusResponse(node.setAutostart(req.param("key"), (*j)["enabled"].get<bool>()));
  });

  r.add("GET", "/v1/domains/{key}/metadata/{kind}", [&node](Request& req) {
    auto kind = metadataKindFromName(req.param("kind"));
    if (!kind)
      return errorResponse(Error(ErrorCode::InvalidArgument, "metadata kind must be 'title' or 'description'"));
    auto text = node.getMetadata(req.param("key"), *kind, scopeFromQuery(req));
    if (!text.ok()) return errorResponse(text.error());
    return jsonResponse(200, nlohmann::json{{"kind", req.param("kind")}, {"text", *text}});
  });

  r.add("PUT", "/v1/domains/{key}/metadata/{kind}", [&node](Request& req) {
    auto kind = metadataKindFromName(req.param("kind"));
    if (!kind)
      return errorResponse(Error(ErrorCode::InvalidArgument, "metadata kind must be 'title' or 'description'"));
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("text") || !(*j)["text"].is_string())
      return errorResponse(Error(ErrorCode::InvalidArgument, "metadata body needs {\"text\": \"...\"}"));
    return statusResponse(
        node.setMetadata(req.param("key"), *kind, (*j)["text"].get<std::string>(), scopeFromQuery(req)));
  });

  r.add("POST", "/v1/domains/{key}/rename", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("name") || !(*j)["name"].is_string())
      return errorResponse(Error(ErrorCode::InvalidArgument, "rename body needs {\"name\": \"NEW\"}"));
    return statusResponse(node.renameDomain(req.param("key"), (*j)["name"].get<std::string>()));
  });
}

}  // namespace stratus::api
