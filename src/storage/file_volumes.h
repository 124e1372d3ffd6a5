// Volumes that are files in a directory, shared by the dir, fs and netfs
// pools: discovery (qemu-img info + stat), creation and copies with
// qemu-img, wipe, resize, delete. FileVolumePool implements PoolBackend's
// volume half on top; each pool type adds how its directory comes to be
// (build/start/stop/isActive/remove).
#pragma once

#include <string>

#include "storage/image_info_cache.h"
#include "storage/pool_backend.h"

namespace stratus::storage {

// One file as refresh() lists it (name, key = path, type file, format,
// capacity = virtual size, allocation = st_blocks*512, physical = st_size,
// backing store, permissions). A file qemu-img cannot read is listed raw.
// With `cache`, qemu-img runs only for a file that changed since it last did.
Result<conf::VolumeDef> describeFileVolume(const std::string& path, const std::string& name,
                                          ImageInfoCache* cache = nullptr);

// The statvfs numbers and the regular files of `dir` (sub-directories,
// devices and sockets are not volumes).
Result<PoolContents> scanDirectoryPool(const std::string& dir, ImageInfoCache* cache = nullptr);

// A volume name that is one path component ("a/b", "..", "" refused).
Status checkVolumeFileName(const std::string& name);

// Applies <permissions> mode/owner/group to `path` (label ignored: no SELinux here).
Status applyPermissions(const std::string& path, const conf::StoragePerms& perms, std::string_view what);

class FileVolumePool : public PoolBackend {
 public:
  Result<PoolContents> refresh(const conf::PoolDef& def) override;
  Result<conf::VolumeDef> createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                       const daemon::VolumeCreateOptions& opts) override;
  Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                           const VolumeTarget& from, const daemon::VolumeCreateOptions& opts,
                                           drivers::JobMonitor* job) override;
  Status deleteVolume(const conf::PoolDef& def, const conf::VolumeDef& vol) override;
  Status wipeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, const daemon::VolumeWipeOptions& opts,
                    drivers::JobMonitor* job) override;
  Status resizeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, std::uint64_t capacity,
                      const daemon::VolumeResizeOptions& opts) override;
  Result<VolumeTarget> target(const conf::PoolDef& def, const conf::VolumeDef& vol) override;

 private:
  ImageInfoCache infoCache_;  // refresh re-reads only the files that changed
};

}  // namespace stratus::storage
