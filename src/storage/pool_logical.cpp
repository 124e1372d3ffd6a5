// logical pools: an LVM volume group on the source devices; volumes are
// its logical volumes. LVM reads its configuration from LVM_SYSTEM_DIR
// when set (the tests point it at an lvm.conf whose device filter admits
// only their loop devices, so the host's own VGs are never seen).
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "storage/blkid.h"
#include "storage/command.h"
#include "storage/file_volumes.h"
#include "storage/lvm_report.h"
#include "storage/pool_sources.h"
#include "storage/pool_types.h"
#include "storage/volume_copy.h"
#include "storage/volume_wipe.h"

namespace stratus::storage {

bool kernelHasDeviceMapper() {
  // The driver registers itself as a misc device; /dev/mapper/control can
  // exist without it (LVM makes the node) and then fails with ENODEV.
  std::ifstream misc("/proc/misc");
  std::string line;
  while (std::getline(misc, line))
    if (line.find("device-mapper") != std::string::npos) return true;
  return false;
}

namespace {

// LVM complains on stderr about every inherited descriptor; the ones we
// pass are on purpose (none but stdio), so the warning is noise.
Result<CommandOutput> lvm(std::vector<std::string> argv) {
  CommandOptions o;
  o.extraEnv = {"LVM_SUPPRESS_FD_WARNINGS=1"};
  return runCommand(argv, o);
}

std::string vgName(const conf::PoolDef& def) { return def.source.name.empty() ? def.name : def.source.name; }

std::string lvPath(const conf::PoolDef& def, const std::string& lv) { return "/dev/" + vgName(def) + "/" + lv; }

Error noDeviceMapper(const std::string& what, const conf::PoolDef& def) {
  return Error(ErrorCode::Unsupported, "cannot " + what + " in volume group '" + vgName(def) +
                                           "': the kernel lacks device-mapper support (no device-mapper in "
                                           "/proc/misc), so LVM cannot create or activate logical volumes");
}

Status checkLvName(const std::string& name) {
  STRATUS_TRY(checkVolumeFileName(name));
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-") != std::string::npos ||
      name.front() == '-')
    return Error(ErrorCode::InvalidArgument, "invalid logical volume name '" + name +
                                                 "': LVM allows letters, digits and + _ . - (not first)");
  return okStatus();
}

class LogicalPoolBackend : public PoolBackend {
 public:
  Status build(const conf::PoolDef& def, const daemon::PoolBuildOptions& opts) override {
    if (opts.overwrite && opts.noOverwrite)
      return Error(ErrorCode::InvalidArgument, "--overwrite and --no-overwrite are mutually exclusive");
    if (def.source.devices.empty())
      return Error(ErrorCode::XmlInvalid, "pool '" + def.name + "': logical pool-build needs <source><device path>");
    std::vector<std::string> devs;
    for (const auto& d : def.source.devices) devs.push_back(d.path);
    if (!opts.overwrite)
      for (const auto& d : devs) STRATUS_TRY(requireEmptyDevice(d));
    std::vector<std::string> pv = {"pvcreate", "-y"};
    if (opts.overwrite) pv.push_back("-ff");
    pv.insert(pv.end(), devs.begin(), devs.end());
    if (auto r = lvm(pv); !r) return Error(r.error().code, "cannot build pool '" + def.name + "': " + r.error().message);
    std::vector<std::string> vg = {"vgcreate", vgName(def)};
    vg.insert(vg.end(), devs.begin(), devs.end());
    if (auto r = lvm(vg); !r) {
      std::vector<std::string> undo = {"pvremove", "-y"};
      undo.insert(undo.end(), devs.begin(), devs.end());
      (void)lvm(undo);  // the PVs we just made go again
      return Error(r.error().code, "cannot build pool '" + def.name + "': " + r.error().message);
    }
    return okStatus();
  }

