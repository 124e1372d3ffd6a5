// Wire forms (JSON) of the migration types (daemon/migration_types.h): the
// phases' bodies and answers. docs/api.md documents every field.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/migration_types.h"

namespace stratus::daemon {

void to_json(nlohmann::json& j, const MigrateOptions& v);
void from_json(const nlohmann::json& j, MigrateOptions& v);
void to_json(nlohmann::json& j, const MigrationDisk& v);
void from_json(const nlohmann::json& j, MigrationDisk& v);
void to_json(nlohmann::json& j, const MigrationBegin& v);
void from_json(const nlohmann::json& j, MigrationBegin& v);
void to_json(nlohmann::json& j, const PreparedMigration& v);
void from_json(const nlohmann::json& j, PreparedMigration& v);
void to_json(nlohmann::json& j, const MigrationOutcome& v);
void from_json(const nlohmann::json& j, MigrationOutcome& v);

}  // namespace stratus::daemon

namespace stratus::api {

// The names of MigrateOptions' enums on the wire: "none", "all",
// "incremental"; "suspend", "postcopy".
std::string_view storageCopyName(daemon::MigrateOptions::Storage s);
std::optional<daemon::MigrateOptions::Storage> storageCopyFromName(std::string_view name);
std::string_view timeoutActionName(daemon::MigrateOptions::TimeoutAction a);
std::optional<daemon::MigrateOptions::TimeoutAction> timeoutActionFromName(std::string_view name);

}  // namespace stratus::api
