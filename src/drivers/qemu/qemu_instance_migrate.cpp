// QemuInstance: the source side of a live migration. The guest's disks are
// mirrored first (copy-storage, qemu_instance_mirror.cpp), then QEMU sends
// memory and device state to the destination QEMU (tcp:) or into a
// descriptor (tunnelled). We wait on QEMU's MIGRATION events and query
// query-migrate on each wake-up (or every poll interval) for domjobinfo's
// numbers; a cancel request on the job monitor becomes migrate_cancel. A
// migration that fails or is cancelled leaves the guest running here as it
// was: mirrors removed, the guest resumed when we (or QEMU) stopped it.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_migration.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;
using namespace std::chrono_literals;

namespace {

constexpr const char* kMigrateFdName = "stratus-migrate";

// Often at first (the test guest moves in about a second), then less often
// for long migrations; events wake the waiter earlier either way.
std::chrono::milliseconds pollInterval(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start < 2s ? 50ms : 200ms;
}

bool migrationActive(const std::string& status) {
  return !status.empty() && status != "none" && !qmp::migrationFinished(status);
}

bool postcopyStatus(const std::string& status) { return status.starts_with("postcopy-"); }

}  // namespace

void QemuInstance::onMigrationEvent(const ::stratus::qemu::QmpEvent& ev) {
  {
    std::lock_guard lk(mu_);
    auto& e = migEvents_;
    ++e.generation;
    const auto& d = ev.data;
    auto text = [&d](const char* key) {
      auto it = d.is_object() ? d.find(key) : d.end();
      return it != d.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (ev.name == "MIGRATION") e.status = text("status");
    else if (ev.name == "BLOCK_JOB_COMPLETED") e.jobsEnded[text("device")] = {false, text("error")};
    else if (ev.name == "BLOCK_JOB_CANCELLED") e.jobsEnded[text("device")] = {true, ""};
  }
  exitedCv_.notify_all();
}

void QemuInstance::waitMigrationEvent(std::uint64_t& seen, std::chrono::milliseconds d) {
  std::unique_lock lk(mu_);
  exitedCv_.wait_for(lk, d, [&] { return migEvents_.generation != seen || exited_; });
  seen = migEvents_.generation;
}

bool QemuInstance::waitExited(std::chrono::milliseconds d) {
  std::unique_lock lk(mu_);
  return exitedCv_.wait_for(lk, d, [this] { return exited_; });
}

Status QemuInstance::applyMigrationSetup(const MigrationParams& p, bool fdChannel, bool source) {
  auto& m = *qmp_;
  auto setup = migrationSetup(p, fdChannel ? MigrationChannel::Fd : MigrationChannel::Tcp,
                              source ? MigrationSide::Source : MigrationSide::Destination, legacyCompressOn_);
  if (!setup) return std::move(setup).error();
  if (auto s = qmp::migrateSetCapabilities(m, setup->capabilities); !s) {
    // The destination checks userfaultfd when post-copy is enabled there.
    if (p.postcopy && s.error().message.find("ostcopy") != std::string::npos)
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: post-copy migration is not available on this host: " + qemuWords(s.error()));
    return Error(ErrorCode::OperationFailed,
                 "operation failed: cannot set migration capabilities: " + qemuWords(s.error()));
  }
  for (const auto& [name, state] : setup->capabilities)
    if (name == "compress") legacyCompressOn_ = state;
  if (!setup->parameters.empty()) {
    if (auto s = qmp::migrateSetParameters(m, setup->parameters); !s)
      return Error(ErrorCode::OperationFailed,
                   "operation failed: cannot set migration parameters: " + qemuWords(s.error()));
  }
  if (setup->multifdCompression) {
    // Both sides try zstd first and fall back alike, so they agree.
    auto s = qmp::migrateSetParameters(m, {{"multifd-compression", "zstd"}});
    if (!s && rejectsValue(s.error(), "zstd")) {
      spdlog::info("QEMU {}: no zstd in this QEMU; compressed migration uses zlib", process_.pid());
      s = qmp::migrateSetParameters(m, {{"multifd-compression", "zlib"}});
    }
    if (!s)
      return Error(ErrorCode::Unsupported,
                   "Operation not supported: compressed migration: " + qemuWords(s.error()));
  }
  return okStatus();
}

Status QemuInstance::checkMigratable() {
  if (migrating_) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: the domain is already being migrated");
  auto info = qmp::queryMigrate(*qmp_);
  if (!info) return std::move(info).error();
  if (migrationActive(info->status))
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: another migration job is active (QEMU reports '" +
                                                  info->status + "')");
  if (!info->blockedReasons.empty()) {
    std::string why;
    for (const auto& r : info->blockedReasons) why += (why.empty() ? "" : "; ") + r;
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot migrate domain: " + why);
  }
  return okStatus();
}

void QemuInstance::publishProgress(JobMonitor& mon, const qmp::MigrationInfo& info) {
  mon.update(migrationProgress(info, mirrors_.empty() ? lastDisk_ : mirrorProgress()));
}

Result<MigrationResult> QemuInstance::migrate(const MigrationTarget& to, const MigrationParams& p) {
  JobMonitor local("migration-out");
  JobMonitor& mon = p.monitor ? *p.monitor : local;
  if (to.uri.empty() == (to.fd < 0))
    return Error(ErrorCode::InvalidArgument, "invalid argument: a migration goes either to a URI or to a descriptor");
  if (!to.uri.empty() && !to.uri.starts_with("tcp:") && !to.uri.starts_with("unix:"))
    return Error(ErrorCode::InvalidArgument, "invalid argument: unsupported migration URI '" + to.uri +
                                                 "' (expected tcp:HOST:PORT)");
  if (!to.nbdMirrors.empty() && (to.nbdHost.empty() || to.nbdPort <= 0 || to.nbdPort > 65535))
    return Error(ErrorCode::InvalidArgument, "invalid argument: copying storage needs the destination's NBD host and port");
  for (const auto& [dev, exportName] : to.nbdMirrors) {
    std::lock_guard lk(mu_);
    if (std::none_of(live_.devices.disks.begin(), live_.devices.disks.end(),
                     [&](const conf::DiskDef& d) { return d.targetDev == dev; }))
      return Error(ErrorCode::InvalidArgument, "invalid argument: disk target " + dev + " not found");
  }
  STRATUS_TRY(checkMigratable());
  STRATUS_TRY(applyMigrationSetup(p, to.fd >= 0, true));
  auto st = qmp::queryStatus(*qmp_);
  if (!st) return std::move(st).error();
  const bool wasRunning = st->running;

  migrating_ = true;
  memoryPhase_ = false;
  postcopyAllowed_ = p.postcopy;
  postcopyWanted_ = false;
  postcopyStarted_ = false;
  {
    std::lock_guard lk(mu_);
    migEvents_.status.clear();
    migEvents_.jobsEnded.clear();
  }
  mirrors_.clear();
  lastDisk_ = {};
  lastDiskAt_ = {};
  mon.update(migrationProgress({}, {}));

  // virsh migrate without --live: the guest does not run while it moves.
  if (!p.live && wasRunning)
    if (auto s = pause(); !s) return abandonOutgoing(s.error(), wasRunning);
  if (!to.nbdMirrors.empty()) {
    if (auto s = startMirrors(to, p); !s) return abandonOutgoing(s.error(), wasRunning);
    if (auto s = waitMirrorsReady(mon); !s) return abandonOutgoing(s.error(), wasRunning);
  }
  auto r = runMemoryMigration(to, p, mon);
  if (!r) return abandonOutgoing(r.error(), wasRunning);
  // The guest is stopped here now (completed, or post-copy runs it on the
  // destination): the disks' last writes go over before the mirrors end.
  if (!mirrors_.empty()) {
    if (auto s = completeMirrors(); !s) return abandonOutgoing(s.error(), wasRunning);
    r->bytes = r->bytes + lastDisk_.processed;
  }
  if (!r->postcopy) migrating_ = false;
  return r;
}

Result<MigrationResult> QemuInstance::runMemoryMigration(const MigrationTarget& to, const MigrationParams& p,
                                                         JobMonitor& mon) {
  auto& m = *qmp_;
  std::string uri = to.uri;
  if (to.fd >= 0) {
    if (auto s = qmp::getfd(m, kMigrateFdName, to.fd); !s)
      return migrationJobFailed("cannot pass the migration descriptor to QEMU: " + qemuWords(s.error()));
    uri = std::string("fd:") + kMigrateFdName;
  }
  if (auto s = qmp::migrate(m, uri); !s) {
    if (to.fd >= 0) (void)qmp::closefd(m, kMigrateFdName);  // QEMU took it only if migrate started
    return migrationJobFailed(qemuWords(s.error()));
  }
  memoryPhase_ = true;
  // startPostcopy() asked while the disks were still being copied.
  if (postcopyWanted_.exchange(false))
    if (auto s = qmp::migrateStartPostcopy(m); !s) return migrationJobFailed("cannot switch to post-copy: " + qemuWords(s.error()));
  return waitOutgoing(mon, true);
}

Result<MigrationResult> QemuInstance::waitOutgoing(JobMonitor& mon, bool returnAtPostcopy) {
  auto& m = *qmp_;
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t seen;
  {
    std::lock_guard lk(mu_);
    seen = migEvents_.generation;
  }
  bool cancelSent = false;
  for (;;) {
    auto r = qmp::queryMigrate(m);
    if (!r) {
      if (waitExited(2s) || !process_.alive()) {
        std::string tail = logTail();
        return migrationJobFailed("QEMU exited during the migration" + (tail.empty() ? "" : ": " + tail));
      }
      return migrationJobFailed(qemuWords(r.error()));
    }
    publishProgress(mon, *r);
    const std::string& status = r->status;
    if (postcopyStatus(status)) postcopyStarted_ = true;
    bool done = status == "completed" || (returnAtPostcopy && status == "postcopy-active");
    if (status == "completed") {
      // QEMU says "completed" (and sends the event) a moment before its
      // migration thread computes total time and downtime and leaves
      // finish-migrate; no event marks that, so look again briefly.
      auto settle = std::chrono::steady_clock::now() + 5s;
      for (;;) {
        auto vm = qmp::queryStatus(m);
        if (!vm || vm->status != "finish-migrate" || std::chrono::steady_clock::now() > settle) break;
        waitExited(5ms);
      }
      if (auto again = qmp::queryMigrate(m); again && again->status == "completed") {
        *r = std::move(again).value();
        publishProgress(mon, *r);
      }
    }
    if (done) {
      MigrationResult res;
      res.postcopy = status != "completed";
      res.downtimeMs = r->downtimeMs;
      res.totalTimeMs = r->totalTimeMs;
      res.setupTimeMs = r->setupTimeMs;
      res.bytes = r->ramTransferred;
      return res;
    }
    if (status == "failed")
      return migrationJobFailed(r->errorDesc.empty() ? std::string("unexpectedly failed") : r->errorDesc);
    if (status == "cancelled") return cancelSent ? migrationJobCancelled() : migrationJobFailed("cancelled by QEMU");
    if (status == "postcopy-paused")
      return migrationJobFailed("post-copy migration broke off (the connection to the destination failed); the guest's "
                       "memory is split between the hosts");
    // A post-copy migration cannot be taken back: the destination runs the guest.
    if (!postcopyStarted_ && !cancelSent && mon.cancelRequested()) {
      if (auto s = qmp::migrateCancel(m); !s) return migrationJobFailed("cannot cancel: " + qemuWords(s.error()));
      cancelSent = true;
    }
    waitMigrationEvent(seen, pollInterval(t0));
  }
}

Error QemuInstance::abandonOutgoing(Error why, bool wasRunning) {
  auto& m = *qmp_;
  bool alive = m.alive() && process_.alive();
  if (alive && memoryPhase_ && !postcopyStarted_) {
    // Stop QEMU's side (a network cut leaves it blocked on the socket;
    // migrate_cancel shuts the socket down) and wait until it says so.
    auto info = qmp::queryMigrate(m);
    if (info && migrationActive(info->status)) {
      (void)qmp::migrateCancel(m);
      std::uint64_t seen = 0;
      auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline) {
        info = qmp::queryMigrate(m);
        if (!info || !migrationActive(info->status)) break;
        waitMigrationEvent(seen, 100ms);
      }
    }
  }
  if (alive) abortMirrors();
  mirrors_.clear();
  if (alive && wasRunning && !postcopyStarted_) {
    auto st = qmp::queryStatus(m);
    if (st && !st->running) {
      if (auto s = resume(); !s)
        why.message += "; and the guest could not be resumed on the source: " + qemuWords(s.error());
    }
  }
  memoryPhase_ = false;
  migrating_ = false;
  return why;
}

