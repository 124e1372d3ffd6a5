#include "api/json_types.h"

#include <array>

namespace stratus::api {

namespace {
constexpr std::array<std::string_view, 8> kStateNames = {
    "nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"};
}  // namespace

std::string_view stateWireName(conf::DomainState s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStateNames.size() ? kStateNames[i] : kStateNames[0];
}

std::optional<conf::DomainState> stateFromWireName(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == name) return static_cast<conf::DomainState>(i);
  return std::nullopt;
}

std::string_view metadataKindName(daemon::MetadataKind k) {
  return k == daemon::MetadataKind::Title ? "title" : "description";
}

std::optional<daemon::MetadataKind> metadataKindFromName(std::string_view name) {
  if (name == "title") return daemon::MetadataKind::Title;
  if (name == "description") return daemon::MetadataKind::Description;
  return std::nullopt;
}

nlohmann::json errorToJson(const Error& e) {
  nlohmann::json inner = {{"code", errorCodeName(e.code)}, {"message", e.message}};
  if (e.where) {
    inner["file"] = e.where->file;
    inner["line"] = e.where->line;
    inner["field"] = e.where->field;
  }
  return {{"error", std::move(inner)}};
}

Error errorFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
    return Error(ErrorCode::InternalError, "malformed error reply from stratusd: " + j.dump());
  const auto& e = j["error"];
  Error out;
  try {
    out.code = errorCodeFromName(e.value("code", std::string("internal-error")));
    out.message = e.value("message", std::string());
    if (e.contains("file") || e.contains("line") || e.contains("field")) {
      ErrorLocation loc;
      loc.file = e.value("file", std::string());
      loc.line = e.value("line", 0);
      loc.field = e.value("field", std::string());
      out.where = std::move(loc);
    }
  } catch (const nlohmann::json::exception& ex) {
    return Error(ErrorCode::InternalError, std::string("malformed error reply from stratusd: ") + ex.what());
  }
  return out;
}

int httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::Ok: return 200;
    case ErrorCode::InvalidArgument:
    case ErrorCode::XmlSyntax:
    case ErrorCode::XmlInvalid: return 400;
    case ErrorCode::AuthFailed: return 401;
    case ErrorCode::NoDomain:
    case ErrorCode::NoNetwork:
    case ErrorCode::NoStoragePool:
    case ErrorCode::NoStorageVolume:
    case ErrorCode::DeviceMissing: return 404;
    case ErrorCode::DomainExists:
    case ErrorCode::OperationInvalid:
    case ErrorCode::Busy:
    case ErrorCode::Cancelled: return 409;
    case ErrorCode::Unsupported: return 501;
    case ErrorCode::ConnectFailed: return 502;
    case ErrorCode::Timeout:
    case ErrorCode::OperationTimeout: return 504;
    case ErrorCode::InternalError:
    case ErrorCode::OperationFailed:
    case ErrorCode::SystemError: return 500;
  }
  return 500;
}

Result<nlohmann::json> parseJson(std::string_view text, std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Error(ErrorCode::InvalidArgument, "malformed JSON in " + std::string(what));
  return j;
}

}  // namespace stratus::api

namespace stratus {

void to_json(nlohmann::json& j, const ErrorLocation& v) {
  j = {{"file", v.file}, {"line", v.line}, {"field", v.field}};
}
void from_json(const nlohmann::json& j, ErrorLocation& v) {
  v.file = j.value("file", std::string());
  v.line = j.value("line", 0);
  v.field = j.value("field", std::string());
}

}  // namespace stratus

namespace stratus::conf {

void to_json(nlohmann::json& j, const Warning& v) {
  j = {{"message", v.message}, {"file", v.where.file}, {"line", v.where.line}, {"field", v.where.field}};
}
void from_json(const nlohmann::json& j, Warning& v) {
  v.message = j.value("message", std::string());
  from_json(j, v.where);
}

}  // namespace stratus::conf

