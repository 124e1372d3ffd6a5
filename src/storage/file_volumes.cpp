#include "storage/file_volumes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#include "storage/command.h"
#include "storage/qemu_img.h"
#include "storage/volume_copy.h"
#include "storage/volume_wipe.h"
#include "util/fd.h"

namespace stratus::storage {

namespace {

std::string octalMode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string volumePath(const conf::PoolDef& def, const std::string& name) { return def.target.path + "/" + name; }

Result<ImageInfo> imageInfo(const std::string& path) {
  auto r = runCommand({"qemu-img", "info", "--output=json", "-U", path});
  if (!r) return std::move(r).error();
  return parseImageInfoJson(r->out, path);
}

Error noSuchVolume(const conf::PoolDef& def, const std::string& name) {
  return Error(ErrorCode::NoStorageVolume, "Storage volume not found: no storage vol with matching name '" + name +
                                               "' in pool '" + def.name + "'");
}

// Resolves the volume's file, refusing names that leave the pool's directory.
Result<std::string> existingVolumePath(const conf::PoolDef& def, const conf::VolumeDef& vol) {
  STRATUS_TRY(checkVolumeFileName(vol.name));
  std::string path = volumePath(def, vol.name);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return noSuchVolume(def, vol.name);
    return systemError("cannot stat volume '" + path + "'", errno);
  }
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::OperationInvalid, "volume '" + path + "' is not a regular file");
  return path;
}

Status refuseExisting(const std::string& path, const std::string& name) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0)
    return Error(ErrorCode::OperationInvalid, "storage volume '" + name + "' exists already");
  return okStatus();
}

// Removes a volume file that a failed create/copy left behind.
void removeHalfMade(const std::string& path) { ::unlink(path.c_str()); }

Status preallocate(const std::string& path, std::uint64_t bytes) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("cannot open '" + path + "'", errno);
  int rc = ::posix_fallocate(fd.get(), 0, static_cast<off_t>(bytes));
  if (rc != 0) return systemError("cannot allocate " + std::to_string(bytes) + " bytes for '" + path + "'", rc);
  return okStatus();
}

}  // namespace

Status checkVolumeFileName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    return Error(ErrorCode::InvalidArgument, "invalid storage volume name '" + name +
                                                 "': it must be one file name, without '/'");
  return okStatus();
}

Status applyPermissions(const std::string& path, const conf::StoragePerms& perms, std::string_view what) {
  if (!perms.mode.empty()) {
    char* end = nullptr;
    unsigned long mode = std::strtoul(perms.mode.c_str(), &end, 8);
    if (!end || *end || mode > 07777)
      return Error(ErrorCode::InvalidArgument, std::string(what) + ": malformed octal mode '" + perms.mode + "'");
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
      return systemError("cannot set mode of '" + path + "'", errno);
  }
  auto id = [&](const std::string& s, const char* field) -> Result<long> {
    if (s.empty()) return -1L;
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (!end || *end || v < -1)
      return Error(ErrorCode::InvalidArgument, std::string(what) + ": " + field + " must be a number, not '" + s + "'");
    return v;
  };
  auto uid = id(perms.owner, "owner");
  if (!uid) return std::move(uid).error();
  auto gid = id(perms.group, "group");
  if (!gid) return std::move(gid).error();
  if ((*uid != -1 || *gid != -1) &&
      ::chown(path.c_str(), static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)) != 0)
    return systemError("cannot change the owner of '" + path + "'", errno);
  return okStatus();
}

