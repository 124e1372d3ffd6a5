#include "api/json_migration.h"

#include <string>

namespace stratus::api {

std::string_view storageCopyName(daemon::MigrateOptions::Storage s) {
  switch (s) {
    case daemon::MigrateOptions::Storage::All: return "all";
    case daemon::MigrateOptions::Storage::Incremental: return "incremental";
    case daemon::MigrateOptions::Storage::None: break;
  }
  return "none";
}

std::optional<daemon::MigrateOptions::Storage> storageCopyFromName(std::string_view name) {
  if (name == "none") return daemon::MigrateOptions::Storage::None;
  if (name == "all") return daemon::MigrateOptions::Storage::All;
  if (name == "incremental") return daemon::MigrateOptions::Storage::Incremental;
  return std::nullopt;
}

std::string_view timeoutActionName(daemon::MigrateOptions::TimeoutAction a) {
  return a == daemon::MigrateOptions::TimeoutAction::Postcopy ? "postcopy" : "suspend";
}

std::optional<daemon::MigrateOptions::TimeoutAction> timeoutActionFromName(std::string_view name) {
  if (name == "suspend") return daemon::MigrateOptions::TimeoutAction::Suspend;
  if (name == "postcopy") return daemon::MigrateOptions::TimeoutAction::Postcopy;
  return std::nullopt;
}

}  // namespace stratus::api

namespace stratus::daemon {

namespace {
// An enum member by name; a name we do not know is a malformed document
// (nlohmann turns the exception into fromJson's InvalidArgument).
template <class E>
E enumMember(const nlohmann::json& j, const char* key, E fallback, std::optional<E> (*parse)(std::string_view)) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  auto v = parse(it->template get<std::string>());
  if (!v) throw nlohmann::json::other_error::create(501, std::string("unknown ") + key + " '" +
                                                             it->template get<std::string>() + "'", &j);
  return *v;
}
}  // namespace

void to_json(nlohmann::json& j, const MigrateOptions& v) {
  j = {{"live", v.live},
       {"offline", v.offline},
       {"persistent", v.persistent},
       {"undefine_source", v.undefineSource},
       {"suspend", v.suspend},
       {"copy_storage", std::string(api::storageCopyName(v.copyStorage))},
       {"tunnelled", v.tunnelled},
       {"p2p", v.p2p},
       {"compressed", v.compressed},
       {"postcopy", v.postcopy},
       {"auto_converge", v.autoConverge},
       {"unsafe", v.unsafe},
       {"timeout_seconds", v.timeoutSeconds},
       {"timeout_action", std::string(api::timeoutActionName(v.timeoutAction))},
       {"bandwidth_mib", v.bandwidthMiB},
       {"migrate_uri", v.migrateUri},
       {"listen_address", v.listenAddress},
       {"dest_name", v.destName},
       {"dest_xml", v.destXml},
       {"migrate_disks", v.migrateDisks},
       {"keepalive_timeout_seconds", v.keepaliveTimeoutSeconds}};
}

void from_json(const nlohmann::json& j, MigrateOptions& v) {
  v.live = j.value("live", false);
  v.offline = j.value("offline", false);
  v.persistent = j.value("persistent", false);
  v.undefineSource = j.value("undefine_source", false);
  v.suspend = j.value("suspend", false);
  v.copyStorage = enumMember(j, "copy_storage", MigrateOptions::Storage::None, &api::storageCopyFromName);
  v.tunnelled = j.value("tunnelled", false);
  v.p2p = j.value("p2p", false);
  v.compressed = j.value("compressed", false);
  v.postcopy = j.value("postcopy", false);
  v.autoConverge = j.value("auto_converge", false);
  v.unsafe = j.value("unsafe", false);
  v.timeoutSeconds = j.value("timeout_seconds", 0u);
  v.timeoutAction = enumMember(j, "timeout_action", MigrateOptions::TimeoutAction::Suspend, &api::timeoutActionFromName);
  v.bandwidthMiB = j.value("bandwidth_mib", std::uint64_t{0});
  v.migrateUri = j.value("migrate_uri", std::string());
  v.listenAddress = j.value("listen_address", std::string());
  v.destName = j.value("dest_name", std::string());
  v.destXml = j.value("dest_xml", std::string());
  v.migrateDisks = j.value("migrate_disks", std::vector<std::string>());
  v.keepaliveTimeoutSeconds = j.value("keepalive_timeout_seconds", 0u);
}

void to_json(nlohmann::json& j, const MigrationDisk& v) {
  j = {{"target", v.target}, {"path", v.path}, {"format", v.format}, {"capacity", v.capacity}};
}
void from_json(const nlohmann::json& j, MigrationDisk& v) {
  v.target = j.at("target").get<std::string>();
  v.path = j.value("path", std::string());
  v.format = j.value("format", std::string());
  v.capacity = j.value("capacity", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const MigrationBegin& v) {
  j = {{"name", v.name},       {"uuid", v.uuid},       {"xml", v.xml}, {"persistent_xml", v.persistentXml},
       {"running", v.running}, {"disks", v.disks}};
}
void from_json(const nlohmann::json& j, MigrationBegin& v) {
  v.name = j.at("name").get<std::string>();
  v.uuid = j.value("uuid", std::string());
  v.xml = j.at("xml").get<std::string>();
  v.persistentXml = j.value("persistent_xml", std::string());
  v.running = j.value("running", false);
  v.disks = j.value("disks", std::vector<MigrationDisk>());
}

void to_json(nlohmann::json& j, const PreparedMigration& v) {
  nlohmann::json exports = nlohmann::json::array();
  for (const auto& [dev, name] : v.nbdExports) exports.push_back({{"target", dev}, {"export", name}});
  j = {{"name", v.name}, {"uri", v.uri}, {"nbd_host", v.nbdHost}, {"nbd_port", v.nbdPort}, {"nbd_exports", exports}};
}
void from_json(const nlohmann::json& j, PreparedMigration& v) {
  v.name = j.at("name").get<std::string>();
  v.uri = j.value("uri", std::string());
  v.nbdHost = j.value("nbd_host", std::string());
  v.nbdPort = j.value("nbd_port", 0);
  v.nbdExports.clear();
  if (auto it = j.find("nbd_exports"); it != j.end())
    for (const auto& e : *it) v.nbdExports.emplace_back(e.at("target").get<std::string>(), e.at("export").get<std::string>());
}

void to_json(nlohmann::json& j, const MigrationOutcome& v) {
  j = {{"postcopy", v.postcopy}, {"downtime_ms", v.downtimeMs}, {"total_time_ms", v.totalTimeMs}, {"bytes", v.bytes}};
}
void from_json(const nlohmann::json& j, MigrationOutcome& v) {
  v.postcopy = j.value("postcopy", false);
  v.downtimeMs = j.value("downtime_ms", std::uint64_t{0});
  v.totalTimeMs = j.value("total_time_ms", std::uint64_t{0});
  v.bytes = j.value("bytes", std::uint64_t{0});
}

}  // namespace stratus::daemon
