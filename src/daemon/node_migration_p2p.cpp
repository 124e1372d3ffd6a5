// Node: --p2p migration, where this (source) daemon connects to the
// destination itself and runs the phases; with --tunnelled the migration
// stream goes through that connection instead of QEMU to QEMU.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "daemon/migration_orchestrator.h"
#include "daemon/node_impl.h"

namespace stratus::daemon {

namespace {

// The source QEMU's stream, read from the pipe it writes, in pieces for
// the destination's migrateTunnelIn.
MigrationDataSource pipeReader(int fd) {
  return [fd]() -> Result<std::string> {
    std::string buf(1 << 20, '\0');
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return systemError("cannot read the migration stream", errno);
      buf.resize(static_cast<std::size_t>(n));
      return buf;  // empty at the end
    }
  };
}

}  // namespace

Result<MigrationOutcome> Node::migrateToUri(const std::string& key, const std::string& destUri,
                                            const MigrateOptions& opts) {
  if (!impl_->cfg.connectPeer)
    return Error(ErrorCode::Unsupported,
                 "Operation not supported: this daemon cannot connect to other hosts (peer-to-peer migration)");
  auto peer = impl_->cfg.connectPeer(destUri);
  if (!peer) return std::move(peer).error();
  MigrationRun run;
  run.key = key;
  run.options = opts;
  if (opts.tunnelled) {
    run.tunnelledPerform = [this, &key, &opts](NodeService& dst,
                                               const PreparedMigration& to) -> Result<MigrationOutcome> {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) return systemError("cannot create the migration tunnel", errno);
      UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
      Status fed = okStatus();
      std::thread feeder([&] { fed = dst.migrateTunnelIn(to.name, pipeReader(readEnd.get())); });
      drivers::MigrationTarget t;
      t.fd = writeEnd.get();
      auto sent = impl_->performMigration(key, t, opts);
      writeEnd.reset();  // the end of the stream (or a cut one, when the send failed)
      feeder.join();
      if (!sent) return sent;
      if (!fed) return std::move(fed).error();
      return sent;
    };
  }
  return runMigration(*this, **peer, run);
}

}  // namespace stratus::daemon
