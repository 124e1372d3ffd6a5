// Networks that exist only in the daemon's memory (the test driver): every
// start succeeds without touching the host; no leases are ever handed out.
#pragma once

#include "network/network_backend.h"

namespace stratus::network {

class SimulatedNetworkBackend final : public NetworkBackend {
 public:
  Result<RunningNetwork> start(const conf::NetworkDef& def) override {
    RunningNetwork rn;
    rn.bridge = def.bridge.name;
    return rn;
  }
  Status stop(const conf::NetworkDef&, const RunningNetwork&) override { return {}; }
  Status reattach(const conf::NetworkDef&, const RunningNetwork&) override { return {}; }
  Status reload(const conf::NetworkDef&, RunningNetwork&) override { return {}; }
  Result<std::vector<Lease>> leases(const conf::NetworkDef&, const RunningNetwork&) override {
    return std::vector<Lease>{};
  }
  bool interfaceExists(const std::string&) override { return false; }
  // Simulated guests show <source network=.../> only, as libvirt's test driver.
  bool providesBridges() const override { return false; }
};

}  // namespace stratus::network
