// StorageRegistry: what a domain's <disk type='volume'> means on this host.
#include "daemon/storage_registry.h"

namespace stratus::daemon {

Status StorageRegistry::resolveVolumes(conf::DomainDef& def) {
  for (auto& d : def.devices.disks) {
    if (d.type != "volume") continue;
    const std::string where = "disk '" + d.targetDev + "'";
    if (d.sourcePool.empty() || d.sourceVolume.empty()) {
      // A cdrom without a medium has no source at all.
      if (!d.hasSource || (d.sourcePool.empty() && d.sourceVolume.empty())) continue;
      return Error(ErrorCode::XmlInvalid, where + ": a volume source needs both pool and volume");
    }
    Ptr p;
    conf::PoolDef live;
    conf::VolumeDef vol;
    {
      std::lock_guard lk(mu_);
      p = find(d.sourcePool);
      if (!p)
        return Error(ErrorCode::NoStoragePool, "Storage pool not found: no storage pool with matching name '" +
                                                   d.sourcePool + "' (" + where + ", volume '" + d.sourceVolume + "')");
      if (!p->live)
        return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: storage pool '" + d.sourcePool +
                                                      "' containing volume '" + d.sourceVolume + "' is not active");
      auto v = findVolume(*p, d.sourceVolume);
      if (!v)
        return Error(ErrorCode::NoStorageVolume, "Storage volume not found: no storage vol with matching name '" +
                                                     d.sourceVolume + "' in pool '" + d.sourcePool + "' (" + where + ")");
      live = *p->live;
      vol = *v;
    }
    auto t = p->backend->target(live, vol);
    if (!t) return std::move(t).error();
    d.volumeType = vol.type == "network" ? "network" : t->type;
    d.volumePath = t->path;
    d.volumeFormat = t->format;
  }
  return okStatus();
}

}  // namespace stratus::daemon
