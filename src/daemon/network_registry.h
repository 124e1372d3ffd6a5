// The node's virtual networks: definitions (unique names, UUIDs and bridge
// names), their running state through a NetworkBackend, persistence through
// a NetworkStore, and the ports guests hold on them. daemon::Node forwards
// the NodeService network verbs here and asks it to resolve a domain's
// <interface type='network'> before launch.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "conf/domain_def.h"
#include "daemon/network_store.h"
#include "daemon/types.h"
#include "network/network_backend.h"

namespace stratus::daemon {

struct NetworkObj {
  std::string name;
  Uuid uuid;
  std::optional<conf::NetworkDef> config;  // persistent definition; none = transient
  std::optional<conf::NetworkDef> live;    // definition of the running network
  network::RunningNetwork running;
  bool autostart = false;
  std::vector<NetworkPort> ports;
  bool active() const { return live.has_value(); }
  const conf::NetworkDef& current() const { return live ? *live : *config; }
};

class NetworkRegistry {
 public:
  // `store` empty: nothing persisted (in-memory nodes).
  NetworkRegistry(std::optional<NetworkStore> store, std::unique_ptr<network::NetworkBackend> backend);

  // Loads definitions, reattaches running networks, and on a node's first
  // start defines libvirt's `default` NAT network (not autostarted).
  Status load(bool defineDefaultOnFirstStart);
  // Starts networks marked autostart.
  void autostart();

  Result<std::vector<NetworkSummary>> list();
  Result<NetworkSummary> lookup(const std::string& key);
  Result<NetworkDefineResult> define(const std::string& xml, const std::string& sourceName);
  Result<NetworkDefineResult> create(const std::string& xml, const std::string& sourceName);
  Status undefine(const std::string& key);
  Status start(const std::string& key);
  Status destroy(const std::string& key);
  Result<std::string> xml(const std::string& key, const NetworkXmlOptions& opts);
  Status setAutostart(const std::string& key, bool enabled);
  Status update(const std::string& key, const NetworkUpdate& u, const ModifyScope& scope);
  Result<std::vector<DhcpLease>> leases(const std::string& key, const std::string& mac);
  Result<std::vector<NetworkPort>> ports(const std::string& key);
  // The running definition of an active network (nullopt otherwise).
  std::optional<conf::NetworkDef> liveDefinition(const std::string& key) const;

  // ---- guests ----
  // Points every <interface type='network'> of `def` (the definition about
  // to run) at its network's bridge (<source bridge=...>, plus the
  // network's virtualport/portgroup). Fails when a network is missing or
  // inactive, or its forward mode cannot carry a tap.
  Status resolveInterfaces(conf::DomainDef& def);
  // Records the ports of a running domain (after launch or reattach).
  void recordPorts(const std::string& domainName, const Uuid& domainUuid, const conf::DomainDef& live);
  void releasePorts(const Uuid& domainUuid);
  // The port of one NIC (by MAC) of a domain, after a hot-unplug.
  void releasePort(const Uuid& domainUuid, const std::string& mac);

 private:
  using Ptr = std::shared_ptr<NetworkObj>;
  Result<conf::ParsedNetwork> parse(const std::string& xml, const std::string& sourceName) const;
  Ptr find(const std::string& key) const;  // mu held
  Result<Ptr> get(const std::string& key) const;
  NetworkSummary summarize(const NetworkObj& n) const;
  // The bridge name a new definition gets, when it left it to us ("virbr%d").
  Status assignBridge(conf::NetworkDef& def, const NetworkObj* self);
  Status checkConflicts(const conf::NetworkDef& def, Ptr& existing);
  Status startLocked(const Ptr& n);  // opMu held
  void persistStatus(const NetworkObj& n);

  std::optional<NetworkStore> store_;
  std::unique_ptr<network::NetworkBackend> backend_;
  std::mutex opMu_;  // one modifying network operation at a time
  mutable std::shared_mutex mu_;  // guards the maps and the objects' fields
  std::map<std::string, Ptr> byName_;
};

// libvirt's default network: NAT on virbr0, 192.168.122.0/24, DHCP .2-.254
// (with `uuid` when given; otherwise one is generated at define).
std::string defaultNetworkXml(const std::string& uuid = "");

}  // namespace stratus::daemon
