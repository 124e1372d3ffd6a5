// NodeClient: every NodeService method as one HTTP request (docs/api.md).
#include "api/client.h"

#include "api/client_migration.h"
#include "api/client_stats.h"
#include "api/client_storage.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/json_types.h"

namespace stratus::api {

Error errorFromReply(const HttpReply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error"))
    return Error(ErrorCode::InternalError,
                 "stratusd answered HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
  return errorFromJson(j);
}

namespace {

const char* boolStr(bool b) { return b ? "1" : "0"; }

class ClientSubscription final : public daemon::EventSubscription {
 public:
  ClientSubscription(std::unique_ptr<SseStream> stream, daemon::EventCallback cb) : stream_(std::move(stream)) {
    thread_ = std::thread([this, cb = std::move(cb)] {
      while (auto data = stream_->next()) {
        auto j = nlohmann::json::parse(*data, nullptr, false);
        if (j.is_discarded()) continue;
        auto ev = fromJson<daemon::DomainEvent>(j, "event");
        if (ev.ok()) cb(*ev);
      }
      // The stream ended without us asking: tell the subscriber once.
      if (!closing_) {
        daemon::DomainEvent end;
        end.type = daemon::kEventStreamEnded;
        cb(end);
      }
    });
  }
  ~ClientSubscription() override {
    closing_ = true;
    stream_->shutdown();
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // dropped from inside its own callback
    } else if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  std::unique_ptr<SseStream> stream_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

class NodeClient final : public daemon::NodeService {
 public:
  NodeClient(Endpoint endpoint, std::string uri) : conn_(std::move(endpoint)), uri_(std::move(uri)) {}

  // Over TCP (or ssh) one request proves the token and the path now, not at
  // the first command.
  Status connect() {
    if (!conn_.endpoint().socketPath.empty()) return conn_.connect();
    auto r = conn_.request("GET", "/v1/host");  // dials once: a fresh connection is never retried
    if (!r.ok()) return r.error();
    if (r->status >= 400) return errorFromReply(*r);
    return okStatus();
  }

  // ---- plumbing ----
  static std::string domainPath(const std::string& key, std::string_view rest = {}) {
    std::string p = "/v1/domains/" + percentEncode(key);
    p.append(rest);
    return p;
  }

  Result<HttpReply> send(std::string_view method, const std::string& target, std::string_view ct = {},
                         std::string_view body = {}) {
    auto r = conn_.request(method, target, ct, body);
    if (!r.ok()) return r;
    if (r->status >= 300) return errorFromReply(*r);
    return r;
  }

  Result<nlohmann::json> sendJson(std::string_view method, const std::string& target, std::string_view ct = {},
                                  std::string_view body = {}) {
    auto r = send(method, target, ct, body);
    if (!r.ok()) return r.error();
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded())
      return Error(ErrorCode::InternalError, "stratusd sent malformed JSON for " + std::string(method) + " " + target);
    return j;
  }

  template <class T>
  Result<T> get(const std::string& target) {
    auto j = sendJson("GET", target);
    if (!j.ok()) return j.error();
    return fromJson<T>(*j, "reply");
  }

  Status status(std::string_view method, const std::string& target, const nlohmann::json& body) {
    std::string b = body.dump();
    auto r = send(method, target, "application/json", b);
    if (!r.ok()) return r.error();
    return okStatus();
  }

  static std::string scopeQuery(const daemon::ModifyScope& s) {
    return std::string("?live=") + boolStr(s.live) + "&config=" + boolStr(s.config);
  }

  // ---- NodeService ----
  std::string uri() override {
    std::lock_guard lk(uriMu_);
    if (uri_.empty()) {
      auto j = sendJson("GET", "/v1/host");
      if (j.ok() && j->contains("uri")) uri_ = j->value("uri", std::string());
    }
    return uri_;
  }

  Result<std::string> hostname() override {
    auto j = sendJson("GET", "/v1/host");
    if (!j.ok()) return j.error();
    return fromJson<std::string>(j->value("hostname", nlohmann::json()), "hostname");
  }
  Result<daemon::VersionInfo> version() override {
    auto j = sendJson("GET", "/v1/host");
    if (!j.ok()) return j.error();
    return fromJson<daemon::VersionInfo>(j->value("version", nlohmann::json::object()), "version");
  }
  Result<daemon::NodeInfo> nodeInfo() override {
    auto j = sendJson("GET", "/v1/host");
    if (!j.ok()) return j.error();
    return fromJson<daemon::NodeInfo>(j->value("nodeinfo", nlohmann::json::object()), "nodeinfo");
  }

  Result<std::vector<daemon::DomainSummary>> listDomains() override {
    auto r = send("GET", "/v1/domains");
    if (!r.ok()) return r.error();
    return decodeDomainList(r->body);
  }

  Result<daemon::DomainSummary> lookupDomain(const std::string& key) override {
    return get<daemon::DomainSummary>("/v1/lookup?key=" + percentEncode(key));
  }

  Result<daemon::DefineResult> defineDomain(const std::string& xml, const std::string& sourceName) override {
    auto j = sendJson("POST", "/v1/domains?source=" + percentEncode(sourceName), "application/xml", xml);
    if (!j.ok()) return j.error();
    return fromJson<daemon::DefineResult>(*j, "reply");
  }

  Status undefineDomain(const std::string& key, const daemon::UndefineOptions& o) override {
    std::string q = std::string("?managed_save=") + boolStr(o.managedSave) +
                    "&remove_all_storage=" + boolStr(o.removeAllStorage) + "&nvram=" + boolStr(o.nvram) +
                    "&keep_nvram=" + boolStr(o.keepNvram);
    auto r = send("DELETE", domainPath(key) + q);
    if (!r.ok()) return r.error();
    return okStatus();
  }

  Result<std::string> domainXml(const std::string& key, const daemon::XmlOptions& o) override {
    auto r = send("GET", domainPath(key, "/xml") + "?inactive=" + boolStr(o.inactive) +
                             "&security_info=" + boolStr(o.securityInfo));
    if (!r.ok()) return r.error();
    return std::move(r->body);
  }

  Result<daemon::DomainInfo> domainInfo(const std::string& key) override {
    return get<daemon::DomainInfo>(domainPath(key));
  }

  Status setAutostart(const std::string& key, bool enabled) override {
    return status("PUT", domainPath(key, "/autostart"), {{"enabled", enabled}});
  }

  Status setMetadata(const std::string& key, daemon::MetadataKind kind, const std::string& text,
                     const daemon::ModifyScope& scope) override {
    std::string target = domainPath(key, "/metadata/") + std::string(metadataKindName(kind)) + scopeQuery(scope);
    return status("PUT", target, {{"text", text}});
  }

  Result<std::string> getMetadata(const std::string& key, daemon::MetadataKind kind,
                                  const daemon::ModifyScope& scope) override {
    auto j = sendJson("GET", domainPath(key, "/metadata/") + std::string(metadataKindName(kind)) + scopeQuery(scope));
    if (!j.ok()) return j.error();
    return fromJson<std::string>(j->value("text", nlohmann::json()), "metadata text");
  }

  Status renameDomain(const std::string& key, const std::string& newName) override {
    return status("POST", domainPath(key, "/rename"), {{"name", newName}});
  }

  Result<daemon::DefineResult> createDomain(const std::string& xml, const std::string& sourceName,
                                            const daemon::StartOptions& o) override {
    std::string q = "?source=" + percentEncode(sourceName) + "&paused=" + boolStr(o.paused) +
                    "&autodestroy=" + boolStr(o.autodestroy) + "&bypass_cache=" + boolStr(o.bypassCache) +
                    "&force_boot=" + boolStr(o.forceBoot);
    auto j = sendJson("POST", "/v1/domains/create" + q, "application/xml", xml);
    if (!j.ok()) return j.error();
    return fromJson<daemon::DefineResult>(*j, "reply");
  }

  Status action(const std::string& key, const char* verb, const nlohmann::json& body = nlohmann::json::object()) {
    return status("POST", domainPath(key, "/actions/") + verb, body);
  }

  Status startDomain(const std::string& key, const daemon::StartOptions& o) override {
    return action(key, "start", o);
  }
  Status shutdownDomain(const std::string& key, const daemon::ShutdownOptions& o) override {
    return action(key, "shutdown", o);
  }
  Status destroyDomain(const std::string& key, const daemon::DestroyOptions& o) override {
    return action(key, "destroy", o);
  }
  Status suspendDomain(const std::string& key) override { return action(key, "suspend"); }
  Status resumeDomain(const std::string& key) override { return action(key, "resume"); }
  Status rebootDomain(const std::string& key) override { return action(key, "reboot"); }
  Status resetDomain(const std::string& key) override { return action(key, "reset"); }
  Status injectNmi(const std::string& key) override { return action(key, "inject-nmi"); }

  Status saveDomain(const std::string& key, const std::string& file, const daemon::SaveOptions& o) override {
    nlohmann::json b = o;
    b["file"] = file;
    return action(key, "save", b);
  }

  Result<daemon::DomainSummary> restoreDomain(const std::string& file, const daemon::SaveOptions& o) override {
    nlohmann::json b = o;
    b["file"] = file;
    std::string body = b.dump();
    auto j = sendJson("POST", "/v1/restore", "application/json", body);
    if (!j.ok()) return j.error();
    return fromJson<daemon::DomainSummary>(*j, "reply");
  }

  Status managedSave(const std::string& key, const daemon::SaveOptions& o) override {
    return action(key, "managedsave", o);
  }
  Status managedSaveRemove(const std::string& key) override { return action(key, "managedsave-remove"); }

  Result<daemon::JobInfo> domainJobInfo(const std::string& key, bool completed) override {
    return get<daemon::JobInfo>(domainPath(key, "/job") + "?completed=" + boolStr(completed));
  }
  Status abortDomainJob(const std::string& key) override {
    return status("POST", domainPath(key, "/job/abort"), nlohmann::json::object());
  }
  Result<std::string> saveImageXml(const std::string& file, const daemon::XmlOptions& o) override {
    auto r = send("GET", "/v1/save-image/xml?file=" + percentEncode(file) + "&security_info=" + boolStr(o.securityInfo));
    if (!r.ok()) return r.error();
    return std::move(r->body);
  }
  Status saveImageDefine(const std::string& file, const std::string& xml, const daemon::SaveOptions& o) override {
    auto r = send("PUT",
                  "/v1/save-image/xml?file=" + percentEncode(file) + "&running=" + boolStr(o.running) +
                      "&paused=" + boolStr(o.paused),
                  "application/xml", xml);
    if (!r.ok()) return r.error();
    return okStatus();
  }

  Status setMemory(const std::string& key, std::uint64_t kib, const daemon::ModifyScope& scope) override {
    nlohmann::json b = scope;
    b["kib"] = kib;
    return action(key, "setmem", b);
  }
  Status setMaxMemory(const std::string& key, std::uint64_t kib, const daemon::ModifyScope& scope) override {
    nlohmann::json b = scope;
    b["kib"] = kib;
    return action(key, "setmaxmem", b);
  }
  Status setVcpus(const std::string& key, unsigned count, const daemon::ModifyScope& scope, bool maximum) override {
    nlohmann::json b = scope;
    b["count"] = count;
    b["maximum"] = maximum;
    return action(key, "setvcpus", b);
  }

  // ---- devices (routes_domain_devices.cpp) ----
  Status deviceRequest(std::string_view method, const std::string& key, std::string_view rest, const std::string& xml,
                       const std::string& sourceName, const daemon::ModifyScope& scope, std::string_view extra = {}) {
    std::string target = domainPath(key, rest) + scopeQuery(scope) + "&source=" + percentEncode(sourceName);
    target.append(extra);
    auto r = send(method, target, "application/xml", xml);
    if (!r.ok()) return r.error();
    return okStatus();
  }
  Status attachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const daemon::ModifyScope& scope) override {
    return deviceRequest("POST", key, "/devices", xml, sourceName, scope);
  }
  Status detachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const daemon::ModifyScope& scope) override {
    return deviceRequest("POST", key, "/devices/detach", xml, sourceName, scope);
  }
  Status updateDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const daemon::ModifyScope& scope, bool force) override {
    return deviceRequest("PUT", key, "/devices", xml, sourceName, scope, force ? "&force=1" : "");
  }
  Status blockResize(const std::string& key, const std::string& disk, std::uint64_t bytes) override {
    return action(key, "blockresize", {{"disk", disk}, {"bytes", bytes}});
  }