Result<conf::VolumeDef> describeFileVolume(const std::string& path, const std::string& name, ImageInfoCache* cache) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return systemError("cannot stat volume '" + path + "'", errno);
  conf::VolumeDef v;
  v.name = name;
  v.key = path;
  v.path = path;
  v.type = "file";
  v.allocation = static_cast<std::uint64_t>(st.st_blocks) * 512;
  v.physical = static_cast<std::uint64_t>(st.st_size);
  v.perms.mode = octalMode(st.st_mode);
  v.perms.owner = std::to_string(st.st_uid);
  v.perms.group = std::to_string(st.st_gid);
  std::optional<ImageInfo> known = cache ? cache->find(path, st) : std::nullopt;
  Result<ImageInfo> info = known ? Result<ImageInfo>(*known) : imageInfo(path);
  if (info && cache && !known) cache->store(path, st, *info);
  if (!info) {
    // Unreadable as an image (being written, or locked): list it as raw
    // bytes rather than hide it.
    v.format = "raw";
    v.capacity = static_cast<std::uint64_t>(st.st_size);
    return v;
  }
  v.format = info->format;
  v.capacity = info->virtualSize;
  v.compat = info->compat;
  v.lazyRefcounts = info->lazyRefcounts;
  if (!info->backingFile.empty()) {
    conf::VolumeBacking b;
    b.path = info->fullBackingFile.empty() ? info->backingFile : info->fullBackingFile;
    b.format = info->backingFormat;
    v.backing = b;
  }
  return v;
}

Result<PoolContents> scanDirectoryPool(const std::string& dir, ImageInfoCache* cache) {
  struct statvfs sv {};
  if (::statvfs(dir.c_str(), &sv) != 0) return systemError("cannot statvfs '" + dir + "'", errno);
  PoolContents c;
  c.capacity = static_cast<std::uint64_t>(sv.f_blocks) * sv.f_frsize;
  c.available = static_cast<std::uint64_t>(sv.f_bavail) * sv.f_frsize;
  c.allocation = static_cast<std::uint64_t>(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return systemError("cannot open directory '" + dir + "'", errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::string> seen;
  for (const auto& n : names) {
    std::string path = dir + "/" + n;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;  // dangling links, dirs, devices
    seen.push_back(path);
    auto v = describeFileVolume(path, n, cache);
    if (!v) {
      if (v.error().code == ErrorCode::SystemError) continue;  // removed while we looked
      return std::move(v).error();
    }
    c.volumes.push_back(std::move(*v));
  }
  if (cache) cache->keepOnly(seen);
  return c;
}

Result<PoolContents> FileVolumePool::refresh(const conf::PoolDef& def) {
  return scanDirectoryPool(def.target.path, &infoCache_);
}

Result<conf::VolumeDef> FileVolumePool::createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                                     const daemon::VolumeCreateOptions& opts) {
  STRATUS_TRY(checkVolumeFileName(vol.name));
  std::string path = volumePath(def, vol.name);
  STRATUS_TRY(refuseExisting(path, vol.name));
  auto argv = qemuImgCreateArgs(path, vol, opts);
  if (!argv) return std::move(argv).error();
  if (auto r = runCommand(*argv); !r) {
    removeHalfMade(path);
    return Error(r.error().code, "cannot create storage volume '" + vol.name + "': " + r.error().message);
  }
  std::string fmt = vol.format.empty() ? "raw" : vol.format;
  Status st;
  // A raw volume with an allocation has its bytes reserved now (allocation
  // == capacity: fully allocated, as libvirt does).
  if (fmt == "raw" && vol.allocation && *vol.allocation > 0)
    st = preallocate(path, std::min(*vol.allocation, vol.capacity));
  if (st) st = applyPermissions(path, vol.perms, "volume '" + vol.name + "' permissions");
  if (!st) {
    removeHalfMade(path);
    return std::move(st).error();
  }
  return describeFileVolume(path, vol.name);
}

Result<conf::VolumeDef> FileVolumePool::createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                                         const VolumeTarget& from,
                                                         const daemon::VolumeCreateOptions& opts,
                                                         drivers::JobMonitor* job) {
  STRATUS_TRY(checkVolumeFileName(vol.name));
  std::string fmt = vol.format.empty() ? "raw" : vol.format;
  if (!isCreatableFormat(fmt))
    return Error(ErrorCode::Unsupported, "storage volume format '" + fmt +
                                             "' is not supported: Stratus creates raw, qcow2, vmdk, vdi and vhdx");
  std::string path = volumePath(def, vol.name);
  if (path == from.path) return Error(ErrorCode::InvalidArgument, "a volume cannot be copied onto itself");
  STRATUS_TRY(refuseExisting(path, vol.name));
  // From here on every failure (cancel included) removes the new file: a
  // failed copy leaves no half volume.
  Status st;
  auto srcSize = convertVolume(from, path, vol, opts, /*targetExists=*/false, job);
  if (!srcSize)
    st = std::move(srcSize).error();
  else if (vol.capacity > *srcSize)
    if (auto r = runCommand({"qemu-img", "resize", "-q", "-f", fmt, path, std::to_string(vol.capacity)}); !r)
      st = std::move(r).error();
  if (st) st = applyPermissions(path, vol.perms, "volume '" + vol.name + "' permissions");
  if (!st) {
    removeHalfMade(path);
    if (st.error().code == ErrorCode::Cancelled) return Error(ErrorCode::Cancelled, "operation aborted: copy to volume '" + vol.name + "' cancelled");
    return Error(st.error().code, "cannot copy into storage volume '" + vol.name + "': " + st.error().message);
  }
  return describeFileVolume(path, vol.name);
}

