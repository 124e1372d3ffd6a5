// find-storage-pool-sources for logical pools: the VGs `pvs` reports,
// each with its PVs, as <source> entries.
#pragma once

#include <vector>

#include "conf/storage_def.h"
#include "storage/lvm_report.h"

namespace stratus::storage {

// One source per VG (name, its devices, format lvm2), in the order the VGs
// first appear; PVs in no VG are left out (nothing to start).
std::vector<conf::PoolSource> logicalSourcesFromPvs(const std::vector<PvReport>& pvs);

}  // namespace stratus::storage