  Result<int> openConsole(const std::string& key, const std::string& device) override {
    std::string target = domainPath(key, "/console");
    if (!device.empty()) target += "?device=" + percentEncode(device);
    return openUpgraded(conn_.endpoint(), target);
  }
  Result<std::string> consoleLog(const std::string& key, std::uint64_t maxBytes) override {
    auto r = send("GET", domainPath(key, "/console-log") + "?bytes=" + std::to_string(maxBytes));
    if (!r.ok()) return r.error();
    return std::move(r->body);
  }

  // ---- virtual networks ----
  // j[key] of a {"key": [...]} reply; an empty array when the reply has no such
  // member (fromJson then reports a member of the wrong type).
  static nlohmann::json listMember(const nlohmann::json& j, const char* key) {
    if (j.is_object())
      if (auto it = j.find(key); it != j.end()) return *it;
    return nlohmann::json::array();
  }

  static std::string networkPath(const std::string& key, std::string_view rest = {}) {
    std::string p = "/v1/networks/" + percentEncode(key);
    p.append(rest);
    return p;
  }

  Result<std::vector<daemon::NetworkSummary>> listNetworks() override {
    auto j = sendJson("GET", "/v1/networks");
    if (!j.ok()) return j.error();
    return fromJson<std::vector<daemon::NetworkSummary>>(listMember(*j, "networks"), "networks");
  }

