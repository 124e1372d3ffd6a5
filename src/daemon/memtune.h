// <memtune> of a domain definition (kept verbatim by conf/ as an element):
// the limits virsh memtune shows and changes.
#pragma once

#include "conf/domain_def.h"
#include "daemon/stats_types.h"
#include "util/error.h"

namespace stratus::daemon {

// hard_limit, soft_limit and swap_hard_limit in KiB; unlimited when absent.
MemoryTune memoryTuneOf(const conf::DomainDef& def);

// Applies the limits given in `update` (kMemoryUnlimited removes one) to a
// copy of the definition's limits and checks them as libvirt does (hard
// limit <= swap hard limit; no min_guarantee); writes them back only when
// valid.
Result<MemoryTune> applyMemoryTune(conf::DomainDef& def, const MemoryTuneUpdate& update);

}  // namespace stratus::daemon
