// The progress and cancel switch of one long operation (save, restore),
// shared by the node and the driver doing the work. The driver publishes
// progress and polls for cancellation; the node reads snapshots for
// domjobinfo and requests cancellation for domjobabort, from other threads,
// without waiting for the domain's job.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "daemon/types.h"

namespace stratus::drivers {

class JobMonitor {
 public:
  using Clock = std::chrono::steady_clock;

  explicit JobMonitor(std::string operation) : start_(Clock::now()) {
    info_.type = "unbounded";
    info_.operation = std::move(operation);
  }

  // ---- the driver ----
  // New progress numbers (every field but type, operation, elapsed, percent).
  void update(const daemon::JobInfo& p) {
    std::lock_guard lk(mu_);
    daemon::JobInfo next = p;
    next.type = info_.type;
    next.operation = info_.operation;
    next.error = info_.error;
    info_ = next;
  }
  bool cancelRequested() const {
    std::lock_guard lk(mu_);
    return cancel_;
  }
  // Wait up to `timeout` for a cancel request; true when one came.
  bool waitForCancel(std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, timeout, [this] { return cancel_; });
  }

  // ---- the node ----
  void requestCancel() {
    {
      std::lock_guard lk(mu_);
      cancel_ = true;
    }
    cv_.notify_all();
  }
  // The job as it stands (type "unbounded" while it runs).
  daemon::JobInfo snapshot() const {
    std::lock_guard lk(mu_);
    daemon::JobInfo j = info_;
    j.timeElapsedMs = elapsedMs(done_ ? end_ : Clock::now());
    j.percent = percentOf(j);
    return j;
  }
  // The job is over: completed, failed or cancelled (per `ok` and whether a
  // cancel was asked for); `error` says why it did not complete.
  daemon::JobInfo finish(bool ok, const std::string& error) {
    std::lock_guard lk(mu_);
    done_ = true;
    end_ = Clock::now();
    info_.type = ok ? "completed" : cancel_ ? "cancelled" : "failed";
    if (ok) {
      info_.dataProcessed += info_.dataRemaining;
      info_.dataRemaining = 0;
      info_.memProcessed += info_.memRemaining;
      info_.memRemaining = 0;
    }
    info_.error = ok ? "" : error;
    daemon::JobInfo j = info_;
    j.timeElapsedMs = elapsedMs(end_);
    j.percent = percentOf(j);
    return j;
  }

  // virsh's progress: 100 once complete, else at most 99.
  static int percentOf(const daemon::JobInfo& j) {
    if (j.type == "completed") return 100;
    if (j.dataTotal == 0) return 0;
    double p = 100.0 - static_cast<double>(j.dataRemaining) * 100.0 / static_cast<double>(j.dataTotal);
    int pct = static_cast<int>(p);
    return pct < 0 ? 0 : pct > 99 ? 99 : pct;
  }

 private:
  std::uint64_t elapsedMs(Clock::time_point t) const {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t - start_).count());
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  const Clock::time_point start_;
  Clock::time_point end_;
  bool done_ = false;
  bool cancel_ = false;
  daemon::JobInfo info_;
};

}  // namespace stratus::drivers
