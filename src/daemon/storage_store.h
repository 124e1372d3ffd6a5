// Persistence of storage pools, in libvirt's layout:
//   ROOT/etc/stratus/storage/NAME.xml            persistent definitions
//   ROOT/etc/stratus/storage/autostart/NAME.xml  symlink -> ../NAME.xml
//   ROOT/run/stratus/storage/NAME.xml            status of active pools
// Volumes are not stored: a pool's refresh finds them on the storage.
// Every write is atomic (temp + fsync + rename).
#pragma once

#include <string>
#include <vector>

#include "conf/storage_def.h"
#include "daemon/config_store.h"  // LoadProblem

namespace stratus::daemon {

struct StoredPool {
  std::string file;
  conf::PoolDef def;
  bool autostart = false;
};

struct StoredPoolStatus {
  std::string file;
  conf::PoolDef live;
  bool persistent = true;
};

class StorageStore {
 public:
  explicit StorageStore(const std::string& root);
  Status prepare();
  // True when the storage directory did not exist before prepare(): the
  // node's first start, when the default pool gets defined.
  bool firstStart() const { return firstStart_; }
  // Where backends keep mount points and scratch files.
  std::string runDir() const { return runDir_; }
  // ROOT/var/lib/stratus/images: the default pool's directory.
  std::string defaultImagesDir() const { return imagesDir_; }

  Status saveConfig(const conf::PoolDef& def);
  Status removeConfig(const std::string& name);
  Status setAutostart(const std::string& name, bool on);
  Status saveStatus(const StoredPoolStatus& st);
  Status removeStatus(const std::string& name);

  std::vector<StoredPool> loadConfigs(std::vector<LoadProblem>& problems) const;
  std::vector<StoredPoolStatus> loadStatuses(std::vector<LoadProblem>& problems) const;

 private:
  std::string configDir_, autostartDir_, runDir_, imagesDir_;
  bool firstStart_ = false;
};

}  // namespace stratus::daemon
