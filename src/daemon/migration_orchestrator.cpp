// The order of a migration's phases and what undoes each one. The rule that
// shapes it: until the destination's finish has succeeded, the guest belongs
// to the source; after it, to the destination. So every failure before
// finish ends with finish(ok=false) on the destination (best effort: it may
// be unreachable, its keepalive timeout then cleans up) and confirm(ok=false)
// on the source, which resumes the guest there.
#include "daemon/migration_orchestrator.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace stratus::daemon {

namespace {

// While perform runs: keep the destination's incoming guest alive, report
// progress, and cancel the source's send when the destination has been
// silent too long or the caller wants to stop.
class PerformWatch {
 public:
  PerformWatch(NodeService& source, NodeService& destination, const MigrationRun& run, std::string destName)
      : source_(source), destination_(destination), run_(run), destName_(std::move(destName)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~PerformWatch() { stop(); }

  void stop() {
    {
      std::lock_guard lk(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool peerLost() const { return peerLost_; }
  bool stalled() const { return stalled_; }
  bool cancelled() const { return cancelled_; }
  std::string peerError() const {
    std::lock_guard lk(mu_);
    return peerError_;
  }

 private:
  void loop() {
    using Clock = std::chrono::steady_clock;
    auto lastHeard = Clock::now();
    auto lastMove = Clock::now();
    std::uint64_t lastMoved = 0;
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, run_.keepaliveInterval, [this] { return done_; })) {
      lk.unlock();
      if (auto k = destination_.migrateKeepalive(destName_); k) {
        lastHeard = Clock::now();
      } else {
        {
          std::lock_guard g(mu_);
          peerError_ = k.error().message;
        }
        if (Clock::now() - lastHeard > run_.peerSilenceLimit && !peerLost_) {
          peerLost_ = true;
          (void)source_.abortDomainJob(run_.key);
        }
      }
      if (auto j = source_.domainJobInfo(run_.key, false); j && j->type == "unbounded") {
        std::uint64_t moved = j->dataProcessed + j->diskProcessed;
        if (moved != lastMoved) {
          lastMoved = moved;
          lastMove = Clock::now();
        } else if (run_.stallLimit.count() > 0 && Clock::now() - lastMove > run_.stallLimit && !stalled_) {
          stalled_ = true;
          (void)source_.abortDomainJob(run_.key);
        }
        if (run_.onProgress && !cancelled_ && !run_.onProgress(*j)) {
          cancelled_ = true;
          (void)source_.abortDomainJob(run_.key);
        }
      }
      lk.lock();
    }
  }

  NodeService& source_;
  NodeService& destination_;
  const MigrationRun& run_;
  std::string destName_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> peerLost_{false}, cancelled_{false}, stalled_{false};
  std::string peerError_;
  std::thread thread_;
};

std::string fmtSeconds(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) : std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100);
}

// The guest stays (or goes back) on the source: undo prepare and begin.
void rollBack(NodeService& source, NodeService& destination, const MigrationRun& run, const std::string& destName,
              bool prepared) {
  if (prepared) (void)destination.migrateFinish(destName, false, run.options);
  (void)source.migrateConfirm(run.key, false, run.options);
}

}  // namespace

Result<MigrationOutcome> runMigration(NodeService& source, NodeService& destination, const MigrationRun& run) {
  const MigrateOptions& o = run.options;
  auto begin = source.migrateBegin(run.key, o);
  if (!begin) return std::move(begin).error();

  auto prepared = destination.migratePrepare(*begin, o);
  if (!prepared) {
    rollBack(source, destination, run, begin->name, false);
    return std::move(prepared).error();
  }
  const std::string destName = prepared->name;

  MigrationOutcome outcome;
  if (!o.offline) {
    Result<MigrationOutcome> sent = Error(ErrorCode::InternalError, "perform did not run");
    PerformWatch watch(source, destination, run, destName);
    if (run.tunnelledPerform)
      sent = run.tunnelledPerform(destination, *prepared);
    else
      sent = source.migratePerform(run.key, *prepared, o);
    watch.stop();
    if (!sent) {
      rollBack(source, destination, run, destName, true);
      Error e = std::move(sent).error();
      if (watch.peerLost())
        return Error(ErrorCode::OperationFailed, "operation failed: migration of '" + begin->name +
                                                     "': the destination stopped answering (" + watch.peerError() +
                                                     "); the guest keeps running here");
      if (watch.stalled())
        return Error(ErrorCode::OperationFailed,
                     "operation failed: migration of '" + begin->name + "': no data moved for " +
                         fmtSeconds(run.stallLimit) + " s (is the network to the destination down?); the guest keeps running here");
      if (watch.cancelled() && e.code != ErrorCode::Cancelled)
        return Error(ErrorCode::Cancelled, "operation aborted: migration out job: canceled by client");
      return e;
    }
    outcome = *sent;
  }

  // From here the destination decides: if it cannot take the guest, the
  // source resumes it (not possible any more once post-copy started).
  auto finished = destination.migrateFinish(destName, true, o);
  if (!finished) {
    if (!outcome.postcopy) (void)source.migrateConfirm(run.key, false, o);
    return std::move(finished).error();
  }
  if (auto c = source.migrateConfirm(run.key, true, o); !c) {
    // The guest runs on the destination; what failed is cleaning up here.
    return Error(c.error().code, "the guest now runs on the destination, but the source could not finish: " +
                                     c.error().message);
  }
  return outcome;
}

}  // namespace stratus::daemon
