// undefine --remove-all-storage / --storage LIST / --wipe-storage: virsh
// works out the domain's volumes before it undefines the domain, then
// deletes (and first wipes) them, naming each "Volume 'vda'(/path)".
#pragma once

#include <string>
#include <vector>

#include "cli/ctl.h"
#include "daemon/types.h"

namespace stratus::cli {

struct DomainVolume {
  std::string target;  // vda
  std::string source;  // the path, or the volume name of a type='volume' disk
  std::string pool;    // "" for a path (looked up among every pool's volumes)
  std::string volume;  // name or path as the node looks it up
};

// The volumes to remove: every disk with a source (`all`), or those whose
// target or source `wanted` names (virsh's --storage vda,/path). Disks
// whose storage no pool holds are reported as virsh does and left out.
// nullopt (error printed) when `wanted` names something the domain lacks.
std::optional<std::vector<DomainVolume>> domainVolumes(Ctl& ctl, const daemon::DomainSummary& d, bool all,
                                                       const std::vector<std::string>& wanted);

// Wipes (when asked) and deletes each; false when one failed.
bool removeDomainVolumes(Ctl& ctl, const std::vector<DomainVolume>& vols, bool wipe);

}  // namespace stratus::cli
