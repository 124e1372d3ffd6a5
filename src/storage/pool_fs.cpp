// fs pools: a file system on a block device (or on an image file, attached
// to a loop device) mounted at the target directory; volumes are its files.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "storage/blkid.h"
#include "storage/command.h"
#include "storage/file_volumes.h"
#include "storage/host_mounts.h"
#include "storage/pool_types.h"

namespace stratus::storage {

namespace {

Result<std::string> sourceDevice(const conf::PoolDef& def) {
  if (def.source.devices.empty() || def.source.devices[0].path.empty())
    return Error(ErrorCode::XmlInvalid, "pool '" + def.name + "': fs pool needs <source><device path>");
  return def.source.devices[0].path;
}

// The mkfs command for `format` ("auto" builds ext4, as the default a user
// would expect from pool-build).
Result<std::vector<std::string>> mkfsArgs(const std::string& format, const std::string& device) {
  std::string f = format.empty() || format == "auto" ? "ext4" : format;
  if (f == "ext2" || f == "ext3" || f == "ext4") return std::vector<std::string>{"mkfs." + f, "-F", "-q", device};
  if (f == "xfs") return std::vector<std::string>{"mkfs.xfs", "-f", "-q", device};
  if (f == "vfat") return std::vector<std::string>{"mkfs.vfat", device};
  return Error(ErrorCode::Unsupported,
               "pool-build of a '" + f + "' file system is not supported (ext2, ext3, ext4, xfs, vfat are)");
}

class FsPoolBackend : public FileVolumePool {
 public:
  Status build(const conf::PoolDef& def, const daemon::PoolBuildOptions& opts) override {
    if (opts.overwrite && opts.noOverwrite)
      return Error(ErrorCode::InvalidArgument, "--overwrite and --no-overwrite are mutually exclusive");
    auto dev = sourceDevice(def);
    if (!dev) return std::move(dev).error();
    if (!isRegularFile(*dev) && !isBlockDevice(*dev))
      return Error(ErrorCode::OperationFailed, "source device '" + *dev + "' of pool '" + def.name +
                                                   "' is neither a block device nor an image file");
    if (isActive(def))
      return Error(ErrorCode::OperationInvalid, "storage pool '" + def.name + "' is mounted; pool-destroy it first");
    auto argv = mkfsArgs(def.source.format, *dev);
    if (!argv) return std::move(argv).error();
    // libvirt's rule: only --overwrite formats over an existing file system
    // (or anything else blkid recognises).
    if (!opts.overwrite) STRATUS_TRY(requireEmptyDevice(*dev));
    std::error_code ec;
    std::filesystem::create_directories(def.target.path, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot create path '" + def.target.path + "': " + ec.message());
    STRATUS_TRY(applyPermissions(def.target.path, def.target.perms, "pool '" + def.name + "' target permissions"));
    auto r = runCommand(*argv);
    if (!r) return Error(r.error().code, "cannot build pool '" + def.name + "': " + r.error().message);
    return okStatus();
  }

  Status start(const conf::PoolDef& def) override {
    auto dev = sourceDevice(def);
    if (!dev) return std::move(dev).error();
    if (isActive(def)) return okStatus();
    if (!isDirectory(def.target.path))
      return Error(ErrorCode::OperationFailed, "cannot mount on '" + def.target.path +
                                                   "': the target directory does not exist (pool-build creates it)");
    std::string device = *dev;
    std::string attached;
    if (isRegularFile(*dev)) {
      auto loops = loopDevicesOf(*dev);
      if (loops.empty()) {
        auto loop = attachLoop(*dev);
        if (!loop) return std::move(loop).error();
        attached = *loop;
        device = *loop;
      } else {
        device = loops.front();
      }
    } else if (!isBlockDevice(*dev)) {
      return Error(ErrorCode::OperationFailed, "source device '" + *dev + "' of pool '" + def.name + "' does not exist");
    }
    std::string fstype = def.source.format.empty() ? "auto" : def.source.format;
    auto st = mountFs(device, def.target.path, fstype, {});
    if (!st) {
      if (!attached.empty()) (void)detachLoop(attached);  // nothing stays attached on failure
      return st;
    }
    return okStatus();
  }

  Status stop(const conf::PoolDef& def) override {
    auto dev = sourceDevice(def);
    if (!dev) return std::move(dev).error();
    if (isActive(def)) STRATUS_TRY(unmountFs(def.target.path));
    if (isRegularFile(*dev)) {
      // Loop devices of the image that nothing mounts any more.
      auto mounts = currentMounts();
      for (const auto& loop : loopDevicesOf(*dev)) {
        bool used = std::any_of(mounts.begin(), mounts.end(), [&](const MountEntry& m) { return m.source == loop; });
        if (!used) STRATUS_TRY(detachLoop(loop));
      }
    }
    return okStatus();
  }

  bool isActive(const conf::PoolDef& def) override {
    auto dev = sourceDevice(def);
    if (!dev) return false;
    auto m = mountAt(def.target.path);
    if (!m) return false;
    if (isRegularFile(*dev)) {
      auto loops = loopDevicesOf(*dev);
      return std::find(loops.begin(), loops.end(), m->source) != loops.end();
    }
    char* real = ::realpath(dev->c_str(), nullptr);
    std::string canon = real ? real : *dev;
    std::free(real);
    return m->source == *dev || m->source == canon;
  }

  Status remove(const conf::PoolDef& def) override {
    if (isActive(def)) return Error(ErrorCode::OperationInvalid, "storage pool '" + def.name + "' is still mounted");
    if (::rmdir(def.target.path.c_str()) != 0 && errno != ENOENT)
      return systemError("failed to remove pool '" + def.target.path + "'", errno);
    return okStatus();
  }
};

}  // namespace

std::unique_ptr<PoolBackend> makeFsPoolBackend() { return std::make_unique<FsPoolBackend>(); }

}  // namespace stratus::storage
