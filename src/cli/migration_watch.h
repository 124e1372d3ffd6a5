// What `migrate` does while the guest moves, as virsh's job watcher does:
// the progress bar (--verbose), Ctrl-C (cancel), --timeout's action
// (suspend the guest or switch to post-copy) and --postcopy-after-precopy.
// Fed with the source's job by the orchestrator's progress callback, or by
// the command's own poll loop for --p2p.
#pragma once

#include <chrono>
#include <string>

#include "cli/ctl.h"
#include "cli/interrupt.h"
#include "cli/migrate_args.h"

namespace stratus::cli {

class MigrationWatch {
 public:
  struct Settings {
    bool verbose = false;
    MigrateTimeout timeout;
    bool postcopyAfterPrecopy = false;
  };
  // `source` and `key` name the outgoing job; the tuning calls go there.
  MigrationWatch(Ctl& ctl, daemon::NodeService& source, std::string key, Settings s);

  // One look at the source's job (nullptr: it could not be read). False
  // when the user asked to stop (Ctrl-C): the caller cancels the job.
  bool onJob(const daemon::JobInfo* job);
  // The end: "[100 %]" on success (with --verbose), a newline after a bar
  // that a failure interrupted (so the error starts its own line).
  void finish(bool ok);

  // Exposed for tests: what the bar shows for `job` ("" when unchanged or
  // not shown).
  std::string barFor(const daemon::JobInfo& job);

 private:
  Ctl& ctl_;
  daemon::NodeService& source_;
  std::string key_;
  Settings settings_;
  SigintScope sigint_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool timeoutDone_ = false;
  bool postcopyAsked_ = false;
  int shown_ = -1;
};

}  // namespace stratus::cli