Result<MigrationResult> QemuInstance::waitMigration(JobMonitor* monitor) {
  if (!migrating_ || !postcopyStarted_)
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: no post-copy migration is running");
  JobMonitor local("migration-out");
  auto r = waitOutgoing(monitor ? *monitor : local, false);
  migrating_ = false;
  memoryPhase_ = false;
  if (r) r->postcopy = true;
  return r;
}

Status QemuInstance::setMigrationDowntime(std::uint64_t ms) {
  return qmp::migrateSetParameters(*qmp_, {{"downtime-limit", ms}});
}

Status QemuInstance::setMigrationSpeed(std::uint64_t bytesPerSecond) {
  return qmp::migrateSetParameters(*qmp_, {{"max-bandwidth", bytesPerSecond ? bytesPerSecond : kUnlimitedBandwidth}});
}

Status QemuInstance::startPostcopy() {
  if (!migrating_)
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: post-copy can only be started while outgoing migration is in progress");
  if (!postcopyAllowed_)
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: switching to post-copy requires "
                                              "migration to be started with --postcopy (VIR_MIGRATE_POSTCOPY)");
  if (postcopyStarted_) return okStatus();
  postcopyWanted_ = true;
  // Before QEMU's `migrate` (disks still copying) migrate() switches as soon
  // as memory starts moving; whoever takes the wish sends the command.
  if (memoryPhase_ && postcopyWanted_.exchange(false)) {
    if (auto s = qmp::migrateStartPostcopy(*qmp_); !s)
      return Error(ErrorCode::OperationFailed, "operation failed: cannot switch to post-copy: " + qemuWords(s.error()));
  }
  return okStatus();
}

Result<std::pair<std::uint64_t, std::uint64_t>> QemuInstance::migrationTuning() {
  auto p = qmp::queryMigrateParameters(*qmp_);
  if (!p) return std::move(p).error();
  std::uint64_t bw = p->maxBandwidth >= kUnlimitedBandwidth ? 0 : p->maxBandwidth;
  return std::make_pair(p->downtimeLimitMs, bw);
}

Status QemuInstance::resumeAfterFailedMigration() {
  if (postcopyStarted_)
    return Error(ErrorCode::OperationFailed,
                 "operation failed: cannot resume the guest on the source: post-copy migration already moved part of "
                 "its memory to the destination");
  auto st = qmp::queryStatus(*qmp_);
  if (!st) return std::move(st).error();
  if (st->running) return okStatus();
  // `cont` takes the disks back (QEMU released them at the switch-over).
  return resume();
}

}  // namespace stratus::drivers::qemu
