// QemuInstance: save and restore of the guest's state. Save pauses nothing
// itself (the node paused the guest): QEMU migrates into a descriptor passed
// with getfd (the image file, or a pipe into a compressor) while we poll
// query-migrate for progress and the job monitor for a cancel request.
// Restore feeds the image (through a decompressor) to `migrate-incoming`.
#include <unistd.h>

#include <cstdint>
#include <limits>

#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qemu_migration_stream.h"
#include "drivers/qemu/qmp_commands.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSaveFdName = "stratus-save";
constexpr const char* kRestoreFdName = "stratus-restore";

// Poll often at first (a small guest saves in well under a second), then
// less often for long jobs.
std::chrono::milliseconds pollInterval(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start < 1s ? 5ms : 25ms;
}

std::uint64_t filePosition(int fd, off_t start) {
  off_t pos = ::lseek(fd, 0, SEEK_CUR);
  return pos > start ? static_cast<std::uint64_t>(pos - start) : 0;
}

daemon::JobInfo saveProgress(const qmp::MigrationInfo& m, std::uint64_t fileBytes) {
  daemon::JobInfo j;
  // libvirt's mapping for a save: memory is all the data there is.
  j.memTotal = j.dataTotal = m.ramTotal;
  j.memRemaining = j.dataRemaining = m.ramRemaining;
  j.memProcessed = j.dataProcessed = m.ramTransferred;
  j.memBps = static_cast<std::uint64_t>(m.ramMbps * 1000000.0 / 8.0);
  j.pageSize = m.ramPageSize;
  j.constantPages = m.ramDuplicate;
  j.normalPages = m.ramNormal;
  j.normalBytes = m.ramNormalBytes;
  j.fileBytes = fileBytes;
  return j;
}

}  // namespace

Status QemuInstance::saveStateTo(int fd, const SaveStateOptions& o) {
  JobMonitor local("save");
  JobMonitor& monitor = o.monitor ? *o.monitor : local;
  auto& m = *qmp_;
  off_t start = ::lseek(fd, 0, SEEK_CUR);
  if (start < 0) start = 0;
  auto stream = MigrationStream::toImage(fd, o.format, logPath_);
  if (!stream) return std::move(stream).error();
  // QEMU's default limit (32 MiB/s) is for live migration over a network;
  // a save of a paused guest goes as fast as the disk takes it (as libvirt).
  std::uint64_t bw = o.maxBandwidth ? o.maxBandwidth : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  STRATUS_TRY(qmp::migrateSetMaxBandwidth(m, bw));
  STRATUS_TRY(qmp::getfd(m, kSaveFdName, stream->qemuFd()));
  stream->releaseQemuEnd();
  if (auto s = qmp::migrate(m, std::string("fd:") + kSaveFdName); !s) {
    (void)qmp::closefd(m, kSaveFdName);
    return s;
  }
  auto t0 = std::chrono::steady_clock::now();
  bool cancelSent = false;
  qmp::MigrationInfo info;
  for (;;) {
    auto r = qmp::queryMigrate(m);
    if (!r) return Error(ErrorCode::OperationFailed, "operation failed: domain save job: " + r.error().message);
    info = std::move(r).value();
    monitor.update(saveProgress(info, filePosition(fd, start)));
    if (qmp::migrationFinished(info.status)) break;
    if (monitor.waitForCancel(pollInterval(t0)) && !cancelSent) {
      // QEMU stops writing, closes the descriptor and reports "cancelled".
      if (auto s = qmp::migrateCancel(m); !s) return s;
      cancelSent = true;
    }
  }
  if (info.status != "completed") {
    stream->abort();
    if (info.status == "cancelled" || cancelSent)
      return Error(ErrorCode::Cancelled, "operation aborted: domain save job: canceled by client");
    return Error(ErrorCode::OperationFailed,
                 "operation failed: domain save job: " +
                     (info.errorDesc.empty() ? std::string("unexpectedly failed") : info.errorDesc));
  }
  // QEMU closed its end once done; the compressor drains what is left.
  STRATUS_TRY(stream->finish(120s));
  monitor.update(saveProgress(info, filePosition(fd, start)));
  return okStatus();
}

Status QemuInstance::loadState(int fd, const LaunchOptions& o) {
  JobMonitor local("restore");
  JobMonitor& monitor = o.monitor ? *o.monitor : local;
  auto& m = *qmp_;
  off_t start = ::lseek(fd, 0, SEEK_CUR);
  if (start < 0) start = 0;
  auto stream = MigrationStream::fromImage(fd, o.restoreFormat, logPath_);
  if (!stream) return std::move(stream).error();
  STRATUS_TRY(qmp::getfd(m, kRestoreFdName, stream->qemuFd()));
  stream->releaseQemuEnd();
  STRATUS_TRY(qmp::migrateIncoming(m, std::string("fd:") + kRestoreFdName));
  auto t0 = std::chrono::steady_clock::now();
  auto publish = [&] {
    daemon::JobInfo j;
    // The image's bytes are all we can count on this side.
    j.fileBytes = filePosition(fd, start);
    j.dataTotal = o.restoreBytes;
    j.dataProcessed = o.restoreBytes ? std::min(j.fileBytes, o.restoreBytes) : j.fileBytes;
    j.dataRemaining = o.restoreBytes - std::min(j.dataProcessed, o.restoreBytes);
    monitor.update(j);
  };
  std::string status;
  for (;;) {
    // A QEMU that cannot load the stream exits: the query fails and the
    // caller reports QEMU's own words from its log.
    auto r = qmp::queryMigrate(m);
    if (!r && (!m.alive() || !process_.alive()))
      return Error(ErrorCode::OperationFailed, "operation failed: QEMU exited while loading the saved state");
    if (!r) return Error(ErrorCode::OperationFailed, "operation failed: restore job: " + r.error().message);
    status = r->status;
    publish();
    if (qmp::migrationFinished(status)) break;
    if (monitor.waitForCancel(pollInterval(t0)))
      return Error(ErrorCode::Cancelled, "operation aborted: restore job: canceled by client");
  }
  if (status != "completed") return Error(ErrorCode::OperationFailed, "operation failed: restore job: " + status);
  STRATUS_TRY(stream->finish(30s));
  return okStatus();
}

}  // namespace stratus::drivers::qemu
