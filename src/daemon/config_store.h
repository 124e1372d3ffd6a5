// Persistence of domain definitions and live status, in libvirt's layout:
//   ROOT/etc/stratus/<drv>/NAME.xml            persistent definitions
//   ROOT/etc/stratus/<drv>/autostart/NAME.xml  symlink -> ../NAME.xml
//   ROOT/run/stratus/<drv>/NAME.xml            live status of running guests
//   ROOT/var/lib/stratus/<drv>/save/NAME.save  managed save images
// Every write is atomic (temp + fsync + rename).
#pragma once

#include <string>
#include <vector>

#include "conf/domain_def.h"
#include "conf/domain_state.h"
#include "util/error.h"

namespace stratus::daemon {

struct StoredDomain {
  std::string file;
  conf::DomainDef def;
  bool autostart = false;
};

struct StoredStatus {
  std::string file;
  conf::DomainDef live;
  conf::DomainState state = conf::DomainState::Running;
  int reason = 0;
  int id = 0;
  std::string driverState;
  // A migration the guest was in: "out" (sending), "out-done" (sent, the
  // destination not yet confirmed), "in" (arriving); "" none.
  std::string migration;
  // The partial file of a save under way ("" none).
  std::string savePart;
};

struct LoadProblem {
  std::string file;
  std::string message;
};

class ConfigStore {
 public:
  ConfigStore(std::string root, std::string driverDir);
  Status prepare();  // create the directories

  std::string configDir() const { return configDir_; }
  std::string runDir() const { return runDir_; }
  std::string managedSavePath(const std::string& name) const;

  Status saveConfig(const conf::DomainDef& def);
  Status removeConfig(const std::string& name);
  Status setAutostart(const std::string& name, bool on);
  Status saveStatus(const StoredStatus& st);
  Status removeStatus(const std::string& name);

  std::vector<StoredDomain> loadConfigs(std::vector<LoadProblem>& problems) const;
  std::vector<StoredStatus> loadStatuses(std::vector<LoadProblem>& problems) const;

 private:
  std::string configDir_, autostartDir_, runDir_, statusDir_, saveDir_;
};

}  // namespace stratus::daemon
