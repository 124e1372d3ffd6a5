// What a virtual network needs from the host, behind one interface so the
// daemon can run real networks (bridges, dnsmasq, nftables: HostNetworkBackend)
// or simulated ones (the test driver: SimulatedNetworkBackend).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conf/network_def.h"
#include "util/error.h"

namespace stratus::network {

// What the daemon must remember about a running network to stop it or to
// reattach to it after a restart (persisted in the network's status file).
struct RunningNetwork {
  std::string bridge;        // the bridge the network created or uses
  bool createdBridge = false;  // we made it (and remove it on stop)
  int dnsmasqPid = 0;        // 0: no dnsmasq (no <ip>, or DHCP and DNS off)
  bool firewall = false;     // chains in table inet stratus
};

// One line of dnsmasq's lease file.
struct Lease {
  std::int64_t expiry = 0;  // seconds since the epoch; 0: infinite
  std::string mac, ip, hostname, clientId;
  bool v6 = false;
  unsigned prefix = 0;
};

class NetworkBackend {
 public:
  virtual ~NetworkBackend() = default;
  // Brings the network up (bridge, addresses, dnsmasq, firewall). On failure
  // everything already done is undone.
  virtual Result<RunningNetwork> start(const conf::NetworkDef& def) = 0;
  // Undoes start. Keeps going past failures and reports the first.
  virtual Status stop(const conf::NetworkDef& def, const RunningNetwork& rn) = 0;
  // After a daemon restart: is what `saved` describes still there?
  // An error says what is missing (the daemon then marks the network inactive
  // after cleaning up what is left).
  virtual Status reattach(const conf::NetworkDef& def, const RunningNetwork& saved) = 0;
  // The DHCP/DNS part of a running network changed: rewrite dnsmasq's files
  // and make it reread them (SIGHUP for hosts; a dnsmasq restart when its
  // main configuration changed, which may change rn.dnsmasqPid). Guests keep
  // running and keep their leases.
  virtual Status reload(const conf::NetworkDef& def, RunningNetwork& rn) = 0;
  virtual Result<std::vector<Lease>> leases(const conf::NetworkDef& def, const RunningNetwork& rn) = 0;
  // Whether an interface of this name exists on the host (bridge name choice).
  virtual bool interfaceExists(const std::string& name) = 0;
  // Whether guests really plug into bridges (so their live XML names them).
  virtual bool providesBridges() const { return true; }
};

}  // namespace stratus::network
