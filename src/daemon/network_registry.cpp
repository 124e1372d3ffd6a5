#include "daemon/network_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "conf/network_update.h"

namespace stratus::daemon {

std::string defaultNetworkXml(const std::string& uuid) {
  return std::string("<network>\n  <name>default</name>\n") + (uuid.empty() ? "" : "  <uuid>" + uuid + "</uuid>\n") +
         R"(  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
)";
}

namespace {

Error noNetwork(const std::string& key) {
  return Error(ErrorCode::NoNetwork, "Network not found: no network with matching name '" + key + "'");
}
Error notActive() { return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: network is not active"); }

}  // namespace

Result<conf::ParsedNetwork> NetworkRegistry::parse(const std::string& xml, const std::string& sourceName) const {
  conf::NetworkParseOptions po;
  po.generateBridgeMac = backend_->providesBridges();
  return conf::parseNetworkXml(xml, sourceName, po);
}

NetworkRegistry::NetworkRegistry(std::optional<NetworkStore> store, std::unique_ptr<network::NetworkBackend> backend)
    : store_(std::move(store)), backend_(std::move(backend)) {}

NetworkRegistry::Ptr NetworkRegistry::find(const std::string& key) const {
  if (auto it = byName_.find(key); it != byName_.end()) return it->second;
  if (auto u = Uuid::parse(key)) {
    for (const auto& [name, n] : byName_)
      if (n->uuid == *u) return n;
  }
  return nullptr;
}

Result<NetworkRegistry::Ptr> NetworkRegistry::get(const std::string& key) const {
  std::shared_lock lk(mu_);
  if (auto n = find(key)) return n;
  return noNetwork(key);
}

NetworkSummary NetworkRegistry::summarize(const NetworkObj& n) const {
  NetworkSummary s;
  s.name = n.name;
  s.uuid = n.uuid.str();
  s.active = n.active();
  s.persistent = n.config.has_value();
  s.autostart = n.autostart;
  s.bridge = n.active() ? n.running.bridge : n.current().bridge.name;
  return s;
}

Status NetworkRegistry::load(bool defineDefaultOnFirstStart) {
  bool first = true;
  if (store_) {
    STRATUS_TRY(store_->prepare());
    first = store_->firstStart();
    std::vector<LoadProblem> problems;
    for (auto& sn : store_->loadConfigs(problems)) {
      auto n = std::make_shared<NetworkObj>();
      n->name = sn.def.name;
      n->uuid = sn.def.uuid;
      n->autostart = sn.autostart;
      n->config = std::move(sn.def);
      byName_[n->name] = n;
    }
    for (auto& st : store_->loadStatuses(problems)) {
      auto n = find(st.live.name);
      if (!n) {
        n = std::make_shared<NetworkObj>();  // a transient network
        n->name = st.live.name;
        n->uuid = st.live.uuid;
      }
      if (auto s = backend_->reattach(st.live, st.running); !s) {
        spdlog::warn("network '{}' is no longer running ({}); cleaning up what is left", st.live.name,
                     s.error().message);
        (void)backend_->stop(st.live, st.running);
        (void)store_->removeStatus(st.live.name);
        continue;
      }
      n->live = std::move(st.live);
      n->running = st.running;
      byName_[n->name] = n;
    }
    for (const auto& p : problems) spdlog::warn("{}: {}", p.file, p.message);
  }
  if (defineDefaultOnFirstStart && first && !byName_.count("default")) {
    if (auto r = define(defaultNetworkXml(), "default network"); !r)
      spdlog::warn("cannot define the default network: {}", r.error().describe());
  }
  return okStatus();
}

void NetworkRegistry::autostart() {
  std::vector<std::string> names;
  {
    std::shared_lock lk(mu_);
    for (const auto& [name, n] : byName_)
      if (n->autostart && !n->active()) names.push_back(name);
  }
  for (const auto& name : names)
    if (auto s = start(name); !s) spdlog::error("autostart of network '{}' failed: {}", name, s.error().describe());
}

Result<std::vector<NetworkSummary>> NetworkRegistry::list() {
  std::shared_lock lk(mu_);
  std::vector<NetworkSummary> out;
  for (const auto& [name, n] : byName_) out.push_back(summarize(*n));
  return out;
}

Result<NetworkSummary> NetworkRegistry::lookup(const std::string& key) {
  std::shared_lock lk(mu_);
  if (auto n = find(key)) return summarize(*n);
  return noNetwork(key);
}

Status NetworkRegistry::assignBridge(conf::NetworkDef& def, const NetworkObj* self) {
  std::set<std::string> used;
  for (const auto& [name, n] : byName_) {
    if (n.get() == self) continue;
    if (n->config) used.insert(n->config->bridge.name);
    if (n->live) used.insert(n->running.bridge.empty() ? n->live->bridge.name : n->running.bridge);
  }
  std::string& br = def.bridge.name;
  if (br.find("%d") != std::string::npos) {
    for (int i = 0; i < 256; ++i) {
      std::string cand = br.substr(0, br.find("%d")) + std::to_string(i) + br.substr(br.find("%d") + 2);
      if (!used.count(cand) && !backend_->interfaceExists(cand)) {
        br = cand;
        return okStatus();
      }
    }
    return Error(ErrorCode::OperationFailed, "operation failed: no free bridge name for template '" + br + "'");
  }
  // Only networks that make their own bridge own its name.
  if (def.needsBridge() && !br.empty() && used.count(br))
    return Error(ErrorCode::OperationFailed, "internal error: bridge name '" + br + "' already in use.");
  return okStatus();
}

Status NetworkRegistry::checkConflicts(const conf::NetworkDef& def, Ptr& existing) {
  if (auto it = byName_.find(def.name); it != byName_.end()) {
    existing = it->second;
    if (existing->uuid != def.uuid)
      return Error(ErrorCode::OperationFailed, "operation failed: network '" + def.name +
                                                   "' already exists with uuid " + existing->uuid.str());
    return okStatus();
  }
  for (const auto& [name, n] : byName_)
    if (n->uuid == def.uuid)
      return Error(ErrorCode::OperationFailed, "operation failed: network '" + name +
                                                   "' is already defined with uuid " + def.uuid.str());
  return okStatus();
}

Result<NetworkDefineResult> NetworkRegistry::define(const std::string& xml, const std::string& sourceName) {
  auto parsed = parse(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  conf::NetworkDef def = std::move(parsed->def);
  std::lock_guard op(opMu_);
  Ptr existing;
  {
    std::shared_lock lk(mu_);
    STRATUS_TRY(checkConflicts(def, existing));
    STRATUS_TRY(assignBridge(def, existing.get()));
  }
  // Persist first: if the write fails, nothing in memory changed either.
  if (store_) STRATUS_TRY(store_->saveConfig(def));
  std::unique_lock lk(mu_);
  if (!existing) {
    existing = std::make_shared<NetworkObj>();
    existing->name = def.name;
    existing->uuid = def.uuid;
    byName_[def.name] = existing;
  }
  existing->config = std::move(def);
  return NetworkDefineResult{summarize(*existing), std::move(parsed->warnings)};
}

Result<NetworkDefineResult> NetworkRegistry::create(const std::string& xml, const std::string& sourceName) {
  auto parsed = parse(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  conf::NetworkDef def = std::move(parsed->def);
  std::lock_guard op(opMu_);
  auto n = std::make_shared<NetworkObj>();
  {
    std::unique_lock lk(mu_);
    Ptr existing;
    STRATUS_TRY(checkConflicts(def, existing));
    if (existing) {
      if (existing->active())
        return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: network '" + def.name + "' is already active");
      n = existing;  // starts the defined network with this XML, as libvirt
    }
    STRATUS_TRY(assignBridge(def, n.get()));
    n->name = def.name;
    n->uuid = def.uuid;
  }
  auto rn = backend_->start(def);
  if (!rn) return std::move(rn).error();
  std::unique_lock lk(mu_);
  n->live = std::move(def);
  n->running = *rn;
  byName_[n->name] = n;
  persistStatus(*n);
  return NetworkDefineResult{summarize(*n), std::move(parsed->warnings)};
}

Status NetworkRegistry::undefine(const std::string& key) {
  std::lock_guard op(opMu_);
  auto n = get(key);
  if (!n) return std::move(n).error();
  auto& obj = **n;
  {
    std::shared_lock lk(mu_);
    if (!obj.config) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: network is not persistent");
  }
  if (store_) STRATUS_TRY(store_->removeConfig(obj.name));
  std::unique_lock lk(mu_);
  obj.config.reset();
  obj.autostart = false;
  if (!obj.active()) byName_.erase(obj.name);
  else persistStatus(obj);  // now transient: its status says so
  return okStatus();
}

void NetworkRegistry::persistStatus(const NetworkObj& n) {
  if (!store_ || !n.live) return;
  StoredNetworkStatus st;
  st.live = *n.live;
  st.running = n.running;
  st.persistent = n.config.has_value();
  if (auto s = store_->saveStatus(st); !s)
    spdlog::error("network '{}': cannot write status: {}", n.name, s.error().describe());
}

Status NetworkRegistry::startLocked(const Ptr& n) {
  conf::NetworkDef def;
  {
    std::shared_lock lk(mu_);
    if (n->active())
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: Network '" + n->name + "' is already running");
    def = *n->config;
  }
  auto rn = backend_->start(def);
  if (!rn) return std::move(rn).error();
  std::unique_lock lk(mu_);
  n->live = std::move(def);
  n->running = *rn;
  persistStatus(*n);
  return okStatus();
}

Status NetworkRegistry::start(const std::string& key) {
  std::lock_guard op(opMu_);
  auto n = get(key);
  if (!n) return std::move(n).error();
  return startLocked(*n);
}

Status NetworkRegistry::destroy(const std::string& key) {
  std::lock_guard op(opMu_);
  auto n = get(key);
  if (!n) return std::move(n).error();
  auto& obj = **n;
  conf::NetworkDef live;
  network::RunningNetwork rn;
  {
    std::shared_lock lk(mu_);
    if (!obj.active()) return notActive();
    live = *obj.live;
    rn = obj.running;
  }
  Status st = backend_->stop(live, rn);
  std::unique_lock lk(mu_);
  // Even when part of the teardown failed the network is no longer usable:
  // record it stopped and report what was left behind.
  obj.live.reset();
  obj.running = {};
  if (store_) (void)store_->removeStatus(obj.name);
  if (!obj.config) byName_.erase(obj.name);
  return st;
}

Result<std::string> NetworkRegistry::xml(const std::string& key, const NetworkXmlOptions& opts) {
  std::shared_lock lk(mu_);
  auto n = find(key);
  if (!n) return noNetwork(key);
  conf::NetworkFormatOptions fo;
  if (opts.inactive && n->config) {
    fo.inactive = true;
    return conf::formatNetworkXml(*n->config, fo);
  }
  // Simulated networks show no connections, as libvirt's test driver.
  if (n->active() && !n->ports.empty() && backend_->providesBridges()) fo.connections = static_cast<unsigned>(n->ports.size());
  return conf::formatNetworkXml(n->current(), fo);
}

Status NetworkRegistry::setAutostart(const std::string& key, bool enabled) {
  std::lock_guard op(opMu_);
  auto n = get(key);
  if (!n) return std::move(n).error();
  {
    std::shared_lock lk(mu_);
    if (!(*n)->config)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot set autostart for transient network");
  }
  if (store_) STRATUS_TRY(store_->setAutostart((*n)->name, enabled));
  std::unique_lock lk(mu_);
  (*n)->autostart = enabled;
  return okStatus();
}

Status NetworkRegistry::update(const std::string& key, const NetworkUpdate& u, const ModifyScope& scope) {
  std::lock_guard op(opMu_);
  auto got = get(key);
  if (!got) return std::move(got).error();
  auto n = *got;
  std::optional<conf::NetworkDef> newLive, newConfig;
  network::RunningNetwork rn;
  bool live, config;
  {
    std::shared_lock lk(mu_);
    live = scope.live || (!scope.config && n->active());
    config = scope.config || (!scope.live && !n->active());
    if (live && !n->active())
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: network is not running");
    if (config && !n->config)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot change persistent config of a transient network");
    if (live) newLive = *n->live;
    if (config) newConfig = *n->config;
    rn = n->running;
  }
  if (newLive) STRATUS_TRY(conf::applyNetworkUpdate(*newLive, u.command, u.section, u.xml, u.parentIndex, "<update>"));
  if (newConfig) STRATUS_TRY(conf::applyNetworkUpdate(*newConfig, u.command, u.section, u.xml, u.parentIndex, "<update>"));
  if (newConfig && store_) STRATUS_TRY(store_->saveConfig(*newConfig));
  if (newLive) {
    // dnsmasq rereads its host files; guests keep running and keep their leases.
    if (auto s = backend_->reload(*newLive, rn); !s) {
      if (newConfig) {
        std::unique_lock lk(mu_);
        n->config = std::move(newConfig);
      }
      return s;
    }
  }
  std::unique_lock lk(mu_);
  if (newConfig) n->config = std::move(newConfig);
  if (newLive) {
    n->live = std::move(newLive);
    n->running = rn;
    persistStatus(*n);
  }
  return okStatus();
}

std::optional<conf::NetworkDef> NetworkRegistry::liveDefinition(const std::string& key) const {
  std::shared_lock lk(mu_);
  auto n = find(key);
  if (!n || !n->active()) return std::nullopt;
  return *n->live;
}

Result<std::vector<DhcpLease>> NetworkRegistry::leases(const std::string& key, const std::string& mac) {
  conf::NetworkDef live;
  network::RunningNetwork rn;
  {
    std::shared_lock lk(mu_);
    auto n = find(key);
    if (!n) return noNetwork(key);
    if (!n->active()) return notActive();
    live = *n->live;
    rn = n->running;
  }
  auto leases = backend_->leases(live, rn);
  if (!leases) return std::move(leases).error();
  std::string want = mac;
  std::transform(want.begin(), want.end(), want.begin(), ::tolower);
  std::vector<DhcpLease> out;
  for (const auto& l : *leases) {
    if (!want.empty() && l.mac != want) continue;
    DhcpLease d;
    d.expiryTime = l.expiry;
    d.mac = l.mac;
    d.type = l.v6 ? "ipv6" : "ipv4";
    d.ipaddr = l.ip;
    for (const auto& ip : live.ips)
      if (ip.isV6() == l.v6) {
        d.prefix = ip.prefixLength();
        break;
      }
    d.hostname = l.hostname.empty() ? "-" : l.hostname;
    d.clientId = l.clientId.empty() ? "-" : l.clientId;
    d.iface = rn.bridge;
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const DhcpLease& a, const DhcpLease& b) { return a.ipaddr < b.ipaddr; });
  return out;
}

Result<std::vector<NetworkPort>> NetworkRegistry::ports(const std::string& key) {
  std::shared_lock lk(mu_);
  auto n = find(key);
  if (!n) return noNetwork(key);
  return n->ports;
}

Status NetworkRegistry::resolveInterfaces(conf::DomainDef& def) {
  std::shared_lock lk(mu_);
  auto& ifs = def.devices.interfaces;
  for (std::size_t i = 0; i < ifs.size(); ++i) {
    auto& iface = ifs[i];
    if (iface.type != "network") continue;
    auto n = find(iface.sourceNetwork);
    if (!n) return Error(ErrorCode::NoNetwork, "Network not found: no network with matching name '" + iface.sourceNetwork + "'");
    if (!n->active())
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: network '" + n->name + "' is not active");
    const auto& net = *n->live;
    using M = conf::ForwardMode;
    if (net.forward.mode != M::None && net.forward.mode != M::Nat && net.forward.mode != M::Route &&
        net.forward.mode != M::Open && net.forward.mode != M::Bridge)
      return Error(ErrorCode::Unsupported,
                   "unsupported configuration: interface " + std::to_string(i) + ": network '" + n->name +
                       "' has forward mode '" + std::string(conf::forwardModeName(net.forward.mode)) +
                       "', which this node does not implement (macvtap/hostdev)");
    if (!backend_->providesBridges()) continue;
    iface.sourceBridge = n->running.bridge.empty() ? net.bridge.name : n->running.bridge;
    // The network's Open vSwitch port type reaches the guest's tap.
    std::string vport = net.virtualportType;
    for (const auto& pg : net.portgroups)
      if ((iface.sourcePortgroup.empty() && pg.isDefault) || pg.name == iface.sourcePortgroup)
        if (!pg.virtualportType.empty()) vport = pg.virtualportType;
    if (!vport.empty()) {
      bool has = std::any_of(iface.extra.elements.begin(), iface.extra.elements.end(),
                             [](const conf::XmlElement& e) { return e.name == "virtualport"; });
      if (!has) {
        conf::XmlElement vp("virtualport");
        vp.set("type", vport);
        iface.extra.elements.push_back(std::move(vp));
      }
    }
  }
  return okStatus();
}

void NetworkRegistry::recordPorts(const std::string& domainName, const Uuid& domainUuid, const conf::DomainDef& live) {
  std::unique_lock lk(mu_);
  for (const auto& iface : live.devices.interfaces) {
    if (iface.type != "network") continue;
    auto n = find(iface.sourceNetwork);
    if (!n) continue;
    NetworkPort p;
    p.uuid = Uuid::generate().str();
    p.ownerName = domainName;
    p.ownerUuid = domainUuid.str();
    p.mac = iface.mac;
    p.tapName = iface.targetDev;
    n->ports.push_back(std::move(p));
  }
}

void NetworkRegistry::releasePort(const Uuid& domainUuid, const std::string& mac) {
  std::unique_lock lk(mu_);
  std::string u = domainUuid.str();
  for (auto& [name, n] : byName_)
    std::erase_if(n->ports, [&](const NetworkPort& p) { return p.ownerUuid == u && p.mac == mac; });
}

void NetworkRegistry::releasePorts(const Uuid& domainUuid) {
  std::unique_lock lk(mu_);
  std::string u = domainUuid.str();
  for (auto& [name, n] : byName_)
    std::erase_if(n->ports, [&](const NetworkPort& p) { return p.ownerUuid == u; });
}

}  // namespace stratus::daemon
