// Typed QMP commands: build the request, run it on a QmpTransport, parse the
// reply into a struct. A reply of an unexpected shape is OperationFailed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drivers/qemu/qmp_transport.h"

namespace stratus::qemu::qmp {

// --- run state ----------------------------------------------------------------------
Status cont(QmpTransport& m);
Status stop(QmpTransport& m);
Status systemPowerdown(QmpTransport& m);
Status systemReset(QmpTransport& m);
// QEMU exits after replying; the transport then sees EOF.
Status quit(QmpTransport& m);

struct VmStatus {
  bool running = false;
  std::string status;  // "running", "paused", "prelaunch", "shutdown", "inmigrate", ...
};
Result<VmStatus> queryStatus(QmpTransport& m);

// --- vCPUs ----------------------------------------------------------------------------
struct VcpuInfo {
  int index = 0;              // cpu-index
  std::int64_t threadId = 0;  // host thread id (TCG: may be shared)
  std::string qomPath;
  std::string target;         // "x86_64"
  int socketId = -1, coreId = -1, threadIdInCore = -1;  // from "props", -1 when absent
};
Result<std::vector<VcpuInfo>> queryCpusFast(QmpTransport& m);

// --- memory balloon -------------------------------------------------------------------
// Current guest memory size as the balloon sees it, in bytes.
Result<std::uint64_t> queryBalloon(QmpTransport& m);
Status balloon(QmpTransport& m, std::uint64_t bytes);

// --- block --------------------------------------------------------------------------
struct BlockInfo {
  std::string device;   // legacy drive name ("" for -blockdev only setups)
  std::string qdev;     // qdev id or QOM path of the device
  bool removable = false;
  bool locked = false;
  bool inserted = false;  // medium present
  std::string nodeName;   // inserted: node-name
  std::string file;       // inserted: image file name
  std::string format;     // inserted: "qcow2", "raw", ...
  bool readOnly = false;
  std::string ioStatus;   // "ok", "failed", "nospace" when reported
  std::uint64_t virtualSize = 0;  // inserted: image/virtual-size (bytes the guest sees)
  std::uint64_t actualSize = 0;   // inserted: image/actual-size (bytes allocated on the host)
};
Result<std::vector<BlockInfo>> queryBlock(QmpTransport& m);

struct BlockStats {
  std::string device;
  std::string qdev;
  std::string nodeName;
  std::uint64_t rdBytes = 0, wrBytes = 0;
  std::uint64_t rdOperations = 0, wrOperations = 0, flushOperations = 0;
  std::uint64_t rdTotalTimeNs = 0, wrTotalTimeNs = 0, flushTotalTimeNs = 0;
  std::uint64_t wrHighestOffset = 0;
};
Result<std::vector<BlockStats>> queryBlockstats(QmpTransport& m);

// --- QOM -------------------------------------------------------------------------------
Result<Json> qomGet(QmpTransport& m, const std::string& path, const std::string& property);
Status qomSet(QmpTransport& m, const std::string& path, const std::string& property, const Json& value);

// The virtio balloon's "guest-stats" property: what the guest's balloon
// driver last reported (QEMU's names: stat-swap-in, stat-free-memory, ...;
// memory in bytes). Statistics the guest did not report are left out.
struct BalloonGuestStats {
  std::vector<std::pair<std::string, std::uint64_t>> stats;  // by name
  std::uint64_t lastUpdate = 0;  // seconds since the epoch; 0: never
};
Result<BalloonGuestStats> balloonGuestStats(QmpTransport& m, const std::string& balloonPath);
BalloonGuestStats parseBalloonGuestStats(const Json& reply);

// --- human monitor ----------------------------------------------------------------------
// HMP passthrough ("info qtree", ...): the command's text output.
Result<std::string> humanMonitorCommand(QmpTransport& m, const std::string& commandLine);

// --- migration ------------------------------------------------------------------------
// Start outgoing migration to a URI ("exec:CMD", "fd:NAME", "tcp:HOST:PORT", "unix:PATH").
Status migrate(QmpTransport& m, const std::string& uri);
// Migrate into a shell command's stdin (e.g. "cat > FILE").
Status migrateToExec(QmpTransport& m, const std::string& shellCommand);
// Migrate into a file descriptor previously passed with getfd under `fdName`.
// (Passing the fd itself over SCM_RIGHTS is not implemented yet.)
Status migrateToFd(QmpTransport& m, const std::string& fdName);

struct MigrationInfo {
  std::string status;  // "" (none yet), "setup", "active", "completed", "failed", "cancelled", ...
  std::uint64_t totalTimeMs = 0;
  std::uint64_t ramTotal = 0, ramTransferred = 0, ramRemaining = 0;
  std::uint64_t dirtyPagesRate = 0;
  std::string errorDesc;  // failed: why
  // ram statistics beyond the totals (0 when QEMU does not report them)
  std::uint64_t ramDuplicate = 0;    // zero ("constant") pages
  std::uint64_t ramNormal = 0;       // normal pages
  std::uint64_t ramNormalBytes = 0;
  std::uint64_t ramPageSize = 0;
  double ramMbps = 0;                // throughput in megabits per second
  std::uint64_t dirtySyncCount = 0;  // iterations
  // live migration (0 / empty when QEMU does not report them yet)
  std::uint64_t expectedDowntimeMs = 0;  // while active
  std::uint64_t downtimeMs = 0;          // once completed
  std::uint64_t setupTimeMs = 0;
  std::uint64_t postcopyRequests = 0;    // pages the destination asked for in post-copy
  std::vector<std::string> blockedReasons;  // why an outgoing migration cannot start (QEMU >= 6.0)
};
// Final states of a migration: completed, failed, cancelled.
bool migrationFinished(const std::string& status);

// Pass `fd` to QEMU under `name` for a later "fd:NAME" URI (SCM_RIGHTS).
Status getfd(QmpTransport& m, const std::string& name, int fd);
Status closefd(QmpTransport& m, const std::string& name);
// Start an incoming migration of a QEMU started with `-incoming defer`.
Status migrateIncoming(QmpTransport& m, const std::string& uri);
Status migrateCancel(QmpTransport& m);
// migrate-set-parameters max-bandwidth, in bytes per second.
Status migrateSetMaxBandwidth(QmpTransport& m, std::uint64_t bytesPerSecond);
Result<MigrationInfo> queryMigrate(QmpTransport& m);

}  // namespace stratus::qemu::qmp
