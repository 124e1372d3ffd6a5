#include "drivers/test/test_migration.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace stratus::drivers::testmig {

using namespace std::chrono_literals;

Result<MigrationResult> Outgoing::migrate(const MigrationTarget& to, const MigrationParams& params) {
  if (to.uri.empty() && to.fd < 0)
    return Error(ErrorCode::InvalidArgument, "invalid argument: migration target has neither a URI nor an fd");
  speed_ = params.maxBandwidth;  // each migration starts with its own limit
  if (params.downtimeLimitMs) downtime_ = params.downtimeLimitMs;
  const auto start = std::chrono::steady_clock::now();
  daemon::JobInfo p;
  p.dataTotal = p.memTotal = memoryBytes_;
  p.dataRemaining = p.memRemaining = memoryBytes_;
  // Sent in 20 steps; each takes (step / bandwidth) when a bandwidth is set,
  // waiting on the monitor so that an abort ends the wait at once.
  const std::uint64_t step = std::max<std::uint64_t>(memoryBytes_ / 20, 1);
  std::uint64_t sent = 0;
  while (sent < memoryBytes_) {
    std::uint64_t bw = speed_;
    if (bw) {
      auto wait = std::chrono::milliseconds(step * 1000 / bw);
      if (params.monitor && params.monitor->waitForCancel(wait))
        return Error(ErrorCode::Cancelled, "operation aborted: migration out job: canceled by client");
    } else if (params.monitor && params.monitor->cancelRequested()) {
      return Error(ErrorCode::Cancelled, "operation aborted: migration out job: canceled by client");
    }
    sent = std::min(memoryBytes_, sent + step);
    p.dataProcessed = p.memProcessed = sent;
    p.dataRemaining = p.memRemaining = memoryBytes_ - sent;
    p.memBps = bw;
    p.memIteration = 1;
    p.expectedDowntimeMs = downtime_;
    if (params.monitor) params.monitor->update(p);
  }
  if (to.fd >= 0) STRATUS_TRY(writeAll(to.fd, kStreamMarker, "cannot write the migration stream"));
  MigrationResult r;
  r.bytes = memoryBytes_;
  r.downtimeMs = 1;
  r.totalTimeMs = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  return r;
}

Incoming::Incoming(const IncomingMigration& in) : fd_(in.fd) {
  if (in.fd < 0) uri_ = "tcp:" + in.listenAddress + ":" + std::to_string(in.portMin);
}

Status Incoming::wait(std::chrono::milliseconds timeout) {
  if (done_ || !fd_.valid()) {
    done_ = true;
    return okStatus();
  }
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[256];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return Error(ErrorCode::OperationTimeout, "Timed out during operation: incoming migration");
    pollfd pfd{fd_.get(), POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return systemError("cannot wait for the migration stream", errno);
    if (rc == 0) continue;
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read the migration stream", errno);
    if (n == 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  if (got != kStreamMarker)
    return Error(ErrorCode::OperationFailed, "operation failed: migration stream ended early (" +
                                                 std::to_string(got.size()) + " bytes)");
  done_ = true;
  return okStatus();
}

}  // namespace stratus::drivers::testmig
