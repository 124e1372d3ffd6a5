// Real virtual networks on this host: a Linux bridge, one dnsmasq per
// network, nftables chains in table `inet stratus`. Files live in
// RUN/network/NAME.{conf,pid,leases,hostsfile,addnhosts,nft}.
#pragma once

#include <string>

#include "network/network_backend.h"

namespace stratus::network {

class HostNetworkBackend final : public NetworkBackend {
 public:
  explicit HostNetworkBackend(std::string runDir) : runDir_(std::move(runDir)) {}

  Result<RunningNetwork> start(const conf::NetworkDef& def) override;
  Status stop(const conf::NetworkDef& def, const RunningNetwork& rn) override;
  Status reattach(const conf::NetworkDef& def, const RunningNetwork& saved) override;
  Status reload(const conf::NetworkDef& def, RunningNetwork& rn) override;
  Result<std::vector<Lease>> leases(const conf::NetworkDef& def, const RunningNetwork& rn) override;
  bool interfaceExists(const std::string& name) override;

 private:
  Result<int> startDnsmasq(const conf::NetworkDef& def, const std::string& bridge);
  Status stopDnsmasq(const conf::NetworkDef& def, int pid);
  Status applyFirewall(const std::string& script, const std::string& name);
  std::string runDir_;
};

}  // namespace stratus::network