Status FileVolumePool::deleteVolume(const conf::PoolDef& def, const conf::VolumeDef& vol) {
  auto path = existingVolumePath(def, vol);
  if (!path) return std::move(path).error();
  if (::unlink(path->c_str()) != 0) return systemError("cannot remove volume '" + *path + "'", errno);
  return okStatus();
}

Status FileVolumePool::wipeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                  const daemon::VolumeWipeOptions& opts, drivers::JobMonitor* job) {
  STRATUS_TRY(checkWipeAlgorithm(opts.algorithm));
  auto path = existingVolumePath(def, vol);
  if (!path) return std::move(path).error();
  auto info = imageInfo(*path);
  if (!info) return std::move(info).error();
  if (info->format == "raw") return zeroVolumeBytes(*path, job);
  // An image format's bytes are metadata too: zeroing them would leave a
  // broken image. It is made afresh instead (same format, size, backing
  // file), so every guest-visible byte reads as zero.
  auto described = describeFileVolume(*path, vol.name);
  if (!described) return std::move(described).error();
  std::string tmp = def.target.path + "/.wipe-" + vol.name;
  auto argv = qemuImgCreateArgs(tmp, *described, {});
  if (!argv) return std::move(argv).error();
  if (auto r = runCommand(*argv); !r) {
    removeHalfMade(tmp);
    return std::move(r).error();
  }
  struct stat st {};
  if (::stat(path->c_str(), &st) == 0) {
    (void)::chmod(tmp.c_str(), st.st_mode & 07777);
    (void)::chown(tmp.c_str(), st.st_uid, st.st_gid);
  }
  if (::rename(tmp.c_str(), path->c_str()) != 0) {
    int err = errno;
    removeHalfMade(tmp);
    return systemError("cannot replace '" + *path + "'", err);
  }
  return okStatus();
}

Status FileVolumePool::resizeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, std::uint64_t capacity,
                                    const daemon::VolumeResizeOptions& opts) {
  auto path = existingVolumePath(def, vol);
  if (!path) return std::move(path).error();
  auto info = imageInfo(*path);
  if (!info) return std::move(info).error();
  if (capacity < info->virtualSize && !opts.shrink)
    return Error(ErrorCode::InvalidArgument,
                 "Can't shrink capacity below current capacity unless shrink flag explicitly specified");
  if (capacity == info->virtualSize) return okStatus();
  std::vector<std::string> argv = {"qemu-img", "resize", "-q", "-f", info->format};
  if (capacity < info->virtualSize) argv.push_back("--shrink");
  if (opts.allocate && capacity > info->virtualSize)
    argv.push_back(info->format == "raw" ? "--preallocation=falloc" : "--preallocation=metadata");
  argv.push_back(*path);
  argv.push_back(std::to_string(capacity));
  if (auto r = runCommand(argv); !r)
    return Error(r.error().code, "cannot resize storage volume '" + vol.name + "': " + r.error().message);
  return okStatus();
}

Result<VolumeTarget> FileVolumePool::target(const conf::PoolDef& def, const conf::VolumeDef& vol) {
  auto path = existingVolumePath(def, vol);
  if (!path) return std::move(path).error();
  auto info = imageInfo(*path);
  VolumeTarget t;
  t.path = *path;
  t.type = "file";
  t.format = info ? info->format : "raw";
  return t;
}

}  // namespace stratus::storage
