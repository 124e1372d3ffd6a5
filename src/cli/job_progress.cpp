#include "cli/job_progress.h"

#include <fmt/format.h>

namespace stratus::cli {

int jobProgressPercent(const daemon::JobInfo& j) {
  if (j.dataRemaining == 0) return 100;
  if (j.dataTotal == 0) return 0;
  // In floating point, as virsh does, so that huge totals cannot overflow.
  double p = 100.0 - static_cast<double>(j.dataRemaining) * 100.0 / static_cast<double>(j.dataTotal);
  if (p >= 100.0) return 99;
  if (p < 0.0) return 0;
  return static_cast<int>(p);
}

std::string progressBar(std::string_view label, int percent) { return fmt::format("\r{}: [{:3} %]", label, percent); }

}  // namespace stratus::cli
