// A small in-memory NodeService for the API tests: it records every call with
// its arguments (so a test can check that options survive the wire) and
// answers from a map of domains. Keys starting with "err-" fail in telling
// ways; "slow" makes a call take a while.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "daemon/node_service.h"

namespace stratus::apitest {

class FakeNode final : public daemon::NodeService {
 public:
  FakeNode() {
    for (int i = 0; i < 3; ++i) {
      daemon::DomainSummary d;
      d.name = fmt::format("vm{}", i);
      d.uuid = fmt::format("00000000-0000-4000-8000-00000000000{}", i);
      d.id = i == 0 ? 1 : -1;
      d.state = i == 0 ? conf::DomainState::Running : conf::DomainState::Shutoff;
      d.reason = i == 0 ? 1 : 2;
      d.title = i == 1 ? "Title ünïcode \"quoted\"" : "";
      domains[d.name] = d;
    }
  }

  std::string lastCall() {
    std::lock_guard lk(mu);
    return calls.empty() ? "" : calls.back();
  }
  std::vector<std::string> allCalls() {
    std::lock_guard lk(mu);
    return calls;
  }
  void emit(const daemon::DomainEvent& ev) {
    std::lock_guard lk(mu);
    for (auto& [id, cb] : subscribers) cb(ev);
  }
  std::size_t subscriberCount() {
    std::lock_guard lk(mu);
    return subscribers.size();
  }

  // ---- NodeService ----
  std::string uri() override { return "fake:///node"; }
  Result<std::string> hostname() override {
    rec("hostname");
    return std::string("fakehost");
  }
  Result<daemon::VersionInfo> version() override {
    rec("version");
    return daemon::VersionInfo{"0.1.0", "Fake", "9.9.9"};
  }
  Result<daemon::NodeInfo> nodeInfo() override {
    rec("nodeInfo");
    daemon::NodeInfo n;
    n.model = "x86_64";
    n.cpus = 8;
    n.mhz = 2400;
    n.memoryKiB = 16u << 20;
    return n;
  }
  Result<std::vector<daemon::DomainSummary>> listDomains() override {
    std::lock_guard lk(mu);
    std::vector<daemon::DomainSummary> out;
    for (auto& [n, d] : domains) out.push_back(d);
    return out;
  }
  Result<daemon::DomainSummary> lookupDomain(const std::string& key) override {
    rec("lookup " + key);
    return find(key);
  }
  Result<daemon::DefineResult> defineDomain(const std::string& xml, const std::string& source) override {
    rec(fmt::format("define source={} xml={}", source, xml));
    if (xml.find("bad") != std::string::npos)
      return Error(ErrorCode::XmlInvalid, "unknown boot device 'floppy9'", ErrorLocation{source, 7, "domain/os/boot"});
    auto start = xml.find("<name>"), end = xml.find("</name>");
    if (start == std::string::npos || end == std::string::npos)
      return Error(ErrorCode::XmlSyntax, "no <name>", ErrorLocation{source, 1, ""});
    std::string name = xml.substr(start + 6, end - start - 6);
    std::lock_guard lk(mu);
    if (domains.count(name)) return Error(ErrorCode::DomainExists, "domain '" + name + "' already exists");
    daemon::DomainSummary d;
    d.name = name;
    d.uuid = fmt::format("11111111-0000-4000-8000-{:012}", domains.size());
    domains[name] = d;
    daemon::DefineResult r;
    r.domain = d;
    r.warnings.push_back(conf::Warning{"unknown element <frobnicate> kept", ErrorLocation{source, 3, "domain/frobnicate"}});
    return r;
  }
  Status undefineDomain(const std::string& key, const daemon::UndefineOptions& o) override {
    rec(fmt::format("undefine {} ms={} ras={} nv={} knv={}", key, o.managedSave, o.removeAllStorage, o.nvram,
                    o.keepNvram));
    std::lock_guard lk(mu);
    for (auto it = domains.begin(); it != domains.end(); ++it)
      if (it->first == key || it->second.uuid == key) {
        domains.erase(it);
        return okStatus();
      }
    return noDomain(key);
  }
  Result<std::string> domainXml(const std::string& key, const daemon::XmlOptions& o) override {
    rec(fmt::format("xml {} inactive={} sec={}", key, o.inactive, o.securityInfo));
    auto d = find(key);
    if (!d.ok()) return d.error();
    return fmt::format("<domain type='test'>\n  <name>{}</name>\n  <uuid>{}</uuid>\n</domain>\n", d->name, d->uuid);
  }
  Result<daemon::DomainInfo> domainInfo(const std::string& key) override {
    auto d = find(key);
    if (!d.ok()) return d.error();
    daemon::DomainInfo i;
    i.summary = *d;
    i.osType = "hvm";
    i.maxMemKiB = 1048576;
    i.usedMemKiB = 524288;
    i.vcpus = 2;
    i.cpuTimeNs = 123456789012ull;
    i.securityLabel = "label (enforcing)";
    return i;
  }
  Status setAutostart(const std::string& key, bool enabled) override {
    return simple(fmt::format("autostart {} {}", key, enabled), key);
  }
  Status setMetadata(const std::string& key, daemon::MetadataKind kind, const std::string& text,
                     const daemon::ModifyScope& s) override {
    std::lock_guard lk(mu);
    calls.push_back(fmt::format("setmeta {} {} live={} config={} text={}", key, static_cast<int>(kind), s.live,
                                s.config, text));
    metadata[key + static_cast<char>('0' + static_cast<int>(kind))] = text;
    return okStatus();
  }
  Result<std::string> getMetadata(const std::string& key, daemon::MetadataKind kind,
                                  const daemon::ModifyScope& s) override {
    std::lock_guard lk(mu);
    calls.push_back(fmt::format("getmeta {} {} live={} config={}", key, static_cast<int>(kind), s.live, s.config));
    auto it = metadata.find(key + static_cast<char>('0' + static_cast<int>(kind)));
    if (it == metadata.end()) return Error(ErrorCode::InvalidArgument, "metadata not found");
    return it->second;
  }
  Status renameDomain(const std::string& key, const std::string& newName) override {
    return simple(fmt::format("rename {} {}", key, newName), key);
  }
  Result<daemon::DefineResult> createDomain(const std::string& xml, const std::string& source,
                                            const daemon::StartOptions& o) override {
    rec(fmt::format("create source={} paused={} ad={} bc={} fb={}", source, o.paused, o.autodestroy, o.bypassCache,
                    o.forceBoot));
    daemon::DefineResult r;
    r.domain.name = "transient";
    r.domain.uuid = "22222222-0000-4000-8000-000000000000";
    r.domain.id = 7;
    r.domain.persistent = false;
    r.domain.state = conf::DomainState::Running;
    {
      std::lock_guard lk(mu);
      domains[r.domain.name] = r.domain;
    }
    return r;
  }
  Status startDomain(const std::string& key, const daemon::StartOptions& o) override {
    return simple(fmt::format("start {} paused={} ad={} bc={} fb={}", key, o.paused, o.autodestroy, o.bypassCache,
                              o.forceBoot),
                  key);
  }
  Status shutdownDomain(const std::string& key, const daemon::ShutdownOptions& o) override {
    return simple(fmt::format("shutdown {} mode={}", key, o.mode), key);
  }
  Status destroyDomain(const std::string& key, const daemon::DestroyOptions& o) override {
    return simple(fmt::format("destroy {} graceful={}", key, o.graceful), key);
  }
  Status suspendDomain(const std::string& key) override {
    if (key == "slow") {
      rec("suspend slow begin");
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      rec("suspend slow end");
      return okStatus();
    }
    return simple("suspend " + key, key);
  }
  Status resumeDomain(const std::string& key) override { return simple("resume " + key, key); }
  Status rebootDomain(const std::string& key) override { return simple("reboot " + key, key); }
  Status resetDomain(const std::string& key) override { return simple("reset " + key, key); }
  Status saveDomain(const std::string& key, const std::string& file, const daemon::SaveOptions& o) override {
    return simple(fmt::format("save {} {} running={} paused={} bc={}", key, file, o.running, o.paused, o.bypassCache),
                  key);
  }
  Result<daemon::DomainSummary> restoreDomain(const std::string& file, const daemon::SaveOptions& o) override {
    rec(fmt::format("restore {} running={} paused={} bc={}", file, o.running, o.paused, o.bypassCache));
    if (file == "/missing") return systemError("cannot open /missing", ENOENT);
    return find("vm0");
  }
  Status managedSave(const std::string& key, const daemon::SaveOptions& o) override {
    return simple(fmt::format("managedsave {} running={} paused={} bc={}", key, o.running, o.paused, o.bypassCache),
                  key);
  }
  Status managedSaveRemove(const std::string& key) override { return simple("managedsave-remove " + key, key); }
  Status setMemory(const std::string& key, std::uint64_t kib, const daemon::ModifyScope& s) override {
    return simple(fmt::format("setmem {} {} live={} config={}", key, kib, s.live, s.config), key);
  }
  Status setMaxMemory(const std::string& key, std::uint64_t kib, const daemon::ModifyScope& s) override {
    return simple(fmt::format("setmaxmem {} {} live={} config={}", key, kib, s.live, s.config), key);
  }
  Status setVcpus(const std::string& key, unsigned count, const daemon::ModifyScope& s, bool maximum) override {
    return simple(fmt::format("setvcpus {} {} live={} config={} max={}", key, count, s.live, s.config, maximum), key);
  }