namespace stratus::daemon {

void to_json(nlohmann::json& j, const DomainSummary& v) {
  j = {{"id", v.id},
       {"name", v.name},
       {"uuid", v.uuid},
       {"state", api::stateWireName(v.state)},
       {"reason", v.reason},
       {"persistent", v.persistent},
       {"autostart", v.autostart},
       {"managed_save", v.managedSave},
       {"title", v.title}};
}
void from_json(const nlohmann::json& j, DomainSummary& v) {
  v.id = j.value("id", -1);
  v.name = j.value("name", std::string());
  v.uuid = j.value("uuid", std::string());
  auto st = api::stateFromWireName(j.value("state", std::string("nostate")));
  v.state = st.value_or(conf::DomainState::NoState);
  v.reason = j.value("reason", 0);
  v.persistent = j.value("persistent", true);
  v.autostart = j.value("autostart", false);
  v.managedSave = j.value("managed_save", false);
  v.title = j.value("title", std::string());
}

void to_json(nlohmann::json& j, const DomainInfo& v) {
  j = v.summary;
  j["os_type"] = v.osType;
  j["max_mem_kib"] = v.maxMemKiB;
  j["used_mem_kib"] = v.usedMemKiB;
  j["vcpus"] = v.vcpus;
  j["cpu_time_ns"] = v.cpuTimeNs;
  j["security_model"] = v.securityModel;
  j["security_doi"] = v.securityDoi;
  j["security_label"] = v.securityLabel;
}
void from_json(const nlohmann::json& j, DomainInfo& v) {
  from_json(j, v.summary);
  v.osType = j.value("os_type", std::string());
  v.maxMemKiB = j.value("max_mem_kib", std::uint64_t{0});
  v.usedMemKiB = j.value("used_mem_kib", std::uint64_t{0});
  v.vcpus = j.value("vcpus", 0u);
  v.cpuTimeNs = j.value("cpu_time_ns", std::uint64_t{0});
  v.securityModel = j.value("security_model", std::string("none"));
  v.securityDoi = j.value("security_doi", std::string("0"));
  v.securityLabel = j.value("security_label", std::string());
}

void to_json(nlohmann::json& j, const NodeInfo& v) {
  j = {{"model", v.model},     {"cpus", v.cpus},       {"mhz", v.mhz},
       {"nodes", v.nodes},     {"sockets", v.sockets}, {"cores", v.cores},
       {"threads", v.threads}, {"memory_kib", v.memoryKiB}};
}
void from_json(const nlohmann::json& j, NodeInfo& v) {
  v.model = j.value("model", std::string());
  v.cpus = j.value("cpus", 0u);
  v.mhz = j.value("mhz", 0u);
  v.nodes = j.value("nodes", 1u);
  v.sockets = j.value("sockets", 1u);
  v.cores = j.value("cores", 1u);
  v.threads = j.value("threads", 1u);
  v.memoryKiB = j.value("memory_kib", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const VersionInfo& v) {
  j = {{"library_version", v.libraryVersion},
       {"hypervisor_name", v.hypervisorName},
       {"hypervisor_version", v.hypervisorVersion}};
}
void from_json(const nlohmann::json& j, VersionInfo& v) {
  v.libraryVersion = j.value("library_version", std::string());
  v.hypervisorName = j.value("hypervisor_name", std::string());
  v.hypervisorVersion = j.value("hypervisor_version", std::string());
}

void to_json(nlohmann::json& j, const DefineResult& v) {
  j = {{"domain", v.domain}, {"warnings", v.warnings}};
}
void from_json(const nlohmann::json& j, DefineResult& v) {
  j.at("domain").get_to(v.domain);
  v.warnings = j.value("warnings", std::vector<conf::Warning>{});
}

void to_json(nlohmann::json& j, const DomainEvent& v) {
  j = {{"name", v.domainName}, {"uuid", v.domainUuid}, {"type", v.type}, {"detail", v.detail}, {"seq", v.seq}};
}
void from_json(const nlohmann::json& j, DomainEvent& v) {
  v.domainName = j.value("name", std::string());
  v.domainUuid = j.value("uuid", std::string());
  v.type = j.value("type", 0);
  v.detail = j.value("detail", 0);
  v.seq = j.value("seq", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const StartOptions& v) {
  j = {{"paused", v.paused}, {"autodestroy", v.autodestroy}, {"bypass_cache", v.bypassCache},
       {"force_boot", v.forceBoot}};
}
void from_json(const nlohmann::json& j, StartOptions& v) {
  v.paused = j.value("paused", false);
  v.autodestroy = j.value("autodestroy", false);
  v.bypassCache = j.value("bypass_cache", false);
  v.forceBoot = j.value("force_boot", false);
}

void to_json(nlohmann::json& j, const ShutdownOptions& v) { j = {{"mode", v.mode}}; }
void from_json(const nlohmann::json& j, ShutdownOptions& v) { v.mode = j.value("mode", std::string()); }

void to_json(nlohmann::json& j, const DestroyOptions& v) { j = {{"graceful", v.graceful}}; }
void from_json(const nlohmann::json& j, DestroyOptions& v) { v.graceful = j.value("graceful", false); }

void to_json(nlohmann::json& j, const SaveOptions& v) {
  j = {{"running", v.running}, {"paused", v.paused}, {"bypass_cache", v.bypassCache}, {"format", v.format},
       {"xml", v.xml}};
}
void from_json(const nlohmann::json& j, SaveOptions& v) {
  v.running = j.value("running", false);
  v.paused = j.value("paused", false);
  v.bypassCache = j.value("bypass_cache", false);
  v.format = j.value("format", std::string());
  v.xml = j.value("xml", std::string());
}

void to_json(nlohmann::json& j, const JobInfo& v) {
  j = {{"type", v.type},
       {"operation", v.operation},
       {"time_elapsed_ms", v.timeElapsedMs},
       {"data_total", v.dataTotal},
       {"data_processed", v.dataProcessed},
       {"data_remaining", v.dataRemaining},
       {"mem_total", v.memTotal},
       {"mem_processed", v.memProcessed},
       {"mem_remaining", v.memRemaining},
       {"mem_bps", v.memBps},
       {"page_size", v.pageSize},
       {"constant_pages", v.constantPages},
       {"normal_pages", v.normalPages},
       {"normal_bytes", v.normalBytes},
       {"file_bytes", v.fileBytes},
       {"disk_total", v.diskTotal},
       {"disk_processed", v.diskProcessed},
       {"disk_remaining", v.diskRemaining},
       {"disk_bps", v.diskBps},
       {"dirty_rate", v.dirtyRate},
       {"mem_iteration", v.memIteration},
       {"postcopy_requests", v.postcopyRequests},
       {"expected_downtime_ms", v.expectedDowntimeMs},
       {"downtime_ms", v.downtimeMs},
       {"setup_time_ms", v.setupTimeMs},
       {"postcopy", v.postcopy},
       {"percent", v.percent},
       {"error", v.error}};
}
void from_json(const nlohmann::json& j, JobInfo& v) {
  v.type = j.value("type", std::string("none"));
  v.operation = j.value("operation", std::string());
  v.timeElapsedMs = j.value("time_elapsed_ms", std::uint64_t{0});
  v.dataTotal = j.value("data_total", std::uint64_t{0});
  v.dataProcessed = j.value("data_processed", std::uint64_t{0});
  v.dataRemaining = j.value("data_remaining", std::uint64_t{0});
  v.memTotal = j.value("mem_total", std::uint64_t{0});
  v.memProcessed = j.value("mem_processed", std::uint64_t{0});
  v.memRemaining = j.value("mem_remaining", std::uint64_t{0});
  v.memBps = j.value("mem_bps", std::uint64_t{0});
  v.pageSize = j.value("page_size", std::uint64_t{0});
  v.constantPages = j.value("constant_pages", std::uint64_t{0});
  v.normalPages = j.value("normal_pages", std::uint64_t{0});
  v.normalBytes = j.value("normal_bytes", std::uint64_t{0});
  v.fileBytes = j.value("file_bytes", std::uint64_t{0});
  v.diskTotal = j.value("disk_total", std::uint64_t{0});
  v.diskProcessed = j.value("disk_processed", std::uint64_t{0});
  v.diskRemaining = j.value("disk_remaining", std::uint64_t{0});
  v.diskBps = j.value("disk_bps", std::uint64_t{0});
  v.dirtyRate = j.value("dirty_rate", std::uint64_t{0});
  v.memIteration = j.value("mem_iteration", std::uint64_t{0});
  v.postcopyRequests = j.value("postcopy_requests", std::uint64_t{0});
  v.expectedDowntimeMs = j.value("expected_downtime_ms", std::uint64_t{0});
  v.downtimeMs = j.value("downtime_ms", std::uint64_t{0});
  v.setupTimeMs = j.value("setup_time_ms", std::uint64_t{0});
  v.postcopy = j.value("postcopy", false);
  v.percent = j.value("percent", 0);
  v.error = j.value("error", std::string());
}

void to_json(nlohmann::json& j, const ModifyScope& v) { j = {{"live", v.live}, {"config", v.config}}; }
void from_json(const nlohmann::json& j, ModifyScope& v) {
  v.live = j.value("live", false);
  v.config = j.value("config", false);
}

void to_json(nlohmann::json& j, const UndefineOptions& v) {
  j = {{"managed_save", v.managedSave}, {"remove_all_storage", v.removeAllStorage}, {"nvram", v.nvram},
       {"keep_nvram", v.keepNvram}};
}
void from_json(const nlohmann::json& j, UndefineOptions& v) {
  v.managedSave = j.value("managed_save", false);
  v.removeAllStorage = j.value("remove_all_storage", false);
  v.nvram = j.value("nvram", false);
  v.keepNvram = j.value("keep_nvram", false);
}

void to_json(nlohmann::json& j, const XmlOptions& v) {
  j = {{"inactive", v.inactive}, {"security_info", v.securityInfo}};
}
void from_json(const nlohmann::json& j, XmlOptions& v) {
  v.inactive = j.value("inactive", false);
  v.securityInfo = j.value("security_info", false);
}

}  // namespace stratus::daemon

namespace stratus::daemon {

void to_json(nlohmann::json& j, const NetworkSummary& v) {
  j = {{"name", v.name},           {"uuid", v.uuid},           {"active", v.active},
       {"persistent", v.persistent}, {"autostart", v.autostart}, {"bridge", v.bridge}};
}
void from_json(const nlohmann::json& j, NetworkSummary& v) {
  v.name = j.value("name", std::string());
  v.uuid = j.value("uuid", std::string());
  v.active = j.value("active", false);
  v.persistent = j.value("persistent", true);
  v.autostart = j.value("autostart", false);
  v.bridge = j.value("bridge", std::string());
}

void to_json(nlohmann::json& j, const NetworkDefineResult& v) {
  j = {{"network", v.network}, {"warnings", v.warnings}};
}
void from_json(const nlohmann::json& j, NetworkDefineResult& v) {
  j.at("network").get_to(v.network);
  v.warnings = j.value("warnings", std::vector<conf::Warning>{});
}

void to_json(nlohmann::json& j, const NetworkUpdate& v) {
  j = {{"command", v.command}, {"section", v.section}, {"xml", v.xml}, {"parent_index", v.parentIndex}};
}
void from_json(const nlohmann::json& j, NetworkUpdate& v) {
  v.command = j.value("command", std::string());
  v.section = j.value("section", std::string());
  v.xml = j.value("xml", std::string());
  v.parentIndex = j.value("parent_index", -1);
}

void to_json(nlohmann::json& j, const DhcpLease& v) {
  j = {{"expiry_time", v.expiryTime}, {"mac", v.mac},           {"type", v.type},
       {"ipaddr", v.ipaddr},          {"prefix", v.prefix},     {"hostname", v.hostname},
       {"client_id", v.clientId},     {"iface", v.iface}};
}
void from_json(const nlohmann::json& j, DhcpLease& v) {
  v.expiryTime = j.value("expiry_time", std::int64_t{0});
  v.mac = j.value("mac", std::string());
  v.type = j.value("type", std::string());
  v.ipaddr = j.value("ipaddr", std::string());
  v.prefix = j.value("prefix", 0u);
  v.hostname = j.value("hostname", std::string());
  v.clientId = j.value("client_id", std::string());
  v.iface = j.value("iface", std::string());
}

void to_json(nlohmann::json& j, const NetworkPort& v) {
  j = {{"uuid", v.uuid},
       {"owner_name", v.ownerName},
       {"owner_uuid", v.ownerUuid},
       {"mac", v.mac},
       {"tap_name", v.tapName}};
}
void from_json(const nlohmann::json& j, NetworkPort& v) {
  v.uuid = j.value("uuid", std::string());
  v.ownerName = j.value("owner_name", std::string());
  v.ownerUuid = j.value("owner_uuid", std::string());
  v.mac = j.value("mac", std::string());
  v.tapName = j.value("tap_name", std::string());
}

}  // namespace stratus::daemon
