// virsh's job progress bar ("\rMigration: [ 63 %]" on stderr), shared by
// save/restore --verbose and migrate --verbose.
#pragma once

#include <string>
#include <string_view>

#include "daemon/types.h"

namespace stratus::cli {

// virsh's figure: 100 only once nothing remains; a job that has data left
// never shows 100 (it stays at 99); 0 while the total is unknown.
int jobProgressPercent(const daemon::JobInfo& j);
// "\rLABEL: [ 63 %]"
std::string progressBar(std::string_view label, int percent);

}  // namespace stratus::cli