  class Sub final : public daemon::EventSubscription {
   public:
    Sub(FakeNode& n, int id) : n_(n), id_(id) {}
    ~Sub() override {
      std::lock_guard lk(n_.mu);
      n_.subscribers.erase(id_);
    }

   private:
    FakeNode& n_;
    int id_;
  };
  Result<std::unique_ptr<daemon::EventSubscription>> subscribeEvents(daemon::EventCallback cb) override {
    std::lock_guard lk(mu);
    int id = nextSub++;
    subscribers[id] = std::move(cb);
    return std::unique_ptr<daemon::EventSubscription>(std::make_unique<Sub>(*this, id));
  }

  std::mutex mu;
  std::vector<std::string> calls;
  std::map<std::string, daemon::DomainSummary> domains;
  std::map<std::string, std::string> metadata;
  std::map<int, daemon::EventCallback> subscribers;
  int nextSub = 0;

 private:
  void rec(std::string s) {
    std::lock_guard lk(mu);
    calls.push_back(std::move(s));
  }
  static Error noDomain(const std::string& key) {
    return Error(ErrorCode::NoDomain, "Domain not found: no domain with matching name '" + key + "'");
  }
  Result<daemon::DomainSummary> find(const std::string& key) {
    std::lock_guard lk(mu);
    for (auto& [n, d] : domains)
      if (n == key || d.uuid == key || (d.id >= 0 && std::to_string(d.id) == key)) return d;
    return noDomain(key);
  }
  Status simple(std::string call, const std::string& key) {
    rec(std::move(call));
    if (key == "err-busy") return Error(ErrorCode::Busy, "another job holds the domain");
    if (key == "err-invalid") return Error(ErrorCode::OperationInvalid, "domain is not running");
    auto d = find(key);
    if (!d.ok()) return d.error();
    return okStatus();
  }
};

}  // namespace stratus::apitest
