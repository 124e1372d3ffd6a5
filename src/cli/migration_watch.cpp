#include "cli/migration_watch.h"

#include "cli/job_progress.h"

namespace stratus::cli {

MigrationWatch::MigrationWatch(Ctl& ctl, daemon::NodeService& source, std::string key, Settings s)
    : ctl_(ctl), source_(source), key_(std::move(key)), settings_(s) {}

std::string MigrationWatch::barFor(const daemon::JobInfo& j) {
  if (!settings_.verbose || (j.type != "unbounded" && j.type != "bounded") || j.dataTotal == 0) return {};
  int p = jobProgressPercent(j);
  if (p == 100) p = 99;  // 100 only once the migration has ended
  if (p == shown_) return {};
  shown_ = p;
  return progressBar("Migration", p);
}

bool MigrationWatch::onJob(const daemon::JobInfo* job) {
  if (sigint_.interrupted()) return false;
  if (job) {
    if (auto bar = barFor(*job); !bar.empty()) ctl_.progress(bar);
    // virsh switches after the first full pass over memory: when the
    // second iteration begins.
    if (settings_.postcopyAfterPrecopy && !postcopyAsked_ && job->memIteration >= 2) {
      postcopyAsked_ = true;
      (void)source_.migrateStartPostcopy(key_);
    }
  }
  const auto& t = settings_.timeout;
  if (t.seconds > 0 && !timeoutDone_ && std::chrono::steady_clock::now() - started_ >= std::chrono::seconds(t.seconds)) {
    timeoutDone_ = true;
    // Like virsh, a failed action is not fatal: the migration goes on.
    if (t.action == daemon::MigrateOptions::TimeoutAction::Postcopy)
      (void)source_.migrateStartPostcopy(key_);
    else
      (void)source_.suspendDomain(key_);
  }
  return true;
}

void MigrationWatch::finish(bool ok) {
  // As virsh: the bar ends at 100 % and the command's trailing empty line
  // (stdout) ends the bar's line.
  if (ok && settings_.verbose) {
    ctl_.progress(progressBar("Migration", 100));
  } else if (shown_ >= 0) {
    ctl_.progress("\n");
  }
}

}  // namespace stratus::cli
