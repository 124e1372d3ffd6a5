// Lifecycle: create (transient), POST /v1/domains/{key}/actions/{verb},
// restore.
#include "api/routes_common.h"

namespace stratus::api {

namespace {

// start/create --autodestroy: the guest lives as long as the client's
// connection (libvirt ties it to the virConnect).
void armAutodestroy(daemon::NodeService& node, Request& req, const std::string& key) {
  if (!req.onConnectionClose) return;
  auto uuid = node.lookupDomain(key);
  if (!uuid.ok()) return;
  std::string id = uuid->uuid;
  req.onConnectionClose([&node, id] {
    daemon::DestroyOptions o;
    (void)node.destroyDomain(id, o);
  });
}

struct AmountBody {
  std::uint64_t amount = 0;
  daemon::ModifyScope scope;
  bool maximum = false;
};

Result<AmountBody> amountBody(const Request& req, const char* field) {
  auto j = bodyJson(req);
  if (!j.ok()) return j.error();
  if (!j->contains(field) || !(*j)[field].is_number_unsigned())
    return Error(ErrorCode::InvalidArgument, std::string("body needs a non-negative integer \"") + field + "\"");
  AmountBody b;
  b.amount = (*j)[field].get<std::uint64_t>();
  auto scope = fromJson<daemon::ModifyScope>(*j, "request body");
  if (!scope.ok()) return scope.error();
  b.scope = *scope;
  b.maximum = j->value("maximum", false);
  return b;
}

}  // namespace

void addDomainLifecycleRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string base = "/v1/domains/{key}/actions/";

  r.add("POST", "/v1/domains/create", [&node](Request& req) {
    daemon::StartOptions o;
    o.paused = req.flag("paused");
    o.autodestroy = req.flag("autodestroy");
    o.bypassCache = req.flag("bypass_cache");
    o.forceBoot = req.flag("force_boot");
    auto res = node.createDomain(req.body, req.queryValue("source").value_or("<request>"), o);
    if (res.ok() && o.autodestroy) armAutodestroy(node, req, res->domain.uuid);
    Response resp = valueResponse(res, 201);
    if (res.ok()) resp.headers.emplace_back("Location", "/v1/domains/" + res->domain.uuid);
    return resp;
  });

  r.add("POST", base + "start", [&node](Request& req) {
    auto o = bodyAs<daemon::StartOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    auto st = node.startDomain(req.param("key"), *o);
    if (st.ok() && o->autodestroy) armAutodestroy(node, req, req.param("key"));
    return statusResponse(st);
  });

  r.add("POST", base + "shutdown", [&node](Request& req) {
    auto o = bodyAs<daemon::ShutdownOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.shutdownDomain(req.param("key"), *o));
  });

  r.add("POST", base + "destroy", [&node](Request& req) {
    auto o = bodyAs<daemon::DestroyOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.destroyDomain(req.param("key"), *o));
  });

  r.add("POST", base + "suspend", [&node](Request& req) { return statusResponse(node.suspendDomain(req.param("key"))); });
  r.add("POST", base + "resume", [&node](Request& req) { return statusResponse(node.resumeDomain(req.param("key"))); });
  r.add("POST", base + "reboot", [&node](Request& req) { return statusResponse(node.rebootDomain(req.param("key"))); });
  r.add("POST", base + "reset", [&node](Request& req) { return statusResponse(node.resetDomain(req.param("key"))); });
  r.add("POST", base + "inject-nmi", [&node](Request& req) { return statusResponse(node.injectNmi(req.param("key"))); });

  r.add("POST", base + "save", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("file") || !(*j)["file"].is_string() || (*j)["file"].get<std::string>().empty())
      return errorResponse(Error(ErrorCode::InvalidArgument, "save body needs {\"file\": \"PATH\"}"));
    auto o = fromJson<daemon::SaveOptions>(*j, "request body");
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.saveDomain(req.param("key"), (*j)["file"].get<std::string>(), *o));
  });

  r.add("POST", base + "managedsave", [&node](Request& req) {
    auto o = bodyAs<daemon::SaveOptions>(req);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.managedSave(req.param("key"), *o));
  });

  r.add("POST", base + "managedsave-remove",
        [&node](Request& req) { return statusResponse(node.managedSaveRemove(req.param("key"))); });

  r.add("POST", base + "setmem", [&node](Request& req) {
    auto b = amountBody(req, "kib");
    if (!b.ok()) return errorResponse(b.error());
    return statusResponse(node.setMemory(req.param("key"), b->amount, b->scope));
  });

  r.add("POST", base + "setmaxmem", [&node](Request& req) {
    auto b = amountBody(req, "kib");
    if (!b.ok()) return errorResponse(b.error());
    return statusResponse(node.setMaxMemory(req.param("key"), b->amount, b->scope));
  });

  r.add("POST", base + "setvcpus", [&node](Request& req) {
    auto b = amountBody(req, "count");
    if (!b.ok()) return errorResponse(b.error());
    if (b->amount > 0xffffffffu) return errorResponse(Error(ErrorCode::InvalidArgument, "vcpu count out of range"));
    return statusResponse(node.setVcpus(req.param("key"), static_cast<unsigned>(b->amount), b->scope, b->maximum));
  });

  r.add("POST", "/v1/restore", [&node](Request& req) {
    auto j = bodyJson(req);
    if (!j.ok()) return errorResponse(j.error());
    if (!j->contains("file") || !(*j)["file"].is_string() || (*j)["file"].get<std::string>().empty())
      return errorResponse(Error(ErrorCode::InvalidArgument, "restore body needs {\"file\": \"PATH\"}"));
    auto o = fromJson<daemon::SaveOptions>(*j, "request body");
    if (!o.ok()) return errorResponse(o.error());
    return valueResponse(node.restoreDomain((*j)["file"].get<std::string>(), *o));
  });
}

}  // namespace stratus::api
