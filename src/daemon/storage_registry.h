// The node's storage pools: definitions (unique names and UUIDs), their
// state through one PoolBackend each, persistence through a StorageStore,
// the volumes each active pool's last refresh found, and the jobs (copies,
// uploads, downloads, wipes) running on volumes. daemon::Node forwards the
// NodeService pool/volume verbs here and asks it to resolve a domain's
// <disk type='volume'> before launch.
//
// Locking: `mu_` guards the maps and every PoolObj field; a pool's `opMu`
// serialises what changes the pool on the host (build, start, refresh,
// volume create/delete...), so a backend never runs two of them at once for
// one pool; a copy (vol-clone, vol-create-from) holds it for its whole run,
// and what would conflict with a running job is refused at once instead of
// waiting. opMu is always taken before mu_, never while holding it. Streams
// (upload/download) and wipes run without opMu; the volume's job keeps it
// from being deleted meanwhile.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conf/domain_def.h"
#include "conf/storage_def.h"
#include "daemon/storage_store.h"
#include "daemon/storage_types.h"
#include "daemon/types.h"
#include "storage/pool_backend.h"

namespace stratus::daemon {

using storage::PoolBackendFactory;

struct PoolObj {
  std::string name;
  Uuid uuid;
  std::optional<conf::PoolDef> config;  // persistent definition; none = transient
  std::optional<conf::PoolDef> live;    // the active pool (with its numbers)
  bool autostart = false;
  bool removed = false;  // undefined while someone still held it
  std::unique_ptr<storage::PoolBackend> backend;
  std::vector<conf::VolumeDef> volumes;  // from the last refresh
  // Running jobs by volume name (a volume being created is listed here too,
  // which reserves its name).
  std::map<std::string, std::shared_ptr<drivers::JobMonitor>> jobs;
  std::mutex opMu;
  bool active() const { return live.has_value(); }
  const conf::PoolDef& current() const { return live ? *live : *config; }
};

class StorageRegistry {
 public:
  // `store` empty: nothing persisted (in-memory nodes).
  StorageRegistry(std::optional<StorageStore> store, PoolBackendFactory factory);

  // Loads definitions, finds out which pools are still active, and on a
  // node's first start defines, builds and starts libvirt's `default` dir
  // pool (ROOT/var/lib/stratus/images, autostarted).
  Status load(bool defineDefaultOnFirstStart);
  // Starts pools marked autostart.
  void autostart();

  // ---- pools ----
  Result<std::vector<PoolSummary>> list();
  Result<PoolSummary> lookup(const std::string& key);
  Result<PoolDefineResult> define(const std::string& xml, const std::string& sourceName);
  Result<PoolDefineResult> create(const std::string& xml, const std::string& sourceName, const PoolStartOptions& opts);
  Status build(const std::string& key, const PoolBuildOptions& opts);
  Status start(const std::string& key, const PoolStartOptions& opts);
  Status destroy(const std::string& key);
  Status remove(const std::string& key);  // pool-delete
  Status undefine(const std::string& key);
  Status refresh(const std::string& key);
  Result<std::string> xml(const std::string& key, const PoolXmlOptions& opts);
  Status setAutostart(const std::string& key, bool enabled);
  Result<std::string> findSources(const std::string& type, const std::string& srcSpecXml);

  // ---- volumes (storage_volumes.cpp) ----
  Result<std::vector<VolumeSummary>> listVolumes(const std::string& pool);
  Result<VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol);
  Result<VolumeSummary> createVolume(const std::string& pool, const std::string& xml, const std::string& sourceName,
                                     const VolumeCreateOptions& opts);
  Result<VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                         const std::string& sourceName, const std::string& fromPool,
                                         const std::string& fromVol, const VolumeCreateOptions& opts);
  Status deleteVolume(const std::string& pool, const std::string& vol);
  Status wipeVolume(const std::string& pool, const std::string& vol, const VolumeWipeOptions& opts);
  Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                      const VolumeResizeOptions& opts);
  Result<std::string> volumeXml(const std::string& pool, const std::string& vol);
  Status upload(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                VolumeSource& source);
  Status download(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                  VolumeSink& sink);
  Result<JobInfo> volumeJob(const std::string& pool, const std::string& vol);
  Status abortVolumeJob(const std::string& pool, const std::string& vol);

  // ---- domains (storage_resolve.cpp) ----
  // Fills volumeType/volumePath/volumeFormat of every <disk type='volume'>
  // of `def` (the definition about to run or be plugged). Fails naming the
  // pool and volume when the pool is missing or inactive or has no such
  // volume.
  Status resolveVolumes(conf::DomainDef& def);

 private:
  using Ptr = std::shared_ptr<PoolObj>;
  Ptr find(const std::string& key) const;  // mu_ held
  Result<Ptr> get(const std::string& key) const;
  Result<Ptr> getActive(const std::string& key, bool named) const;
  PoolSummary summarize(const PoolObj& p) const;  // mu_ held
  Result<conf::ParsedPool> parse(const std::string& xml, const std::string& sourceName) const;
  Result<Ptr> add(conf::PoolDef def, bool persistent);  // checks names/UUIDs, makes the backend
  // Backend refresh of an active pool; stores volumes and numbers. opMu held.
  Status refreshLocked(PoolObj& p);
  // The actual start (backend start + refresh + status). opMu held.
  Status startLocked(PoolObj& p, const PoolStartOptions& opts);
  void saveStatus(const PoolObj& p);
  // A volume of an active pool by name (mu_ held); nullptr when absent.
  static const conf::VolumeDef* findVolume(const PoolObj& p, const std::string& name);
  VolumeSummary summarizeVolume(const PoolObj& p, const conf::VolumeDef& v) const;
  Result<std::pair<Ptr, conf::VolumeDef>> getVolume(const std::string& pool, const std::string& vol);

  std::optional<StorageStore> store_;
  PoolBackendFactory factory_;
  mutable std::mutex mu_;
  std::map<std::string, Ptr> byName_;
};

}  // namespace stratus::daemon
