// dir pools: a directory of image files.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "storage/file_volumes.h"
#include "storage/host_mounts.h"
#include "storage/pool_types.h"

namespace stratus::storage {

namespace {

class DirPoolBackend : public FileVolumePool {
 public:
  Status build(const conf::PoolDef& def, const daemon::PoolBuildOptions& opts) override {
    if (opts.overwrite && opts.noOverwrite)
      return Error(ErrorCode::InvalidArgument, "--overwrite and --no-overwrite are mutually exclusive");
    std::error_code ec;
    std::filesystem::create_directories(def.target.path, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot create path '" + def.target.path + "': " + ec.message());
    return applyPermissions(def.target.path, def.target.perms, "pool '" + def.name + "' target permissions");
  }
  Status start(const conf::PoolDef& def) override {
    if (!isDirectory(def.target.path))
      return Error(ErrorCode::OperationFailed, "cannot open directory '" + def.target.path +
                                                   "': No such file or directory (pool-build creates it)");
    return okStatus();
  }
  Status stop(const conf::PoolDef&) override { return okStatus(); }
  bool isActive(const conf::PoolDef& def) override { return isDirectory(def.target.path); }
  Status remove(const conf::PoolDef& def) override {
    if (::rmdir(def.target.path.c_str()) != 0 && errno != ENOENT)
      return systemError("failed to remove pool '" + def.target.path + "'", errno);
    return okStatus();
  }
};

}  // namespace

std::unique_ptr<PoolBackend> makeDirPoolBackend() { return std::make_unique<DirPoolBackend>(); }

}  // namespace stratus::storage