  Result<daemon::NetworkSummary> lookupNetwork(const std::string& key) override {
    return get<daemon::NetworkSummary>(networkPath(key));
  }

  Result<daemon::NetworkDefineResult> defineNetwork(const std::string& xml, const std::string& sourceName) override {
    auto j = sendJson("POST", "/v1/networks?source=" + percentEncode(sourceName), "application/xml", xml);
    if (!j.ok()) return j.error();
    return fromJson<daemon::NetworkDefineResult>(*j, "reply");
  }

  Result<daemon::NetworkDefineResult> createNetwork(const std::string& xml, const std::string& sourceName) override {
    auto j = sendJson("POST", "/v1/networks/create?source=" + percentEncode(sourceName), "application/xml", xml);
    if (!j.ok()) return j.error();
    return fromJson<daemon::NetworkDefineResult>(*j, "reply");
  }

  Status undefineNetwork(const std::string& key) override {
    auto r = send("DELETE", networkPath(key));
    if (!r.ok()) return r.error();
    return okStatus();
  }

  Status networkAction(const std::string& key, const char* verb,
                       const nlohmann::json& body = nlohmann::json::object()) {
    return status("POST", networkPath(key, "/actions/") + verb, body);
  }

  Status startNetwork(const std::string& key) override { return networkAction(key, "start"); }
  Status destroyNetwork(const std::string& key) override { return networkAction(key, "destroy"); }
  Status setNetworkAutostart(const std::string& key, bool enabled) override {
    return networkAction(key, "autostart", {{"enabled", enabled}});
  }
  Status updateNetwork(const std::string& key, const daemon::NetworkUpdate& u,
                       const daemon::ModifyScope& scope) override {
    nlohmann::json b = u;
    b["live"] = scope.live;
    b["config"] = scope.config;
    return networkAction(key, "update", b);
  }

