// The migration verbs of NodeClient (docs/api.md, "Migration"), over the
// client's HttpConnection. NodeClient forwards its NodeService overrides here.
#pragma once

#include <nlohmann/json.hpp>

#include "api/client.h"
#include "daemon/migration_types.h"

namespace stratus::api {

class MigrationClient {
 public:
  explicit MigrationClient(HttpConnection& conn) : conn_(conn) {}

  Result<daemon::MigrationBegin> begin(const std::string& key, const daemon::MigrateOptions& o);
  Result<daemon::PreparedMigration> prepare(const daemon::MigrationBegin& b, const daemon::MigrateOptions& o);
  Result<daemon::MigrationOutcome> perform(const std::string& key, const daemon::PreparedMigration& to,
                                           const daemon::MigrateOptions& o);
  Result<daemon::DomainSummary> finish(const std::string& name, bool ok, const daemon::MigrateOptions& o);
  Status confirm(const std::string& key, bool ok, const daemon::MigrateOptions& o);
  Status keepalive(const std::string& name);
  // Streams `data` as the chunked body of one request on a connection of
  // its own; a failing `data` cuts the body, so the destination aborts.
  Status tunnelIn(const std::string& name, const daemon::MigrationDataSource& data);
  Result<daemon::MigrationOutcome> toUri(const std::string& key, const std::string& destUri,
                                         const daemon::MigrateOptions& o);
  Status setMaxDowntime(const std::string& key, std::uint64_t ms);
  Result<std::uint64_t> getMaxDowntime(const std::string& key);
  Status setSpeed(const std::string& key, std::uint64_t mibPerSecond);
  Result<std::uint64_t> getSpeed(const std::string& key);
  Status startPostcopy(const std::string& key);

 private:
  // The JSON answer of `method target` with `body`; an error answer is the
  // daemon's Error, code and message unchanged.
  Result<nlohmann::json> call(std::string_view method, const std::string& target, const nlohmann::json& body);

  HttpConnection& conn_;
};

}  // namespace stratus::api