  Status start(const conf::PoolDef& def) override {
    if (auto r = lvm({"vgchange", "-aly", vgName(def)}); !r)
      return Error(r.error().code, "cannot start pool '" + def.name + "': " + r.error().message);
    return okStatus();
  }

  Status stop(const conf::PoolDef& def) override {
    if (auto r = lvm({"vgchange", "-aln", vgName(def)}); !r)
      return Error(r.error().code, "cannot stop pool '" + def.name + "': " + r.error().message);
    return okStatus();
  }

  // The VG is there and its LVs are active (lv_attr's fifth letter 'a'). A
  // VG without LVs has nothing to activate: present means active, as
  // libvirt's check of the VG does.
  bool isActive(const conf::PoolDef& def) override {
    auto r = lvm({"vgs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", kVgFields, vgName(def)});
    if (!r) return false;
    auto vgs = parseVgsJson(r->out);
    if (!vgs || vgs->empty()) return false;
    auto lr = lvm({"lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", kLvFields, vgName(def)});
    if (!lr) return false;
    auto lvs = parseLvsJson(lr->out);
    if (!lvs) return false;
    if (lvs->empty()) return true;
    return std::any_of(lvs->begin(), lvs->end(), [](const LvReport& l) { return l.active(); });
  }

  Status remove(const conf::PoolDef& def) override {
    if (auto r = lvm({"vgremove", "-f", vgName(def)}); !r)
      return Error(r.error().code, "cannot delete pool '" + def.name + "': " + r.error().message);
    std::vector<std::string> pv = {"pvremove", "-y"};
    for (const auto& d : def.source.devices) pv.push_back(d.path);
    if (pv.size() > 2)
      if (auto r = lvm(pv); !r) return Error(r.error().code, "cannot delete pool '" + def.name + "': " + r.error().message);
    return okStatus();
  }

  Result<PoolContents> refresh(const conf::PoolDef& def) override {
    std::string vg = vgName(def);
    auto vr = lvm({"vgs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", kVgFields, vg});
    if (!vr) return std::move(vr).error();
    auto vgs = parseVgsJson(vr->out);
    if (!vgs) return std::move(vgs).error();
    if (vgs->empty()) return Error(ErrorCode::OperationFailed, "volume group '" + vg + "' not found");
    PoolContents c;
    c.capacity = vgs->front().size;
    c.available = vgs->front().free;
    c.allocation = c.capacity - std::min(c.capacity, c.available);
    auto lr = lvm({"lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-o", kLvFields, vg});
    if (!lr) return std::move(lr).error();
    auto lvs = parseLvsJson(lr->out);
    if (!lvs) return std::move(lvs).error();
    for (const auto& l : *lvs) {
      conf::VolumeDef v;
      v.name = l.name;
      v.key = l.uuid;
      v.path = l.path.empty() ? lvPath(def, l.name) : l.path;
      v.type = "block";
      v.format = "";
      v.capacity = l.size;
      v.allocation = l.size;
      v.physical = l.size;
      c.volumes.push_back(std::move(v));
    }
    return c;
  }

