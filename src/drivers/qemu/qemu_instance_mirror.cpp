// QemuInstance: copy-storage for a migration. Each disk to copy gets an NBD
// client node on the destination's export and a blockdev-mirror job from
// its format node into it. Memory moves only once every mirror is READY
// (target in sync, writes mirrored from then on); after the switch-over the
// guest is stopped, and a soft block-job-cancel on each READY mirror brings
// the target fully in sync and ends the job. On failure or cancel the jobs
// are abandoned (force) and the NBD connections yanked, so a destination
// that went away cannot leave requests hanging.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "drivers/qemu/qemu_hotplug_args.h"
#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qmp_devices.h"
#include "drivers/qemu/qmp_migration.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;
using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds pollInterval(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start < 2s ? 50ms : 200ms;
}

// How long a job that left query-block-jobs may go without its end event
// before we call it gone (the event is handled on the watcher thread and
// can trail the query's reply a little).
constexpr auto kEventGrace = 2s;

}  // namespace

Result<std::string> QemuInstance::diskFormatNode(const std::string& dev) {
  std::string alias;
  {
    std::lock_guard lk(mu_);
    for (const auto& d : live_.devices.disks)
      if (d.targetDev == dev) alias = d.info.alias;
  }
  if (alias.empty()) return Error(ErrorCode::InvalidArgument, "invalid argument: disk target " + dev + " not found");
  std::string node = mediumNode(alias);
  if (node.empty())
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: disk '" + dev + "' has no medium");
  return node;
}

std::optional<QemuInstance::MigrationEvents::JobEnd> QemuInstance::mirrorJobEnd(const std::string& jobId) {
  std::lock_guard lk(mu_);
  auto it = migEvents_.jobsEnded.find(jobId);
  if (it == migEvents_.jobsEnded.end()) return std::nullopt;
  return it->second;
}

Status QemuInstance::startMirrors(const MigrationTarget& to, const MigrationParams& p) {
  auto& m = *qmp_;
  // Every disk is resolved before anything is started.
  std::vector<std::string> formats;
  for (const auto& [dev, exportName] : to.nbdMirrors) {
    auto f = diskFormatNode(dev);
    if (!f) return std::move(f).error();
    formats.push_back(*f);
  }
  for (std::size_t i = 0; i < to.nbdMirrors.size(); ++i) {
    const auto& [dev, exportName] = to.nbdMirrors[i];
    Mirror mi{dev, "migrate-" + dev, "migrate-" + dev + "-nbd"};
    Json nbd = {{"driver", "nbd"},
                {"node-name", mi.nbdNode},
                {"server", {{"type", "inet"}, {"host", to.nbdHost}, {"port", std::to_string(to.nbdPort)}}},
                {"export", exportName}};
    if (auto s = qmp::blockdevAdd(m, nbd); !s)
      return migrationJobFailed("cannot reach the destination's NBD export '" + exportName + "' for disk '" + dev +
                                "': " + qemuWords(s.error()));
    mirrors_.push_back(mi);  // from here on, failure removes the node
    Json mirror = {{"job-id", mi.jobId},
                   {"device", formats[i]},
                   {"target", mi.nbdNode},
                   {"sync", to.incremental ? "top" : "full"}};
    // --bandwidth limits the disks as well as memory, as libvirt does.
    if (p.maxBandwidth) mirror["speed"] = p.maxBandwidth;
    if (auto s = qmp::blockdevMirror(m, mirror); !s) {
      return migrationJobFailed("cannot mirror disk '" + dev + "': " + qemuWords(s.error()));
    }
  }
  return okStatus();
}

DiskProgress QemuInstance::mirrorProgress(bool query) {
  if (auto jobs = query ? qmp::queryBlockJobs(*qmp_) : Result<std::vector<qmp::BlockJob>>(std::vector<qmp::BlockJob>{})) {
    for (auto& mi : mirrors_)
      for (const auto& j : *jobs)
        if (j.id == mi.jobId) {
          mi.len = j.len;
          mi.offset = j.offset;
        }
  }
  DiskProgress d;
  for (const auto& mi : mirrors_) {
    d.total += mi.len;
    d.processed += std::min(mi.offset, mi.len);
  }
  // The rate over the time since the last sample (at least 50 ms apart).
  auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(now - lastDiskAt_).count();
  d.bps = lastDisk_.bps;
  if (lastDiskAt_ == std::chrono::steady_clock::time_point{} || secs >= 0.05) {
    if (lastDiskAt_ != std::chrono::steady_clock::time_point{} && d.processed >= lastDisk_.processed)
      d.bps = static_cast<std::uint64_t>(static_cast<double>(d.processed - lastDisk_.processed) / secs);
    lastDisk_ = d;
    lastDiskAt_ = now;
  }
  return d;
}

