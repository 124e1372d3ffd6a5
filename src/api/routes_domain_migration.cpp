// Live migration: the phases (begin, prepare, perform, finish, confirm) that
// the orchestrator on the client or the source daemon calls in turn, the
// destination's keepalive and tunnel, --p2p, and the migrate-* tuning.
// Source-side routes live under the domain; destination-side ones under
// /v1/migrations/{name}, the incoming guest's name there.
#include "api/json_migration.h"
#include "api/routes_common.h"

namespace stratus::api {

namespace {

constexpr std::size_t kTunnelPiece = 1u << 20;  // bytes read from the tunnel body at a time

// A member of the request body decoded as T; `required` members that are
// missing are an error naming them, optional ones give T{}.
template <class T>
Result<T> member(const nlohmann::json& body, const char* name, bool required) {
  auto it = body.find(name);
  if (it == body.end()) {
    if (required) return Error(ErrorCode::InvalidArgument, std::string("request body needs \"") + name + "\"");
    return T{};
  }
  return fromJson<T>(*it, std::string("request body member ") + name);
}

Result<bool> okMember(const nlohmann::json& body) {
  auto it = body.find("ok");
  if (it == body.end() || !it->is_boolean())
    return Error(ErrorCode::InvalidArgument, "request body needs a boolean \"ok\"");
  return it->get<bool>();
}

// The body's {"NAME": unsigned}; for the tuning PUTs.
Result<std::uint64_t> unsignedMember(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_unsigned())
    return Error(ErrorCode::InvalidArgument, std::string("request body needs an unsigned integer \"") + name + "\"");
  return it->get<std::uint64_t>();
}

// The tunnelled migration stream from the request body, piece by piece.
daemon::MigrationDataSource bodySource(BodyReader& body) {
  return [&body]() -> Result<std::string> {
    std::string piece(kTunnelPiece, '\0');
    auto n = body.read(piece.data(), piece.size());
    if (!n.ok()) return n.error();
    piece.resize(*n);
    return piece;  // empty: the stream ended
  };
}

}  // namespace

void addDomainMigrationRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  const std::string dom = "/v1/domains/{key}/migration";
  const std::string in = "/v1/migrations/{name}";

  // ---- source ----
  r.add("POST", dom + "/begin", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    return valueResponse(node.migrateBegin(req.param("key"), *o));
  });

  r.add("POST", dom + "/perform", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto to = member<daemon::PreparedMigration>(*body, "prepared", true);
    if (!to.ok()) return errorResponse(to.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    return valueResponse(node.migratePerform(req.param("key"), *to, *o));
  });

  r.add("POST", dom + "/confirm", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto ok = okMember(*body);
    if (!ok.ok()) return errorResponse(ok.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    return statusResponse(node.migrateConfirm(req.param("key"), *ok, *o));
  });

  r.add("POST", dom + "/p2p", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto uri = member<std::string>(*body, "dest_uri", true);
    if (!uri.ok()) return errorResponse(uri.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    return valueResponse(node.migrateToUri(req.param("key"), *uri, *o));
  });

  // ---- destination ----
  r.add("POST", "/v1/migrations/prepare", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto begin = member<daemon::MigrationBegin>(*body, "begin", true);
    if (!begin.ok()) return errorResponse(begin.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    return valueResponse(node.migratePrepare(*begin, *o), 201);
  });

  r.add("POST", in + "/finish", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto ok = okMember(*body);
    if (!ok.ok()) return errorResponse(ok.error());
    auto o = member<daemon::MigrateOptions>(*body, "options", false);
    if (!o.ok()) return errorResponse(o.error());
    auto res = node.migrateFinish(req.param("name"), *ok, *o);
    if (!res.ok()) return errorResponse(res.error());
    return jsonResponse(200, nlohmann::json(*res));
  });

  r.add("POST", in + "/keepalive",
        [&node](Request& req) { return statusResponse(node.migrateKeepalive(req.param("name"))); });

  // The migration stream of a tunnelled migration, as the request body
  // (chunked): the answer comes when the stream has ended and the incoming
  // QEMU took it, or at once with the error that stopped it.
  r.addStreaming("PUT", in + "/tunnel", [&node](Request& req) {
    if (!req.bodyReader) return errorResponse(Error(ErrorCode::InternalError, "tunnel route without a body reader"));
    return statusResponse(node.migrateTunnelIn(req.param("name"), bodySource(*req.bodyReader)));
  });

  // ---- tuning (virsh migrate-setmaxdowntime, migrate-setspeed, migrate-postcopy) ----
  r.add("GET", dom + "/max-downtime", [&node](Request& req) {
    auto ms = node.migrateGetMaxDowntime(req.param("key"));
    if (!ms.ok()) return errorResponse(ms.error());
    return jsonResponse(200, nlohmann::json{{"ms", *ms}});
  });
  r.add("PUT", dom + "/max-downtime", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto ms = unsignedMember(*body, "ms");
    if (!ms.ok()) return errorResponse(ms.error());
    return statusResponse(node.migrateSetMaxDowntime(req.param("key"), *ms));
  });
  r.add("GET", dom + "/speed", [&node](Request& req) {
    auto s = node.migrateGetSpeed(req.param("key"));
    if (!s.ok()) return errorResponse(s.error());
    return jsonResponse(200, nlohmann::json{{"mib_per_second", *s}});
  });
  r.add("PUT", dom + "/speed", [&node](Request& req) {
    auto body = bodyJson(req);
    if (!body.ok()) return errorResponse(body.error());
    auto s = unsignedMember(*body, "mib_per_second");
    if (!s.ok()) return errorResponse(s.error());
    return statusResponse(node.migrateSetSpeed(req.param("key"), *s));
  });
  r.add("POST", dom + "/postcopy",
        [&node](Request& req) { return statusResponse(node.migrateStartPostcopy(req.param("key"))); });
}

}  // namespace stratus::api
