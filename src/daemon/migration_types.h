// Live migration between nodes: what travels between the phases. The phases
// are libvirt's migration protocol v3 (begin and confirm on the source,
// prepare and finish on the destination, perform on the source in between);
// whoever holds both connections (the CLI, or with --p2p the source daemon)
// runs them in order with daemon::runMigration (migration_orchestrator.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"

namespace stratus::daemon {

// virsh migrate's flags (virDomainMigrateFlags and typed parameters).
struct MigrateOptions {
  bool live = false;            // --live: the guest keeps running while memory moves
  bool offline = false;         // --offline: move the definition only (guest need not run)
  bool persistent = false;      // --persistent: define the guest on the destination
  bool undefineSource = false;  // --undefinesource: remove the source's definition afterwards
  bool suspend = false;         // --suspend: leave the guest paused on the destination
  enum class Storage { None, All, Incremental };
  Storage copyStorage = Storage::None;  // --copy-storage-all / --copy-storage-inc (disks over NBD)
  bool tunnelled = false;   // --tunnelled: data through the daemons' connection (needs p2p)
  bool p2p = false;         // --p2p: the source daemon talks to the destination itself
  bool compressed = false;  // --compressed: multifd with zstd (zlib when zstd is missing)
  bool postcopy = false;    // --postcopy: allow switching to post-copy (migrate-postcopy, --timeout-postcopy)
  bool autoConverge = false;
  bool unsafe = false;      // --unsafe: skip the cache-mode safety check
  unsigned timeoutSeconds = 0;  // --timeout N: after N s, timeoutAction
  enum class TimeoutAction { Suspend, Postcopy };
  TimeoutAction timeoutAction = TimeoutAction::Suspend;
  std::uint64_t bandwidthMiB = 0;  // --bandwidth MiB/s; 0: unlimited
  std::string migrateUri;          // MIGRATE_URI (tcp://HOST[:PORT]): where the destination QEMU listens
  std::string listenAddress;       // --listen-address on the destination ("": the node's default)
  std::string destName;            // --dname
  std::string destXml;             // --xml: the definition to run on the destination (same UUID)
  std::vector<std::string> migrateDisks;  // --migrate-disks: targets to copy (empty: every writable disk)
  // How long the destination keeps an incoming guest whose orchestrator
  // stopped calling migrateKeepalive (network cut, client killed); 0: the
  // destination daemon's default.
  unsigned keepaliveTimeoutSeconds = 0;
};

// A disk the destination must create before a --copy-storage-* migration.
struct MigrationDisk {
  std::string target;  // vda
  std::string path;    // as the source has it; the destination uses the same path
  std::string format;  // raw, qcow2
  std::uint64_t capacity = 0;  // bytes
};

// Begin's answer: what the destination needs to prepare.
struct MigrationBegin {
  std::string name;
  std::string uuid;
  std::string xml;            // the running definition (migratable: no live-only state)
  std::string persistentXml;  // the inactive definition; "" for a transient guest
  bool running = false;       // false for --offline of a shut-off guest
  std::vector<MigrationDisk> disks;  // copy-storage only
};

// Prepare's answer: where the source sends the guest.
struct PreparedMigration {
  std::string name;  // the domain's name on the destination (--dname)
  // "tcp:HOST:PORT" the destination QEMU listens on; "" when the data goes
  // through migrateTunnelIn (tunnelled) or nothing moves (offline).
  std::string uri;
  // copy-storage: the destination's NBD server and the export of each disk.
  std::string nbdHost;
  int nbdPort = 0;
  std::vector<std::pair<std::string, std::string>> nbdExports;  // (target dev, export name)
};

// Perform's answer, for domjobinfo --completed and the benchmark.
struct MigrationOutcome {
  bool postcopy = false;          // perform returned once post-copy started: finish, then confirm waits for the rest
  std::uint64_t downtimeMs = 0;   // QEMU's reported downtime
  std::uint64_t totalTimeMs = 0;
  std::uint64_t bytes = 0;        // bytes sent (memory + devices + disks)
};

// The migration data of a tunnelled migration: pieces in order; an empty
// piece ends the stream, an error aborts it.
using MigrationDataSource = std::function<Result<std::string>()>;

}  // namespace stratus::daemon
