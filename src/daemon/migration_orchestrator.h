// Runs a migration's phases between two nodes: begin, prepare, perform,
// finish, confirm, keeping the destination's incoming guest alive while the
// source sends, and undoing each phase when a later one fails so that the
// guest runs on exactly one side. The CLI runs it for a plain `migrate`
// (holding both connections); the source daemon runs it for --p2p.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "daemon/migration_types.h"
#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::daemon {

struct MigrationRun {
  std::string key;  // the domain on the source
  MigrateOptions options;
  // How often the destination hears from us during perform, and how long
  // the destination may stay silent before the source's send is cancelled.
  std::chrono::milliseconds keepaliveInterval{1000};
  std::chrono::milliseconds peerSilenceLimit{15000};
  // A send whose byte count stands still this long is cancelled: the data
  // path (not the daemons' connection) may be cut, and QEMU would wait for
  // TCP to give up (many minutes). 0: never.
  std::chrono::milliseconds stallLimit{30000};
  // Called while perform runs (about every keepaliveInterval) with the
  // source's job; return false to cancel (Ctrl-C in the CLI).
  std::function<bool(const JobInfo&)> onProgress;
  // Tunnelled: perform's data does not go QEMU to QEMU; the caller (the
  // source daemon) sets this to run the source side of the tunnel: it must
  // send the guest while feeding `data` to destination.migrateTunnelIn.
  std::function<Result<MigrationOutcome>(NodeService& destination, const PreparedMigration& to)> tunnelledPerform;
};

// The error is the first thing that went wrong, with the phase and host in
// its context ("migration of 'g' to HOST: perform: ...").
Result<MigrationOutcome> runMigration(NodeService& source, NodeService& destination, const MigrationRun& run);

}  // namespace stratus::daemon
