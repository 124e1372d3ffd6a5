// Persistence of virtual networks, in libvirt's layout:
//   ROOT/etc/stratus/<drv>/networks/NAME.xml            persistent definitions
//   ROOT/etc/stratus/<drv>/networks/autostart/NAME.xml  symlink -> ../NAME.xml
//   ROOT/run/stratus/network/NAME.xml                   status of running networks
//   ROOT/run/stratus/network/NAME.{conf,leases,...}     the network's dnsmasq files
// Every write is atomic (temp + fsync + rename).
#pragma once

#include <string>
#include <vector>

#include "conf/network_def.h"
#include "daemon/config_store.h"
#include "network/network_backend.h"

namespace stratus::daemon {

struct StoredNetwork {
  std::string file;
  conf::NetworkDef def;
  bool autostart = false;
};

struct StoredNetworkStatus {
  std::string file;
  conf::NetworkDef live;
  network::RunningNetwork running;
  bool persistent = true;
};

class NetworkStore {
 public:
  NetworkStore(const std::string& root, const std::string& driverDir);
  Status prepare();
  // True when the networks directory did not exist before prepare(): the
  // node's first start, when the default network gets defined.
  bool firstStart() const { return firstStart_; }
  std::string runDir() const { return runDir_; }

  Status saveConfig(const conf::NetworkDef& def);
  Status removeConfig(const std::string& name);
  Status setAutostart(const std::string& name, bool on);
  Status saveStatus(const StoredNetworkStatus& st);
  Status removeStatus(const std::string& name);

  std::vector<StoredNetwork> loadConfigs(std::vector<LoadProblem>& problems) const;
  std::vector<StoredNetworkStatus> loadStatuses(std::vector<LoadProblem>& problems) const;

 private:
  std::string configDir_, autostartDir_, runDir_;
  bool firstStart_ = false;
};

}  // namespace stratus::daemon
