// iscsi pools through the userspace initiator (libiscsi's iscsi-ls, QEMU's
// iscsi block driver): the kernel's iscsi_tcp is not needed. Volumes are
// the target's LUNs, of type network with path iscsi://HOST:PORT/IQN/LUN;
// a domain disk using one goes to QEMU's iscsi driver. LUNs are made on the
// target, never by the pool (as in libvirt).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "storage/command.h"
#include "storage/iscsi_ls.h"
#include "storage/pool_sources.h"
#include "storage/pool_types.h"
#include "storage/qemu_img.h"

namespace stratus::storage {

namespace {

constexpr unsigned kDefaultIscsiPort = 3260;

struct Portal {
  std::string host;
  unsigned port = kDefaultIscsiPort;
  std::string iqn;
  std::string initiator;
  std::string url() const {
    return "iscsi://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port) + "/" + iqn;
  }
};

Result<Portal> portalOf(const conf::PoolDef& def) {
  if (def.source.hosts.empty() || def.source.hosts[0].name.empty() || def.source.devices.empty() ||
      def.source.devices[0].path.empty())
    return Error(ErrorCode::XmlInvalid,
                 "pool '" + def.name + "': iscsi pool needs <source><host name> and <device path> (the target IQN)");
  Portal p;
  p.host = def.source.hosts[0].name;
  if (def.source.hosts[0].port) p.port = *def.source.hosts[0].port;
  p.iqn = def.source.devices[0].path;
  p.initiator = def.source.initiatorIqn;
  return p;
}

Error noVolumeChange(const std::string& what) {
  return Error(ErrorCode::Unsupported, "iscsi pools cannot " + what + " volumes: LUNs are made on the target");
}

class IscsiPoolBackend : public PoolBackend {
 public:
  explicit IscsiPoolBackend(std::string runDir) : markerDir_(std::move(runDir) + "/iscsi-pools") {}

  // Nothing to build: the target exists or not (libvirt's iscsi backend has
  // no build either).
  Status build(const conf::PoolDef&, const daemon::PoolBuildOptions&) override { return okStatus(); }

  Status start(const conf::PoolDef& def) override {
    auto p = portalOf(def);
    if (!p) return std::move(p).error();
    auto targets = listTarget(*p);
    if (!targets) return Error(targets.error().code, "cannot start pool '" + def.name + "': " + targets.error().message);
    std::error_code ec;
    std::filesystem::create_directories(markerDir_, ec);
    std::ofstream(marker(def)) << p->url() << "\n";
    if (!std::filesystem::exists(marker(def)))
      return Error(ErrorCode::SystemError, "cannot record pool '" + def.name + "' as started in " + markerDir_);
    return okStatus();
  }

  Status stop(const conf::PoolDef& def) override {
    if (::unlink(marker(def).c_str()) != 0 && errno != ENOENT)
      return systemError("cannot remove " + marker(def), errno);
    return okStatus();
  }

  bool isActive(const conf::PoolDef& def) override {
    struct stat st {};
    return ::stat(marker(def).c_str(), &st) == 0;
  }

  Status remove(const conf::PoolDef&) override {
    return Error(ErrorCode::Unsupported, "pool does not support pool deletion");
  }

  Result<PoolContents> refresh(const conf::PoolDef& def) override {
    auto p = portalOf(def);
    if (!p) return std::move(p).error();
    auto targets = listTarget(*p);
    if (!targets) return std::move(targets).error();
    PoolContents c;
    for (const auto& t : *targets) {
      if (t.iqn != p->iqn) continue;
      for (const auto& lun : t.luns) {
        if (!lun.disk()) continue;  // the controller LUN 0 of many targets
        std::string url = iscsiLunUrl(p->host, p->port, p->iqn, lun.lun);
        auto size = lunSize(*p, lun.lun, url);
        if (!size) return std::move(size).error();
        conf::VolumeDef v;
        v.name = "unit:0:0:" + std::to_string(lun.lun);
        v.key = url;
        v.path = url;
        v.type = "network";
        v.format = "raw";
        v.capacity = *size;
        v.allocation = *size;
        v.physical = *size;
        c.capacity += *size;
        c.volumes.push_back(std::move(v));
      }
    }
    c.allocation = c.capacity;  // a LUN is all allocated; nothing is free to carve
    return c;
  }