Status QemuInstance::waitMirrorsReady(JobMonitor& mon) {
  auto& m = *qmp_;
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t seen = 0;
  auto endedEarly = [](const Mirror& mi, const MigrationEvents::JobEnd& end) {
    return migrationJobFailed("the copy of disk '" + mi.dev + "' ended early: " +
                              (end.cancelled ? std::string("cancelled")
                               : end.error.empty() ? std::string("unexpectedly") : end.error));
  };
  for (;;) {
    auto jobs = qmp::queryBlockJobs(m);
    if (!jobs) {
      if (waitExited(2s) || !process_.alive()) return migrationJobFailed("QEMU exited while copying the disks");
      return migrationJobFailed(qemuWords(jobs.error()));
    }
    bool allReady = true;
    for (auto& mi : mirrors_) {
      if (auto end = mirrorJobEnd(mi.jobId)) return endedEarly(mi, *end);
      auto j = std::find_if(jobs->begin(), jobs->end(), [&](const qmp::BlockJob& b) { return b.id == mi.jobId; });
      if (j == jobs->end()) {
        // Gone before READY: its end event says why (it may trail the reply).
        std::optional<MigrationEvents::JobEnd> end;
        {
          std::unique_lock lk(mu_);
          exitedCv_.wait_for(lk, kEventGrace, [&] {
            auto it = migEvents_.jobsEnded.find(mi.jobId);
            if (it != migEvents_.jobsEnded.end()) end = it->second;
            return end.has_value() || exited_;
          });
        }
        if (end) return endedEarly(mi, *end);
        return migrationJobFailed("the copy of disk '" + mi.dev + "' disappeared");
      }
      mi.len = j->len;
      mi.offset = j->offset;
      if (!j->ready) allReady = false;
    }
    mon.update(migrationProgress({}, mirrorProgress(false)));
    if (allReady) return okStatus();
    if (mon.cancelRequested()) return migrationJobCancelled();
    waitMigrationEvent(seen, pollInterval(t0));
  }
}

Status QemuInstance::completeMirrors() {
  auto& m = *qmp_;
  (void)mirrorProgress();  // the last numbers before the jobs go away
  for (const auto& mi : mirrors_)
    if (auto s = qmp::blockJobCancel(m, mi.jobId, false); !s)
      return migrationJobFailed("cannot complete the copy of disk '" + mi.dev + "': " + qemuWords(s.error()));
  // The guest is stopped: only what it wrote since the last pass is left.
  auto deadline = std::chrono::steady_clock::now() + 120s;
  std::uint64_t seen = 0;
  for (;;) {
    bool allEnded = true;
    for (const auto& mi : mirrors_) {
      auto end = mirrorJobEnd(mi.jobId);
      if (!end) {
        allEnded = false;
        continue;
      }
      if (!end->error.empty())
        return migrationJobFailed("the copy of disk '" + mi.dev + "' failed: " + end->error);
    }
    if (allEnded) break;
    if (!process_.alive()) return migrationJobFailed("QEMU exited while completing the disks' copy");
    if (std::chrono::steady_clock::now() > deadline)
      return migrationJobFailed("the disks' copy did not complete within 120 s");
    waitMigrationEvent(seen, 200ms);
  }
  for (auto& mi : mirrors_) {
    mi.offset = mi.len;  // in sync
    if (auto s = qmp::blockdevDel(m, mi.nbdNode); !s)
      spdlog::warn("QEMU {}: cannot remove NBD node {}: {}", process_.pid(), mi.nbdNode, s.error().message);
  }
  lastDisk_ = {};
  for (const auto& mi : mirrors_) {
    lastDisk_.total += mi.len;
    lastDisk_.processed += mi.len;
  }
  mirrors_.clear();
  return okStatus();
}

void QemuInstance::abortMirrors() {
  if (mirrors_.empty()) return;
  auto& m = *qmp_;
  for (const auto& mi : mirrors_) {
    (void)qmp::blockJobCancel(m, mi.jobId, true);
    // A destination that vanished without closing the connection (network
    // cut) would keep the job's requests waiting for TCP to give up.
    (void)qmp::yankBlockNode(m, mi.nbdNode);
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::uint64_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto jobs = qmp::queryBlockJobs(m);
    if (!jobs) break;
    bool running = false;
    for (const auto& mi : mirrors_)
      for (const auto& j : *jobs)
        if (j.id == mi.jobId) running = true;
    if (!running) break;
    waitMigrationEvent(seen, 100ms);
  }
  for (const auto& mi : mirrors_) {
    auto s = qmp::blockdevDel(m, mi.nbdNode);
    if (!s && s.error().message.find("not found") == std::string::npos &&
        s.error().message.find("Cannot find") == std::string::npos)
      spdlog::warn("QEMU {}: cannot remove NBD node {}: {}", process_.pid(), mi.nbdNode, s.error().message);
  }
  mirrors_.clear();
}

}  // namespace stratus::drivers::qemu
