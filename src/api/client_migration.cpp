#include "api/client_migration.h"

#include "api/http.h"
#include "api/json_migration.h"
#include "api/json_types.h"

namespace stratus::api {

namespace {

std::string domainMigration(const std::string& key, std::string_view rest) {
  return "/v1/domains/" + percentEncode(key) + "/migration" + std::string(rest);
}

std::string incoming(const std::string& name, std::string_view rest) {
  return "/v1/migrations/" + percentEncode(name) + std::string(rest);
}

Status toStatus(const Result<nlohmann::json>& r) { return r.ok() ? okStatus() : Status(r.error()); }

template <class T>
Result<T> decoded(const Result<nlohmann::json>& r) {
  if (!r.ok()) return r.error();
  return fromJson<T>(*r, "reply");
}

Result<std::uint64_t> unsignedReply(const Result<nlohmann::json>& r, const char* name) {
  if (!r.ok()) return r.error();
  auto it = r->find(name);
  if (it == r->end() || !it->is_number_unsigned())
    return Error(ErrorCode::InternalError, std::string("stratusd's reply has no unsigned \"") + name + "\"");
  return it->get<std::uint64_t>();
}

}  // namespace

Result<nlohmann::json> MigrationClient::call(std::string_view method, const std::string& target,
                                             const nlohmann::json& body) {
  std::string b = body.dump();
  auto r = conn_.request(method, target, "application/json", b);
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  if (r->status == 204 || r->body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    return Error(ErrorCode::InternalError, "stratusd sent malformed JSON for " + std::string(method) + " " + target);
  return j;
}

Result<daemon::MigrationBegin> MigrationClient::begin(const std::string& key, const daemon::MigrateOptions& o) {
  return decoded<daemon::MigrationBegin>(call("POST", domainMigration(key, "/begin"), {{"options", o}}));
}

Result<daemon::PreparedMigration> MigrationClient::prepare(const daemon::MigrationBegin& b,
                                                           const daemon::MigrateOptions& o) {
  return decoded<daemon::PreparedMigration>(call("POST", "/v1/migrations/prepare", {{"begin", b}, {"options", o}}));
}

Result<daemon::MigrationOutcome> MigrationClient::perform(const std::string& key, const daemon::PreparedMigration& to,
                                                          const daemon::MigrateOptions& o) {
  return decoded<daemon::MigrationOutcome>(
      call("POST", domainMigration(key, "/perform"), {{"prepared", to}, {"options", o}}));
}

Result<daemon::DomainSummary> MigrationClient::finish(const std::string& name, bool ok,
                                                      const daemon::MigrateOptions& o) {
  return decoded<daemon::DomainSummary>(call("POST", incoming(name, "/finish"), {{"ok", ok}, {"options", o}}));
}

Status MigrationClient::confirm(const std::string& key, bool ok, const daemon::MigrateOptions& o) {
  return toStatus(call("POST", domainMigration(key, "/confirm"), {{"ok", ok}, {"options", o}}));
}

Status MigrationClient::keepalive(const std::string& name) {
  return toStatus(call("POST", incoming(name, "/keepalive"), nlohmann::json::object()));
}

Status MigrationClient::tunnelIn(const std::string& name, const daemon::MigrationDataSource& data) {
  // An empty piece from the source ends the body, as it ends the stream.
  auto r = conn_.requestStreamingBody("PUT", incoming(name, "/tunnel"), "application/octet-stream", data);
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  return okStatus();
}

Result<daemon::MigrationOutcome> MigrationClient::toUri(const std::string& key, const std::string& destUri,
                                                        const daemon::MigrateOptions& o) {
  return decoded<daemon::MigrationOutcome>(
      call("POST", domainMigration(key, "/p2p"), {{"dest_uri", destUri}, {"options", o}}));
}

Status MigrationClient::setMaxDowntime(const std::string& key, std::uint64_t ms) {
  return toStatus(call("PUT", domainMigration(key, "/max-downtime"), {{"ms", ms}}));
}

Result<std::uint64_t> MigrationClient::getMaxDowntime(const std::string& key) {
  auto r = conn_.request("GET", domainMigration(key, "/max-downtime"));
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  return unsignedReply(parseJson(r->body, "reply"), "ms");
}

Status MigrationClient::setSpeed(const std::string& key, std::uint64_t mibPerSecond) {
  return toStatus(call("PUT", domainMigration(key, "/speed"), {{"mib_per_second", mibPerSecond}}));
}

Result<std::uint64_t> MigrationClient::getSpeed(const std::string& key) {
  auto r = conn_.request("GET", domainMigration(key, "/speed"));
  if (!r.ok()) return r.error();
  if (r->status >= 300) return errorFromReply(*r);
  return unsignedReply(parseJson(r->body, "reply"), "mib_per_second");
}

Status MigrationClient::startPostcopy(const std::string& key) {
  return toStatus(call("POST", domainMigration(key, "/postcopy"), nlohmann::json::object()));
}

}  // namespace stratus::api
