// A small in-memory NodeService for the API tests: it records every call with
// its arguments (so a test can check that options survive the wire) and
// answers from a map of domains. Keys starting with "err-" fail in telling
// ways; "slow" makes a call take a while.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "daemon/node_service.h"

namespace stratus::apitest {

class FakeNode : public daemon::NodeService {
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
    daemon::NetworkSummary def;
    def.name = "default";
    def.uuid = "dd8fe884-6c02-601e-7551-cca97df1c5df";
    def.active = true;
    def.bridge = "virbr0";
    networks[def.name] = def;
    daemon::NetworkSummary iso;
    iso.name = "isolated net";
    iso.uuid = "5a9d3d55-2d0e-4bd2-9a4b-6c6a8b2f6f10";
    iso.autostart = true;
    iso.bridge = "virbr5";
    networks[iso.name] = iso;
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

  // ---- virtual networks ----
  Result<std::vector<daemon::NetworkSummary>> listNetworks() override {
    rec("listNetworks");
    std::lock_guard lk(mu);
    std::vector<daemon::NetworkSummary> out;
    for (auto& [n, net] : networks) out.push_back(net);
    return out;
  }
  Result<daemon::NetworkSummary> lookupNetwork(const std::string& key) override {
    rec("lookupNetwork " + key);
    return findNetwork(key);
  }
  Result<daemon::NetworkDefineResult> defineNetwork(const std::string& xml, const std::string& source) override {
    rec(fmt::format("defineNetwork source={} xml={}", source, xml));
    return addNetwork(xml, source, true);
  }
  Result<daemon::NetworkDefineResult> createNetwork(const std::string& xml, const std::string& source) override {
    rec(fmt::format("createNetwork source={} xml={}", source, xml));
    return addNetwork(xml, source, false);
  }
  Status undefineNetwork(const std::string& key) override {
    rec("undefineNetwork " + key);
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::lock_guard lk(mu);
    if (n->active) {
      networks[n->name].persistent = false;
      return okStatus();
    }
    networks.erase(n->name);
    return okStatus();
  }
  Status startNetwork(const std::string& key) override {
    rec("startNetwork " + key);
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::lock_guard lk(mu);
    if (n->active)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: Network '" + n->name + "' is already running");
    networks[n->name].active = true;
    return okStatus();
  }
  Status destroyNetwork(const std::string& key) override {
    rec("destroyNetwork " + key);
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::lock_guard lk(mu);
    if (!n->active)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: network is not active");
    if (n->persistent)
      networks[n->name].active = false;
    else
      networks.erase(n->name);
    return okStatus();
  }
  Result<std::string> networkXml(const std::string& key, const daemon::NetworkXmlOptions& o) override {
    rec(fmt::format("networkXml {} inactive={}", key, o.inactive));
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::lock_guard lk(mu);
    std::string hosts;
    for (const auto& h : dhcpHosts[n->name]) hosts += "      " + h + "\n";
    return fmt::format(
        "<network>\n  <name>{}</name>\n  <uuid>{}</uuid>\n{}  <bridge name='{}' stp='on' delay='0'/>\n"
        "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n"
        "      <range start='192.168.122.2' end='192.168.122.254'/>\n{}    </dhcp>\n  </ip>\n</network>\n",
        n->name, n->uuid, n->name == "default" ? "  <forward mode='nat'/>\n" : "", n->bridge, hosts);
  }
  Status setNetworkAutostart(const std::string& key, bool enabled) override {
    rec(fmt::format("setNetworkAutostart {} {}", key, enabled));
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::lock_guard lk(mu);
    networks[n->name].autostart = enabled;
    return okStatus();
  }
  Status updateNetwork(const std::string& key, const daemon::NetworkUpdate& u, const daemon::ModifyScope& s) override {
    rec(fmt::format("updateNetwork {} command={} section={} parent={} live={} config={} xml={}", key, u.command,
                    u.section, u.parentIndex, s.live, s.config, u.xml));
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    if (u.section != "ip-dhcp-host")
      return Error(ErrorCode::Unsupported, "can't update '" + u.section + "' section of network '" + n->name + "'");
    std::lock_guard lk(mu);
    auto& hosts = dhcpHosts[n->name];
    if (u.command == "delete") {
      auto it = std::find(hosts.begin(), hosts.end(), u.xml);
      if (it == hosts.end())
        return Error(ErrorCode::OperationInvalid,
                     "Requested operation is not valid: couldn't locate a matching dhcp host entry in network '" +
                         n->name + "'");
      hosts.erase(it);
    } else if (u.command == "add-first") {
      hosts.insert(hosts.begin(), u.xml);
    } else {
      hosts.push_back(u.xml);
    }
    return okStatus();
  }
  Result<std::vector<daemon::DhcpLease>> networkDhcpLeases(const std::string& key, const std::string& mac) override {
    rec(fmt::format("networkDhcpLeases {} mac={}", key, mac));
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    std::vector<daemon::DhcpLease> out;
    daemon::DhcpLease a{1700000000, "52:54:00:bb:00:02", "ipv4", "192.168.122.12", 24, "web", "-", n->bridge};
    daemon::DhcpLease b{1700003600, "52:54:00:AA:00:01", "ipv4", "192.168.122.11", 24, "-", "01:52:54:00:aa:00:01",
                        n->bridge};
    daemon::DhcpLease c{0, "52:54:00:cc:00:03", "ipv6", "fd00::12", 64, "", "", n->bridge};
    for (auto& l : {a, b, c})
      if (mac.empty() || mac == l.mac) out.push_back(l);
    return out;
  }
  Result<std::vector<daemon::NetworkPort>> listNetworkPorts(const std::string& key) override {
    rec("listNetworkPorts " + key);
    auto n = findNetwork(key);
    if (!n.ok()) return n.error();
    return std::vector<daemon::NetworkPort>{
        {"f0000000-0000-4000-8000-000000000002", "vm1", "00000000-0000-4000-8000-000000000001", "52:54:00:bb:00:02",
         "vnet1"},
        {"a0000000-0000-4000-8000-000000000001", "vm0", "00000000-0000-4000-8000-000000000000", "52:54:00:aa:00:01",
         "vnet0"}};
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
  std::map<std::string, daemon::NetworkSummary> networks;
  std::map<std::string, std::vector<std::string>> dhcpHosts;  // network -> <host/> elements added
  std::map<std::string, std::string> metadata;
  std::map<int, daemon::EventCallback> subscribers;
  int nextSub = 0;

 protected:  // helpers for fakes that extend this one
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
  Result<daemon::NetworkSummary> findNetwork(const std::string& key) {
    if (key == "err-unsupported")
      return Error(ErrorCode::Unsupported,
                   "this function is not supported by the connection driver: virNetworkLookupByName");
    std::lock_guard lk(mu);
    auto lower = [](std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (auto& [n, net] : networks)
      if (n == key || net.uuid == lower(key)) return net;
    return Error(ErrorCode::NoNetwork, "Network not found: no network with matching name '" + key + "'");
  }
  // The text between `open` and `close` in `xml`, or "".
  static std::string between(const std::string& xml, const std::string& open, const std::string& close) {
    auto a = xml.find(open);
    if (a == std::string::npos) return {};
    a += open.size();
    auto b = xml.find(close, a);
    return b == std::string::npos ? std::string() : xml.substr(a, b - a);
  }
  // <network><name>N</name>[<uuid>U</uuid>][<bridge name='B'...]: "bad" in
  // the XML is an XML error; a known name with another UUID a duplicate, with
  // the same UUID a new definition (as libvirt).
  Result<daemon::NetworkDefineResult> addNetwork(const std::string& xml, const std::string& source, bool persistent) {
    if (xml.find("bad") != std::string::npos)
      return Error(ErrorCode::XmlInvalid, "unknown forward mode 'frob'", ErrorLocation{source, 3, "network/forward"});
    std::string name = between(xml, "<name>", "</name>");
    if (name.empty()) return Error(ErrorCode::XmlSyntax, "no <name>", ErrorLocation{source, 1, ""});
    std::string uuid = between(xml, "<uuid>", "</uuid>");
    std::lock_guard lk(mu);
    auto it = networks.find(name);
    if (it != networks.end() && it->second.uuid != uuid)
      return Error(ErrorCode::OperationFailed,
                   "operation failed: network '" + name + "' already exists with uuid " + it->second.uuid);
    daemon::NetworkSummary n;
    n.name = name;
    n.uuid = uuid.empty() ? fmt::format("33333333-0000-4000-8000-{:012}", networks.size()) : uuid;
    n.persistent = persistent;
    n.active = !persistent || (it != networks.end() && it->second.active);
    n.autostart = it != networks.end() && it->second.autostart;
    n.bridge = between(xml, "<bridge name='", "'");
    if (n.bridge.empty()) n.bridge = "virbr9";
    networks[name] = n;
    daemon::NetworkDefineResult r;
    r.network = n;
    if (xml.find("<frob") != std::string::npos)
      r.warnings.push_back(conf::Warning{"unknown element <frob> kept", ErrorLocation{source, 4, "network/frob"}});
    return r;
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