  Result<conf::VolumeDef> createVolume(const conf::PoolDef&, const conf::VolumeDef&,
                                       const daemon::VolumeCreateOptions&) override {
    return noVolumeChange("create");
  }
  Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef&, const conf::VolumeDef&, const VolumeTarget&,
                                           const daemon::VolumeCreateOptions&, drivers::JobMonitor*) override {
    return noVolumeChange("create");
  }
  Status deleteVolume(const conf::PoolDef&, const conf::VolumeDef&) override { return noVolumeChange("delete"); }
  Status wipeVolume(const conf::PoolDef&, const conf::VolumeDef&, const daemon::VolumeWipeOptions&,
                    drivers::JobMonitor*) override {
    return noVolumeChange("wipe");
  }
  Status resizeVolume(const conf::PoolDef&, const conf::VolumeDef&, std::uint64_t,
                      const daemon::VolumeResizeOptions&) override {
    return noVolumeChange("resize");
  }
  Result<std::string> findSources(const std::string& srcSpecXml) override { return findIscsiSources(srcSpecXml); }

  Result<VolumeTarget> target(const conf::PoolDef& def, const conf::VolumeDef& vol) override {
    auto p = portalOf(def);
    if (!p) return std::move(p).error();
    auto c = refresh(def);
    if (!c) return std::move(c).error();
    for (const auto& v : c->volumes)
      if (v.name == vol.name) return VolumeTarget{v.path, "network", "raw"};
    return Error(ErrorCode::NoStorageVolume, "Storage volume not found: no storage vol with matching name '" +
                                                 vol.name + "' in pool '" + def.name + "'");
  }

 private:
  std::string marker(const conf::PoolDef& def) const { return markerDir_ + "/" + def.name; }

  static Result<std::vector<IscsiTarget>> listTarget(const Portal& p) {
    std::vector<std::string> argv = {"iscsi-ls", "-s"};
    if (!p.initiator.empty()) argv.insert(argv.end(), {"-i", p.initiator});
    argv.push_back(p.url());
    CommandOptions o;
    o.timeout = std::chrono::seconds(30);
    auto r = runCommand(argv, o);
    if (!r) return std::move(r).error();
    auto t = parseIscsiLs(r->out);
    if (!t) return t;
    bool found = std::any_of(t->begin(), t->end(), [&](const IscsiTarget& x) { return x.iqn == p.iqn; });
    if (!found)
      return Error(ErrorCode::OperationFailed, "iSCSI target '" + p.iqn + "' not found at " + p.host + ":" +
                                                   std::to_string(p.port));
    return t;
  }

  // The exact size from QEMU's iscsi driver (iscsi-ls rounds to MiB).
  static Result<std::uint64_t> lunSize(const Portal& p, unsigned lun, const std::string& url) {
    std::vector<std::string> argv = {"qemu-img", "info", "--output=json"};
    if (p.initiator.empty()) {
      argv.push_back(url);
    } else {
      argv.push_back("--image-opts");
      argv.push_back("driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=" + p.host + ":" +
                     std::to_string(p.port) + ",file.target=" + p.iqn + ",file.lun=" + std::to_string(lun) +
                     ",file.initiator-name=" + p.initiator);
    }
    CommandOptions o;
    o.timeout = std::chrono::seconds(30);
    auto r = runCommand(argv, o);
    if (!r) return std::move(r).error();
    auto info = parseImageInfoJson(r->out, url);
    if (!info) return std::move(info).error();
    return info->virtualSize;
  }

  std::string markerDir_;
};

}  // namespace

std::unique_ptr<PoolBackend> makeIscsiPoolBackend(const std::string& runDir) {
  return std::make_unique<IscsiPoolBackend>(runDir);
}

}  // namespace stratus::storage