  Result<std::string> networkXml(const std::string& key, const daemon::NetworkXmlOptions& o) override {
    auto r = send("GET", networkPath(key, "/xml") + "?inactive=" + boolStr(o.inactive));
    if (!r.ok()) return r.error();
    return std::move(r->body);
  }

  Result<std::vector<daemon::DhcpLease>> networkDhcpLeases(const std::string& key, const std::string& mac) override {
    std::string target = networkPath(key, "/dhcp-leases");
    if (!mac.empty()) target += "?mac=" + percentEncode(mac);
    auto j = sendJson("GET", target);
    if (!j.ok()) return j.error();
    return fromJson<std::vector<daemon::DhcpLease>>(listMember(*j, "leases"), "leases");
  }

  Result<std::vector<daemon::NetworkPort>> listNetworkPorts(const std::string& key) override {
    auto j = sendJson("GET", networkPath(key, "/ports"));
    if (!j.ok()) return j.error();
    return fromJson<std::vector<daemon::NetworkPort>>(listMember(*j, "ports"), "ports");
  }

  // ---- statistics, tuning, device queries (client_stats.cpp) ----
  Result<daemon::NodeCpuMap> nodeCpuMap() override { return stats_.nodeCpuMap(); }
  Result<daemon::NodeCpuStats> nodeCpuStats(int cpu) override { return stats_.nodeCpuStats(cpu); }
  Result<daemon::NodeMemoryStats> nodeMemoryStats(int cell) override { return stats_.nodeMemoryStats(cell); }
  Result<std::vector<daemon::MemoryStat>> domainMemoryStats(const std::string& key) override {
    return stats_.domainMemoryStats(key);
  }
  Status setMemoryStatsPeriod(const std::string& key, int seconds, const daemon::ModifyScope& scope) override {
    return stats_.setMemoryStatsPeriod(key, seconds, scope);
  }
  Result<daemon::MemoryTune> memoryTune(const std::string& key, const daemon::ModifyScope& scope) override {
    return stats_.memoryTune(key, scope);
  }
  Status setMemoryTune(const std::string& key, const daemon::MemoryTuneUpdate& u,
                       const daemon::ModifyScope& scope) override {
    return stats_.setMemoryTune(key, u, scope);
  }
  Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const std::string& key) override { return stats_.vcpuInfo(key); }
  Result<daemon::VcpuPinInfo> vcpuPinInfo(const std::string& key, const daemon::ModifyScope& scope) override {
    return stats_.vcpuPinInfo(key, scope);
  }
  Status pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset,
                 const daemon::ModifyScope& scope) override {
    return stats_.pinVcpu(key, vcpu, cpuset, scope);
  }
  Result<std::string> emulatorPinInfo(const std::string& key, const daemon::ModifyScope& scope) override {
    return stats_.emulatorPinInfo(key, scope);
  }
  Status pinEmulator(const std::string& key, const std::string& cpuset, const daemon::ModifyScope& scope) override {
    return stats_.pinEmulator(key, cpuset, scope);
  }
  Result<daemon::BlockStats> blockStats(const std::string& key, const std::string& device) override {
    return stats_.blockStats(key, device);
  }
  Result<daemon::BlockInfo> blockInfo(const std::string& key, const std::string& device) override {
    return stats_.blockInfo(key, device);
  }
  Result<daemon::InterfaceStats> interfaceStats(const std::string& key, const std::string& device) override {
    return stats_.interfaceStats(key, device);
  }
  Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const std::string& key,
                                                                     daemon::AddressSource source) override {
    return stats_.interfaceAddresses(key, source);
  }
  Result<std::vector<daemon::DomainStatsRecord>> domainStats(const std::vector<std::string>& keys,
                                                             const daemon::DomainStatsQuery& query) override {
    return stats_.domainStats(keys, query);
  }

  // ---- storage pools and volumes (client_storage.cpp) ----
  Result<std::vector<daemon::PoolSummary>> listPools() override { return storage_.listPools(); }
  Result<daemon::PoolSummary> lookupPool(const std::string& pool) override { return storage_.lookupPool(pool); }
  Result<daemon::PoolDefineResult> definePool(const std::string& xml, const std::string& src) override {
    return storage_.definePool(xml, src);
  }
  Result<daemon::PoolDefineResult> createPool(const std::string& xml, const std::string& src,
                                              const daemon::PoolStartOptions& o) override {
    return storage_.createPool(xml, src, o);
  }
  Status buildPool(const std::string& pool, const daemon::PoolBuildOptions& o) override {
    return storage_.buildPool(pool, o);
  }
  Status startPool(const std::string& pool, const daemon::PoolStartOptions& o) override {
    return storage_.startPool(pool, o);
  }
  Status destroyPool(const std::string& pool) override { return storage_.destroyPool(pool); }
  Status deletePool(const std::string& pool) override { return storage_.deletePool(pool); }
  Status undefinePool(const std::string& pool) override { return storage_.undefinePool(pool); }
  Status refreshPool(const std::string& pool) override { return storage_.refreshPool(pool); }
  Result<std::string> poolXml(const std::string& pool, const daemon::PoolXmlOptions& o) override {
    return storage_.poolXml(pool, o);
  }
  Status setPoolAutostart(const std::string& pool, bool enabled) override {
    return storage_.setPoolAutostart(pool, enabled);
  }
  Result<std::string> findPoolSources(const std::string& type, const std::string& spec) override {
    return storage_.findPoolSources(type, spec);
  }
  Result<std::vector<daemon::VolumeSummary>> listVolumes(const std::string& pool) override {
    return storage_.listVolumes(pool);
  }
  Result<daemon::VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol) override {
    return storage_.lookupVolume(pool, vol);
  }
  Result<daemon::VolumeSummary> createVolume(const std::string& pool, const std::string& xml, const std::string& src,
                                             const daemon::VolumeCreateOptions& o) override {
    return storage_.createVolume(pool, xml, src, o);
  }
  Result<daemon::VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                                 const std::string& src, const std::string& fromPool,
                                                 const std::string& fromVol,
                                                 const daemon::VolumeCreateOptions& o) override {
    return storage_.createVolumeFrom(pool, xml, src, fromPool, fromVol, o);
  }
  Status deleteVolume(const std::string& pool, const std::string& vol) override {
    return storage_.deleteVolume(pool, vol);
  }
  Status wipeVolume(const std::string& pool, const std::string& vol, const daemon::VolumeWipeOptions& o) override {
    return storage_.wipeVolume(pool, vol, o);
  }
  Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                      const daemon::VolumeResizeOptions& o) override {
    return storage_.resizeVolume(pool, vol, capacity, o);
  }
  Result<std::string> volumeXml(const std::string& pool, const std::string& vol) override {
    return storage_.volumeXml(pool, vol);
  }
  Status uploadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& o,
                      daemon::VolumeSource& source) override {
    return storage_.uploadVolume(pool, vol, o, source);
  }
  Status downloadVolume(const std::string& pool, const std::string& vol, const daemon::VolumeTransferOptions& o,
                        daemon::VolumeSink& sink) override {
    return storage_.downloadVolume(pool, vol, o, sink);
  }
  Result<daemon::JobInfo> volumeJobInfo(const std::string& pool, const std::string& vol) override {
    return storage_.volumeJobInfo(pool, vol);
  }
  Status abortVolumeJob(const std::string& pool, const std::string& vol) override {
    return storage_.abortVolumeJob(pool, vol);
  }

  // ---- migration (client_migration.cpp) ----
  Result<daemon::MigrationBegin> migrateBegin(const std::string& key, const daemon::MigrateOptions& o) override {
    return migration_.begin(key, o);
  }
  Result<daemon::PreparedMigration> migratePrepare(const daemon::MigrationBegin& b,
                                                   const daemon::MigrateOptions& o) override {
    return migration_.prepare(b, o);
  }
  Result<daemon::MigrationOutcome> migratePerform(const std::string& key, const daemon::PreparedMigration& to,
                                                  const daemon::MigrateOptions& o) override {
    return migration_.perform(key, to, o);
  }
  Result<daemon::DomainSummary> migrateFinish(const std::string& name, bool ok,
                                              const daemon::MigrateOptions& o) override {
    return migration_.finish(name, ok, o);
  }
  Status migrateConfirm(const std::string& key, bool ok, const daemon::MigrateOptions& o) override {
    return migration_.confirm(key, ok, o);
  }
  Status migrateKeepalive(const std::string& name) override { return migration_.keepalive(name); }
  Status migrateTunnelIn(const std::string& name, const daemon::MigrationDataSource& data) override {
    return migration_.tunnelIn(name, data);
  }
  Result<daemon::MigrationOutcome> migrateToUri(const std::string& key, const std::string& destUri,
                                                const daemon::MigrateOptions& o) override {
    return migration_.toUri(key, destUri, o);
  }
  Status migrateSetMaxDowntime(const std::string& key, std::uint64_t ms) override {
    return migration_.setMaxDowntime(key, ms);
  }
  Result<std::uint64_t> migrateGetMaxDowntime(const std::string& key) override {
    return migration_.getMaxDowntime(key);
  }
  Status migrateSetSpeed(const std::string& key, std::uint64_t mib) override { return migration_.setSpeed(key, mib); }
  Result<std::uint64_t> migrateGetSpeed(const std::string& key) override { return migration_.getSpeed(key); }
  Status migrateStartPostcopy(const std::string& key) override { return migration_.startPostcopy(key); }

  Result<std::unique_ptr<daemon::EventSubscription>> subscribeEvents(daemon::EventCallback cb) override {
    auto stream = SseStream::open(conn_.endpoint(), "/v1/events");
    if (!stream.ok()) return stream.error();
    return std::unique_ptr<daemon::EventSubscription>(
        std::make_unique<ClientSubscription>(std::move(stream).value(), std::move(cb)));
  }

 private:
  HttpConnection conn_;
  StatsClient stats_{conn_};
  StorageClient storage_{conn_};
  MigrationClient migration_{conn_};
  std::mutex uriMu_;
  std::string uri_;
};

}  // namespace

Result<std::unique_ptr<daemon::NodeService>> connectToDaemon(const std::string& socketPath, const std::string& uri) {
  return connectToDaemon(unixEndpoint(socketPath), uri);
}

Result<std::unique_ptr<daemon::NodeService>> connectToDaemon(Endpoint endpoint, const std::string& uri) {
  auto client = std::make_unique<NodeClient>(std::move(endpoint), uri);
  STRATUS_TRY(client->connect());
  return std::unique_ptr<daemon::NodeService>(std::move(client));
}

}  // namespace stratus::api
