// Stage 2: the defaults libvirt fills when a pool is defined, so the stored
// definition says what will be used.
#include "conf/storage_stages.h"

namespace stratus::conf {

void fillPoolDefaults(PoolDef& def) {
  if (def.uuid.isNull()) def.uuid = Uuid::generate();
  const PoolTypeTraits& tr = poolTypeTraits(def.type);

  // Types that name their source (a VG, an rbd pool, a gluster volume, a
  // zpool) use the pool's name when the source has none.
  if (tr.name && def.source.name.empty()) def.source.name = def.name;
  if (def.type == PoolType::Gluster && def.source.dir.empty()) def.source.dir = "/";
  if (!tr.formats.empty() && def.source.format.empty()) def.source.format = std::string(tr.defaultFormat);

  if (def.type == PoolType::Logical) def.target.path = "/dev/" + def.source.name;
  else if (def.type == PoolType::Zfs) def.target.path = "/dev/zvol/" + def.source.name;
  else if (tr.network) def.target = {};  // network pools have no local target
}

}  // namespace stratus::conf
