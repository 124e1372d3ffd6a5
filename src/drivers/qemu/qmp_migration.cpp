#include "drivers/qemu/qmp_migration.h"

namespace stratus::qemu::qmp {

namespace {

Status run(QmpTransport& m, const char* command, const Json& args = Json()) {
  auto r = m.execute(command, args);
  if (!r) return std::move(r).error();
  return okStatus();
}

std::uint64_t u64(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer()) {
    auto v = it->get<std::int64_t>();
    return v < 0 ? 0 : static_cast<std::uint64_t>(v);
  }
  return 0;
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error badReply(const char* command, const std::string& why) {
  return Error(ErrorCode::OperationFailed, std::string("QMP ") + command + ": unexpected reply from QEMU: " + why);
}

}  // namespace

Status migrateSetCapabilities(QmpTransport& m, const std::vector<std::pair<std::string, bool>>& caps) {
  Json list = Json::array();
  for (const auto& [name, state] : caps) list.push_back({{"capability", name}, {"state", state}});
  return run(m, "migrate-set-capabilities", {{"capabilities", list}});
}

Status migrateSetParameters(QmpTransport& m, const Json& params) {
  return run(m, "migrate-set-parameters", params);
}

MigrationParameters parseMigrationParameters(const Json& r) {
  MigrationParameters p;
  if (!r.is_object()) return p;
  p.downtimeLimitMs = u64(r, "downtime-limit");
  p.maxBandwidth = u64(r, "max-bandwidth");
  p.multifdCompression = str(r, "multifd-compression");
  p.multifdChannels = static_cast<unsigned>(u64(r, "multifd-channels"));
  return p;
}

Result<MigrationParameters> queryMigrateParameters(QmpTransport& m) {
  auto r = m.execute("query-migrate-parameters");
  if (!r) return std::move(r).error();
  if (!r->is_object()) return badReply("query-migrate-parameters", "not an object");
  return parseMigrationParameters(*r);
}

Status migrateStartPostcopy(QmpTransport& m) { return run(m, "migrate-start-postcopy"); }

std::vector<BlockJob> parseBlockJobs(const Json& r) {
  std::vector<BlockJob> out;
  if (!r.is_array()) return out;
  for (const auto& j : r) {
    if (!j.is_object()) continue;
    BlockJob b;
    b.id = str(j, "device");
    b.type = str(j, "type");
    b.status = str(j, "status");
    b.len = u64(j, "len");
    b.offset = u64(j, "offset");
    b.speed = u64(j, "speed");
    auto ready = j.find("ready");
    b.ready = ready != j.end() && ready->is_boolean() && ready->get<bool>();
    b.error = str(j, "error");
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::vector<BlockJob>> queryBlockJobs(QmpTransport& m) {
  auto r = m.execute("query-block-jobs");
  if (!r) return std::move(r).error();
  if (!r->is_array()) return badReply("query-block-jobs", "not a list");
  return parseBlockJobs(*r);
}

Status blockdevMirror(QmpTransport& m, const Json& args) { return run(m, "blockdev-mirror", args); }

Status blockJobCancel(QmpTransport& m, const std::string& jobId, bool force) {
  return run(m, "block-job-cancel", {{"device", jobId}, {"force", force}});
}

Status yankBlockNode(QmpTransport& m, const std::string& nodeName) {
  return run(m, "yank", {{"instances", Json::array({{{"type", "block-node"}, {"node-name", nodeName}}})}});
}

Status nbdServerStart(QmpTransport& m, const std::string& host, int port) {
  // nbd-server-start takes the legacy socket address (a "data" wrapper).
  Json addr = {{"type", "inet"}, {"data", {{"host", host}, {"port", std::to_string(port)}}}};
  return run(m, "nbd-server-start", {{"addr", addr}});
}

Status blockExportAdd(QmpTransport& m, const std::string& id, const std::string& nodeName, const std::string& name,
                      bool writable) {
  return run(m, "block-export-add",
             {{"type", "nbd"}, {"id", id}, {"node-name", nodeName}, {"name", name}, {"writable", writable}});
}

Status blockExportDel(QmpTransport& m, const std::string& id) {
  return run(m, "block-export-del", {{"id", id}, {"mode", "hard"}});
}

Status nbdServerStop(QmpTransport& m) { return run(m, "nbd-server-stop"); }

}  // namespace stratus::qemu::qmp