  Result<conf::VolumeDef> createVolume(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                       const daemon::VolumeCreateOptions& opts) override {
    STRATUS_TRY(checkLvName(vol.name));
    if (!vol.format.empty() && vol.format != "raw")
      return Error(ErrorCode::Unsupported, "logical volumes hold raw bytes: format '" + vol.format + "' is not supported");
    if (vol.backing) return Error(ErrorCode::Unsupported, "logical volumes cannot have a backing store");
    if (vol.capacity == 0) return Error(ErrorCode::InvalidArgument, "volume '" + vol.name + "': capacity must be > 0");
    if (!kernelHasDeviceMapper()) return noDeviceMapper("create logical volume '" + vol.name + "'", def);
    auto r = lvm({"lvcreate", "-y", "--name", vol.name, "-L", std::to_string(vol.capacity) + "b", vgName(def)});
    if (!r) return Error(r.error().code, "cannot create storage volume '" + vol.name + "': " + r.error().message);
    std::string path = lvPath(def, vol.name);
    if (auto st = applyPermissions(path, vol.perms, "volume '" + vol.name + "' permissions"); !st) {
      (void)lvm({"lvremove", "-f", vgName(def) + "/" + vol.name});
      return std::move(st).error();
    }
    return find(def, vol.name);
  }

  Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef& def, const conf::VolumeDef& vol,
                                           const VolumeTarget& from, const daemon::VolumeCreateOptions& opts,
                                           drivers::JobMonitor* job) override {
    conf::VolumeDef sized = vol;
    if (sized.capacity == 0) {
      auto size = sourceVirtualSize(from);
      if (!size) return std::move(size).error();
      sized.capacity = *size;
    }
    auto made = createVolume(def, sized, opts);
    if (!made) return made;
    conf::VolumeDef rawVol = sized;
    rawVol.format = "raw";
    if (auto st = convertVolume(from, made->path, rawVol, {}, /*targetExists=*/true, job); !st) {
      (void)lvm({"lvremove", "-f", vgName(def) + "/" + vol.name});  // no half volume stays
      return std::move(st).error();
    }
    return made;
  }

  Status deleteVolume(const conf::PoolDef& def, const conf::VolumeDef& vol) override {
    STRATUS_TRY(checkLvName(vol.name));
    if (auto r = lvm({"lvremove", "-f", vgName(def) + "/" + vol.name}); !r)
      return Error(r.error().code, "cannot delete storage volume '" + vol.name + "': " + r.error().message);
    return okStatus();
  }

  Status wipeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, const daemon::VolumeWipeOptions& opts,
                    drivers::JobMonitor* job) override {
    STRATUS_TRY(checkWipeAlgorithm(opts.algorithm));
    STRATUS_TRY(checkLvName(vol.name));
    return zeroVolumeBytes(lvPath(def, vol.name), job);
  }

  Status resizeVolume(const conf::PoolDef& def, const conf::VolumeDef& vol, std::uint64_t capacity,
                      const daemon::VolumeResizeOptions& opts) override {
    auto cur = find(def, vol.name);
    if (!cur) return std::move(cur).error();
    if (capacity < cur->capacity && !opts.shrink)
      return Error(ErrorCode::InvalidArgument,
                   "Can't shrink capacity below current capacity unless shrink flag explicitly specified");
    if (!kernelHasDeviceMapper()) return noDeviceMapper("resize logical volume '" + vol.name + "'", def);
    std::vector<std::string> argv = {"lvresize", "-y", "-L", std::to_string(capacity) + "b"};
    if (capacity < cur->capacity) argv.push_back("-f");
    argv.push_back(vgName(def) + "/" + vol.name);
    if (auto r = lvm(argv); !r)
      return Error(r.error().code, "cannot resize storage volume '" + vol.name + "': " + r.error().message);
    return okStatus();
  }

  Result<std::string> findSources(const std::string& srcSpecXml) override { return findLogicalSources(srcSpecXml); }

  Result<VolumeTarget> target(const conf::PoolDef& def, const conf::VolumeDef& vol) override {
    auto cur = find(def, vol.name);
    if (!cur) return std::move(cur).error();
    return VolumeTarget{cur->path, "block", "raw"};
  }

 private:
  Result<conf::VolumeDef> find(const conf::PoolDef& def, const std::string& name) {
    auto c = refresh(def);
    if (!c) return std::move(c).error();
    for (auto& v : c->volumes)
      if (v.name == name) return std::move(v);
    return Error(ErrorCode::NoStorageVolume, "Storage volume not found: no storage vol with matching name '" + name +
                                                 "' in pool '" + def.name + "'");
  }
};

}  // namespace

std::unique_ptr<PoolBackend> makeLogicalPoolBackend() { return std::make_unique<LogicalPoolBackend>(); }

}  // namespace stratus::storage
