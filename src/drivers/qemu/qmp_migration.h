// Typed QMP commands of live migration beyond save/restore's (qmp_commands.h):
// capabilities and parameters, post-copy, the block jobs that mirror disks
// to the destination (copy-storage), and the destination's NBD server.
// Names and arguments follow QEMU's qapi/migration.json, block-core.json,
// block-export.json and yank.json.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "drivers/qemu/qmp_transport.h"

namespace stratus::qemu::qmp {

// --- capabilities and parameters ------------------------------------------------------
// migrate-set-capabilities with each (name, state); only while no migration runs.
Status migrateSetCapabilities(QmpTransport& m, const std::vector<std::pair<std::string, bool>>& caps);
// migrate-set-parameters with `params` as given ({"downtime-limit": 300, ...}).
Status migrateSetParameters(QmpTransport& m, const Json& params);

struct MigrationParameters {
  std::uint64_t downtimeLimitMs = 0;
  std::uint64_t maxBandwidth = 0;  // bytes per second
  std::string multifdCompression;  // "none", "zlib", "zstd"
  unsigned multifdChannels = 0;
};
Result<MigrationParameters> queryMigrateParameters(QmpTransport& m);
MigrationParameters parseMigrationParameters(const Json& reply);

// Switch a running migration (postcopy-ram enabled) to post-copy.
Status migrateStartPostcopy(QmpTransport& m);

// --- block jobs -------------------------------------------------------------------------
struct BlockJob {
  std::string id;      // "device" in query-block-jobs: the job id
  std::string type;    // "mirror", ...
  std::string status;  // "running", "ready", "concluded", ...
  std::uint64_t len = 0, offset = 0, speed = 0;
  bool ready = false;
  std::string error;   // set once the job failed
};
Result<std::vector<BlockJob>> queryBlockJobs(QmpTransport& m);
std::vector<BlockJob> parseBlockJobs(const Json& reply);

// blockdev-mirror with the arguments as given (job-id, device, target, sync, ...).
Status blockdevMirror(QmpTransport& m, const Json& args);
// block-job-cancel: a ready mirror given force=false first brings the target
// in sync and then completes; force=true abandons it at once.
Status blockJobCancel(QmpTransport& m, const std::string& jobId, bool force);
// yank a block node: shut down its network connection (an NBD client whose
// server went away), so requests stuck on it fail instead of hanging.
Status yankBlockNode(QmpTransport& m, const std::string& nodeName);

// --- NBD server (destination of copy-storage) --------------------------------------------
Status nbdServerStart(QmpTransport& m, const std::string& host, int port);
// block-export-add of `nodeName` as NBD export `name`, under export id `id`.
Status blockExportAdd(QmpTransport& m, const std::string& id, const std::string& nodeName, const std::string& name,
                      bool writable);
// block-export-del, mode hard: clients still connected are cut off.
Status blockExportDel(QmpTransport& m, const std::string& id);
Status nbdServerStop(QmpTransport& m);

}  // namespace stratus::qemu::qmp
