// What a storage pool needs from the host, one implementation per pool type
// (dir, fs, netfs, logical, iscsi: HostPoolBackends), behind one interface so
// the daemon can also run simulated pools (the test driver's, in memory).
//
// The daemon owns the definitions, persistence, locking and jobs; a backend
// only touches the host. Every method is called with the pool's lock held,
// never concurrently for one pool. Volumes are not stored anywhere: refresh()
// discovers them from the pool's contents, as libvirt does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conf/storage_def.h"
#include "daemon/storage_types.h"
#include "drivers/job_monitor.h"
#include "util/error.h"

namespace stratus::storage {

// What refresh() found: the pool's numbers and its volumes (each with name,
// key, path, type, format, capacity, allocation, physical and, for qcow2
// and the like, its backing file).
struct PoolContents {
  std::uint64_t capacity = 0, allocation = 0, available = 0;
  std::vector<conf::VolumeDef> volumes;
};

// Where a volume's bytes live, for upload/download and for domains using it.
struct VolumeTarget {
  std::string path;
  std::string type = "file";  // file | block
  std::string format = "raw";
};

class PoolBackend {
 public:
  virtual ~PoolBackend() = default;

  // pool-build: create what the pool needs (the directory; mkfs on the
  // device; pvcreate + vgcreate). Refuses with opts.noOverwrite when the
  // device already holds a file system or a VG; opts.overwrite formats anyway.
  virtual Status build(const conf::PoolDef& def, const daemon::PoolBuildOptions& opts) = 0;
  // pool-start: make it usable (check the directory; mount; vgchange -ay;
  // iSCSI login). On failure nothing stays mounted/active.
  virtual Status start(const conf::PoolDef& def) = 0;
  // pool-destroy: the reverse of start (umount, vgchange -an, logout). The
  // data stays.
  virtual Status stop(const conf::PoolDef& def) = 0;
  // After a daemon restart: is the pool still started (mounted, VG active)?
  virtual bool isActive(const conf::PoolDef& def) = 0;
  // pool-delete: remove the storage itself (rmdir; vgremove + pvremove).
  virtual Status remove(const conf::PoolDef& def) = 0;
  virtual Result<PoolContents> refresh(const conf::PoolDef& def) = 0;

  // vol-create: a new empty volume (qemu-img create / lvcreate). `vol` has
  // name, capacity, format, allocation, perms, backing; the result is the
  // volume as refresh() would list it.
  virtual Result<conf::VolumeDef> createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                               const daemon::VolumeCreateOptions& opts) = 0;
  // vol-create-from / vol-clone: `vol` filled with the content of `from`
  // (qemu-img convert), progress and cancel through `job`. On failure or
  // cancel the new volume is removed again.
  virtual Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                                   const VolumeTarget& from,
                                                   const daemon::VolumeCreateOptions& opts,
                                                   drivers::JobMonitor* job) = 0;
  virtual Status deleteVolume(const conf::PoolDef& def, const conf::VolumeDef& vol) = 0;
  virtual Status wipeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                            const daemon::VolumeWipeOptions& opts, drivers::JobMonitor* job) = 0;
  // `capacity`: the new size in bytes (the daemon has applied --delta and
  // checked --shrink).
  virtual Status resizeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, std::uint64_t capacity,
                              const daemon::VolumeResizeOptions& opts) = 0;
  // Where the volume's bytes are (for vol-upload/-download and for domain
  // disks of type='volume').
  virtual Result<VolumeTarget> target(const conf::PoolDef& def, const conf::VolumeDef& vol) = 0;
  // find-storage-pool-sources for this type: the <sources> document.
  virtual Result<std::string> findSources(const std::string& srcSpecXml) {
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: "
                                         "virConnectFindStoragePoolSources");
  }
  // Whether volume bytes are real (upload/download through target() paths).
  virtual bool realVolumes() const { return true; }
  // The numbers an inactive pool shows (libvirt's storage driver: none;
  // its test driver: the simulated capacity).
  virtual void inactiveNumbers(conf::PoolDef& def) const { def.capacity = def.allocation = def.available = 0; }
};

// Makes the backend of a new pool of a type (the host's, or simulated ones).
using PoolBackendFactory = std::function<Result<std::unique_ptr<PoolBackend>>(conf::PoolType)>;

// The host's backend for `type`; Unsupported (naming the type) for pool
// types Stratus parses but cannot run. `runDir` holds mount points and
// scratch files the backend needs (under the daemon's --root).
Result<std::unique_ptr<PoolBackend>> makeHostPoolBackend(conf::PoolType type, const std::string& runDir);

}  // namespace stratus::storage

namespace stratus::storage {

// vol-upload: `source`'s bytes into the volume from opts.offset (at most
// opts.length bytes when non-zero; holes become holes where the target
// allows), progress into `job` (dataProcessed/dataTotal), cancel from it.
Status writeVolumeBytes(const VolumeTarget& target, const daemon::VolumeTransferOptions& opts,
                        daemon::VolumeSource& source, drivers::JobMonitor* job);
// vol-download: the volume's bytes from opts.offset (opts.length, 0: to
// the end) into `sink`; with opts.sparse, holes (SEEK_DATA/SEEK_HOLE) go
// out as holes.
Status readVolumeBytes(const VolumeTarget& target, const daemon::VolumeTransferOptions& opts,
                       daemon::VolumeSink& sink, drivers::JobMonitor* job);

}  // namespace stratus::storage
