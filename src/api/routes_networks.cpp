// Virtual networks: list, lookup, define, create, undefine, XML, start,
// destroy, autostart, update, DHCP leases, ports.
#include "api/routes_common.h"

namespace stratus::api {

namespace {

// The body of actions/update: a NetworkUpdate plus the scope.
Result<std::pair<daemon::NetworkUpdate, daemon::ModifyScope>> updateBody(const Request& req) {
  auto j = bodyJson(req);
  if (!j.ok()) return j.error();
  for (const char* field : {"command", "section", "xml"})
    if (!j->contains(field) || !(*j)[field].is_string() || (*j)[field].get<std::string>().empty())
      return Error(ErrorCode::InvalidArgument, std::string("update body needs a non-empty string \"") + field + "\"");
  if (j->contains("parent_index") && !(*j)["parent_index"].is_number_integer())
    return Error(ErrorCode::InvalidArgument, "update body: \"parent_index\" must be an integer");
  auto u = fromJson<daemon::NetworkUpdate>(*j, "request body");
  if (!u.ok()) return u.error();
  auto scope = fromJson<daemon::ModifyScope>(*j, "request body");
  if (!scope.ok()) return scope.error();
  return std::make_pair(std::move(u).value(), *scope);
}

Response defineResponse(const Result<daemon::NetworkDefineResult>& res) {
  Response resp = valueResponse(res, 201);
  if (res.ok()) resp.headers.emplace_back("Location", "/v1/networks/" + res->network.uuid);
  return resp;
}

}  // namespace

void addNetworkRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string base = "/v1/networks/{key}/actions/";

  r.add("GET", "/v1/networks", [&node](Request&) {
    auto list = node.listNetworks();
    if (!list.ok()) return errorResponse(list.error());
    return jsonResponse(200, nlohmann::json{{"networks", *list}});
  });

  r.add("POST", "/v1/networks", [&node](Request& req) {
    return defineResponse(node.defineNetwork(req.body, req.queryValue("source").value_or("<request>")));
  });

  r.add("POST", "/v1/networks/create", [&node](Request& req) {
    return defineResponse(node.createNetwork(req.body, req.queryValue("source").value_or("<request>")));
  });

  r.add("GET", "/v1/networks/{key}",
        [&node](Request& req) { return valueResponse(node.lookupNetwork(req.param("key"))); });

  r.add("DELETE", "/v1/networks/{key}",
        [&node](Request& req) { return statusResponse(node.undefineNetwork(req.param("key"))); });

  r.add("GET", "/v1/networks/{key}/xml", [&node](Request& req) {
    daemon::NetworkXmlOptions o;
    o.inactive = req.flag("inactive");
    auto xml = node.networkXml(req.param("key"), o);
    if (!xml.ok()) return errorResponse(xml.error());
    return textResponse(200, "application/xml", std::move(xml).value());
  });

  r.add("POST", base + "start", [&node](Request& req) { return statusResponse(node.startNetwork(req.param("key"))); });
  r.add("POST", base + "destroy",
        [&node](Request& req) { return statusResponse(node.destroyNetwork(req.param("key"))); });

  r.add("POST", base + "autostart", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("enabled") || !(*j)["enabled"].is_boolean())
      return errorResponse(Error(ErrorCode::InvalidArgument, "autostart body needs {\"enabled\": true|false}"));
    return statusResponse(node.setNetworkAutostart(req.param("key"), (*j)["enabled"].get<bool>()));
  });

  r.add("POST", base + "update", [&node](Request& req) {
    auto b = updateBody(req);
    if (!b.ok()) return errorResponse(b.error());
    return statusResponse(node.updateNetwork(req.param("key"), b->first, b->second));
  });

  r.add("GET", "/v1/networks/{key}/dhcp-leases", [&node](Request& req) {
    auto leases = node.networkDhcpLeases(req.param("key"), req.queryValue("mac").value_or(""));
    if (!leases.ok()) return errorResponse(leases.error());
    return jsonResponse(200, nlohmann::json{{"leases", *leases}});
  });

  r.add("GET", "/v1/networks/{key}/ports", [&node](Request& req) {
    auto ports = node.listNetworkPorts(req.param("key"));
    if (!ports.ok()) return errorResponse(ports.error());
    return jsonResponse(200, nlohmann::json{{"ports", *ports}});
  });
}

}  // namespace stratus::api
