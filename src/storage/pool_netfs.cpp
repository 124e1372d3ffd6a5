// netfs pools: an NFS export mounted at the target directory; volumes are
// its files. Where the kernel has no NFS client the error says so.
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/command.h"
#include "storage/file_volumes.h"
#include "storage/host_mounts.h"
#include "storage/pool_sources.h"
#include "storage/pool_types.h"

namespace stratus::storage {

namespace {

Result<std::string> exportSpec(const conf::PoolDef& def) {
  if (def.source.hosts.empty() || def.source.hosts[0].name.empty() || def.source.dir.empty())
    return Error(ErrorCode::XmlInvalid, "pool '" + def.name + "': netfs pool needs <source><host name> and <dir path>");
  const std::string& h = def.source.hosts[0].name;
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + def.source.dir;
}

Result<std::string> mountType(const conf::PoolDef& def) {
  const std::string& f = def.source.format;
  if (f.empty() || f == "auto" || f == "nfs") return std::string("nfs");
  if (f == "nfs4") return std::string("nfs4");
  return Error(ErrorCode::Unsupported, "netfs pool format '" + f + "' is not supported (nfs is)");
}

}  // namespace

// Whether the running kernel lists an NFS client file system.
bool kernelHasNfsClient() {
  std::ifstream f("/proc/filesystems");
  std::string line;
  while (std::getline(f, line)) {
    auto tab = line.rfind('\t');
    std::string name = tab == std::string::npos ? line : line.substr(tab + 1);
    if (name == "nfs" || name == "nfs4") return true;
  }
  return false;
}

namespace {

class NetfsPoolBackend : public FileVolumePool {
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
    auto spec = exportSpec(def);
    if (!spec) return std::move(spec).error();
    auto type = mountType(def);
    if (!type) return std::move(type).error();
    if (isActive(def)) return okStatus();
    if (!isDirectory(def.target.path))
      return Error(ErrorCode::OperationFailed, "cannot mount on '" + def.target.path +
                                                   "': the target directory does not exist (pool-build creates it)");
    if (!kernelHasNfsClient()) {
      // The module may just not be loaded yet.
      (void)runCommand({"modprobe", "-q", "nfs"});
      if (!kernelHasNfsClient())
        return Error(ErrorCode::Unsupported, "cannot mount '" + *spec + "' on '" + def.target.path +
                                                 "': the kernel lacks NFS client support (no 'nfs' in "
                                                 "/proc/filesystems and the nfs module cannot be loaded)");
    }
    std::vector<std::string> options;
    if (!def.source.protocolVersion.empty()) options.push_back("nfsvers=" + def.source.protocolVersion);
    if (def.source.hosts[0].port) options.push_back("port=" + std::to_string(*def.source.hosts[0].port));
    return mountFs(*spec, def.target.path, *type, options);
  }

  Status stop(const conf::PoolDef& def) override {
    if (isActive(def)) return unmountFs(def.target.path);
    return okStatus();
  }

  bool isActive(const conf::PoolDef& def) override {
    auto m = mountAt(def.target.path);
    return m && m->fstype.rfind("nfs", 0) == 0;
  }

  Result<std::string> findSources(const std::string& srcSpecXml) override { return findNetfsSources(srcSpecXml); }

  Status remove(const conf::PoolDef& def) override {
    if (isActive(def)) return Error(ErrorCode::OperationInvalid, "storage pool '" + def.name + "' is still mounted");
    if (::rmdir(def.target.path.c_str()) != 0 && errno != ENOENT)
      return systemError("failed to remove pool '" + def.target.path + "'", errno);
    return okStatus();
  }
};

}  // namespace

std::unique_ptr<PoolBackend> makeNetfsPoolBackend() { return std::make_unique<NetfsPoolBackend>(); }

}  // namespace stratus::storage
