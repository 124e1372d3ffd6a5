// migrate: move a domain to another host. Without --p2p the CLI opens the
// destination itself and runs the phases (daemon::runMigration) between its
// two connections; with --p2p the source daemon does, and the CLI watches
// the source's job meanwhile.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>

#include "cli/connect.h"
#include "cli/handlers.h"
#include "cli/migrate_args.h"
#include "cli/migration_watch.h"
#include "daemon/migration_orchestrator.h"

namespace stratus::cli {

namespace {

using namespace std::chrono_literals;

// How often the CLI looks at the job (virsh: every 500 ms); with runMigration
// also how often the destination hears from us.
constexpr auto kPollInterval = 500ms;

bool failWith(Ctl& ctl, const Error& e) {
  ctl.error(e.message);
  return false;
}

// --xml FILE, with virsh's two error lines when it cannot be read.
bool readXmlFile(Ctl& ctl, const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    ctl.error(fmt::format("cannot read file '{}'", path));
    ctl.error(fmt::format("Failed to open file '{}': {}", path, std::strerror(err)));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// --p2p: the source daemon runs the phases; we poll its job.
Result<daemon::MigrationOutcome> runPeerToPeer(daemon::NodeService& source, const std::string& key,
                                               const std::string& destUri, const daemon::MigrateOptions& o,
                                               MigrationWatch& watch) {
  auto done = std::async(std::launch::async, [&] { return source.migrateToUri(key, destUri, o); });
  bool abortSent = false;
  while (done.wait_for(kPollInterval) != std::future_status::ready) {
    auto j = source.domainJobInfo(key, false);
    if (!watch.onJob(j ? &*j : nullptr) && !abortSent) {
      abortSent = true;
      (void)source.abortDomainJob(key);
    }
  }
  return done.get();
}

}  // namespace

bool cmdMigrate(Ctl& ctl, const ParsedCmd& pc) {
  if (auto s = checkMigrateOptionPairs(pc); !s) return failWith(ctl, s.error());
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto timeout = migrateTimeoutFrom(pc);
  if (!timeout) return failWith(ctl, timeout.error());

  const std::string& destUri = pc.get("desturi");
  const bool p2p = pc.has("p2p");
  std::unique_ptr<daemon::NodeService> destination;
  if (!p2p) {
    auto c = connectTo(destUri);
    if (!c) return fail(ctl, c.error());
    destination = std::move(c).value();
  }

  auto opts = migrateOptionsFrom(pc, *timeout);
  if (!opts) return failWith(ctl, opts.error());
  if (auto x = pc.find("xml"); x && !readXmlFile(ctl, *x, opts->destXml)) return false;
  if (auto s = checkMigrateFlags(pc); !s) return failWith(ctl, s.error());

  std::optional<std::uint64_t> stallSeconds;
  if (auto v = pc.find("stall-timeout")) {
    stallSeconds = parseUnsigned(*v);
    if (!stallSeconds || *stallSeconds > 86400) {
      ctl.error(fmt::format("Numeric value '{}' for <stall-timeout> option is malformed or out of range", *v));
      return false;
    }
  }

  auto* source = ctl.conn();
  MigrationWatch::Settings ws;
  ws.verbose = pc.has("verbose");
  ws.timeout = *timeout;
  ws.postcopyAfterPrecopy = pc.has("postcopy-after-precopy");
  Result<daemon::MigrationOutcome> r = Error(ErrorCode::InternalError, "migration did not run");
  {
    MigrationWatch watch(ctl, *source, d->uuid, ws);
    if (p2p) {
      r = runPeerToPeer(*source, d->uuid, destUri, *opts, watch);
    } else {
      daemon::MigrationRun run;
      run.key = d->uuid;
      run.options = *opts;
      run.keepaliveInterval = kPollInterval;
      if (stallSeconds) run.stallLimit = std::chrono::seconds(*stallSeconds);
      run.onProgress = [&watch](const daemon::JobInfo& j) { return watch.onJob(&j); };
      r = daemon::runMigration(*source, *destination, run);
    }
    watch.finish(r.ok());
  }
  if (!r) return fail(ctl, r.error());
  return true;
}

}  // namespace stratus::cli
