// Pools that exist only in the daemon's memory (the test driver), answering
// like libvirt's test driver: every pool has 100 GiB, a volume's path is
// TARGET/NAME, allocation counts against the pool, nothing touches the host.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "storage/pool_backend.h"

namespace stratus::daemon {

class SimulatedPoolBackend final : public storage::PoolBackend {
 public:
  static constexpr std::uint64_t kCapacity = 100ULL << 30;  // libvirt's test driver

  Status build(const conf::PoolDef&, const daemon::PoolBuildOptions&) override { return okStatus(); }
  Status start(const conf::PoolDef&) override { return okStatus(); }
  Status stop(const conf::PoolDef&) override { return okStatus(); }
  bool isActive(const conf::PoolDef&) override { return false; }
  Status remove(const conf::PoolDef& def) override;
  Result<storage::PoolContents> refresh(const conf::PoolDef& def) override;
  Result<conf::VolumeDef> createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                       const daemon::VolumeCreateOptions& opts) override;
  Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                           const storage::VolumeTarget& from, const daemon::VolumeCreateOptions& opts,
                                           drivers::JobMonitor* job) override;
  Status deleteVolume(const conf::PoolDef& def, const conf::VolumeDef& vol) override;
  Status wipeVolume(const conf::PoolDef&, const conf::VolumeDef&, const daemon::VolumeWipeOptions&,
                    drivers::JobMonitor*) override;
  Status resizeVolume(const conf::PoolDef&, const conf::VolumeDef&, std::uint64_t,
                      const daemon::VolumeResizeOptions&) override;
  Result<storage::VolumeTarget> target(const conf::PoolDef& def, const conf::VolumeDef& vol) override;
  Result<std::string> findSources(const std::string& srcSpecXml) override;
  bool realVolumes() const override { return false; }
  void inactiveNumbers(conf::PoolDef& def) const override {
    def.capacity = def.available = kCapacity;
    def.allocation = 0;
  }

  // `type` decides find-storage-pool-sources' answer (the test driver's fixed ones).
  explicit SimulatedPoolBackend(conf::PoolType type) : type_(type) {}

 private:
  conf::PoolType type_;
  std::mutex mu_;
  std::map<std::string, conf::VolumeDef> volumes_;  // by name: one backend per pool
};

}  // namespace stratus::daemon
