// Node: the source side of a migration (begin, perform, confirm) and the
// migrate-* tuning verbs. The destination side is node_migration_incoming.cpp;
// the order of the phases is daemon::runMigration's.
#include <spdlog/spdlog.h>

#include <thread>

#include "daemon/node_impl.h"
#include "daemon/node_migration.h"

namespace stratus::daemon {

namespace r = conf::reason;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
// What libvirt reports as the speed of an unlimited migration (MiB/s).
constexpr std::uint64_t kUnlimitedSpeedMiB = 8796093022207ULL;

Status checkOptions(const MigrateOptions& o) {
  auto invalid = [](const std::string& m) { return Error(ErrorCode::InvalidArgument, "invalid argument: " + m); };
  if (o.offline && o.live) return invalid("migration flags 'live' and 'offline' are mutually exclusive");
  if (o.offline && !o.persistent) return invalid("offline migration requires the 'persistent' flag");
  if (o.offline && o.copyStorage != MigrateOptions::Storage::None)
    return invalid("offline migration cannot copy storage");
  if (o.offline && o.postcopy) return invalid("offline migration cannot use post-copy");
  if (o.tunnelled && !o.p2p) return invalid("migration option 'tunnelled' requires 'p2p'");
  if (o.tunnelled && o.copyStorage != MigrateOptions::Storage::None)
    return invalid("migration of disks cannot be tunnelled");
  if (o.timeoutSeconds && o.offline) return invalid("migration timeout needs a running guest");
  return okStatus();
}

std::string formatted(const conf::DomainDef& def, bool inactive) {
  conf::FormatOptions fo;
  fo.securityInfo = true;
  fo.inactive = inactive;
  return conf::formatDomainXml(def, fo);
}

// The disks a --copy-storage-* migration moves: writable disks backed by a
// file (or a resolved volume), limited to --migrate-disks when given.
Result<std::vector<MigrationDisk>> disksToCopy(const conf::DomainDef& live, drivers::Instance& inst,
                                               const MigrateOptions& o) {
  std::vector<MigrationDisk> out;
  for (const auto& d : live.devices.disks) {
    if (!o.migrateDisks.empty() &&
        std::find(o.migrateDisks.begin(), o.migrateDisks.end(), d.targetDev) == o.migrateDisks.end())
      continue;
    if (d.device != "disk" || d.readonly) continue;
    std::string path = conf::diskHostPath(d);
    if (path.empty()) {
      if (!o.migrateDisks.empty())
        return Error(ErrorCode::Unsupported, "unsupported configuration: cannot copy disk '" + d.targetDev +
                                                 "': it is not backed by a local file");
      continue;
    }
    auto info = inst.blockInfo(d);
    if (!info) return std::move(info).error();
    MigrationDisk m;
    m.target = d.targetDev;
    m.path = path;
    m.format = d.driverType.empty() ? "raw" : d.driverType;
    m.capacity = info->capacity;
    out.push_back(std::move(m));
  }
  for (const auto& want : o.migrateDisks)
    if (std::none_of(live.devices.disks.begin(), live.devices.disks.end(),
                     [&](const conf::DiskDef& d) { return d.targetDev == want; }))
      return Error(ErrorCode::InvalidArgument, "invalid argument: domain has no disk '" + want + "' to migrate");
  return out;
}

Result<std::shared_ptr<MigrationSession>> sessionOf(DomainObj& d, MigrationSession::Side side) {
  if (!d.migration || d.migration->side != side)
    return Error(ErrorCode::OperationInvalid,
                 std::string("Requested operation is not valid: domain '") + d.name + "' has no " +
                     (side == MigrationSession::Side::Out ? "outgoing" : "incoming") + " migration");
  return d.migration;
}

}  // namespace

std::string Node::Impl::migrationMark(const DomainObj& d) {
  if (!d.migration) return {};
  if (d.migration->side == MigrationSession::Side::In) return "in";
  return d.migration->performed ? "out-done" : "out";
}

Result<MigrationBegin> Node::migrateBegin(const std::string& key, const MigrateOptions& o) {
  STRATUS_TRY(checkOptions(o));
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  MigrationBegin b;
  std::shared_ptr<drivers::Instance> inst;
  conf::DomainDef live;
  {
    std::shared_lock lk(impl_->mu);
    if (o.offline) {
      if (!d.config)
        return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot migrate a transient domain offline");
    } else {
      if (!d.active()) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
      if (o.persistent || o.undefineSource)
        if (!d.config && o.undefineSource)
          return Error(ErrorCode::OperationInvalid,
                       "Requested operation is not valid: cannot undefine the source of a transient domain");
      live = *d.live;
      inst = d.instance;
    }
    b.name = d.name;
    b.uuid = d.uuid.str();
    b.running = d.active() && !o.offline;
    b.xml = o.offline ? formatted(*d.config, true) : formatted(*d.live, false);
    if (d.config) b.persistentXml = formatted(*d.config, true);
  }
  // Refused before a destination is prepared: what QEMU would not send.
  if (inst) STRATUS_TRY(inst->checkMigratable());
  if (inst && o.copyStorage != MigrateOptions::Storage::None) {
    auto disks = disksToCopy(live, *inst, o);
    if (!disks) return std::move(disks).error();
    b.disks = std::move(*disks);
  }
  auto session = std::make_shared<MigrationSession>();
  session->side = MigrationSession::Side::Out;
  session->options = o;
  session->op = impl_->beginOperation(d, "migration-out");
  session->keepaliveTimeout = o.keepaliveTimeoutSeconds ? std::chrono::seconds(o.keepaliveTimeoutSeconds)
                                                        : impl_->cfg.migrationKeepaliveTimeout;
  {
    std::unique_lock lk(impl_->mu);
    d.migration = session;
    impl_->writeStatus(d);
  }
  // Perform (or a confirm) must follow within the keepalive timeout: an
  // orchestrator that dies before it leaves no domain "being migrated".
  impl_->startMigrationWatchdog(session, d.name);
  return b;
}

Result<MigrationOutcome> Node::migratePerform(const std::string& key, const PreparedMigration& to,
                                              const MigrateOptions& o) {
  drivers::MigrationTarget t;
  t.uri = to.uri;
  t.nbdHost = to.nbdHost;
  t.nbdPort = to.nbdPort;
  t.nbdMirrors = to.nbdExports;
  t.incremental = o.copyStorage == MigrateOptions::Storage::Incremental;
  if (!o.offline && t.uri.empty())
    return Error(ErrorCode::InvalidArgument, "invalid argument: the destination gave no migration URI");
  return impl_->performMigration(key, t, o);
}

Result<MigrationOutcome> Node::Impl::performMigration(const std::string& key, const drivers::MigrationTarget& to,
                                                      const MigrateOptions& o) {
  auto job = beginJob(key, true);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<MigrationSession> session;
  std::shared_ptr<drivers::Instance> inst;
  std::uint64_t speedMiB, downtimeMs;
  {
    std::shared_lock lk(mu);
    auto s = sessionOf(d, MigrationSession::Side::Out);
    if (!s) return std::move(s).error();
    session = *s;
    if (session->performed)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: the guest was already sent");
    inst = d.instance;
    speedMiB = o.bandwidthMiB ? o.bandwidthMiB : d.migrationSpeedMiB;
    downtimeMs = d.migrationDowntimeMs;
  }
  session->stopWatchdog();  // the orchestrator came: from here on, perform's own failures end it
  if (session->options.offline) return MigrationOutcome{};
  {
    std::shared_lock lk(mu);
    if (!d.active()) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
  }
  drivers::MigrationParams params;
  params.live = o.live;
  params.postcopy = o.postcopy;
  params.autoConverge = o.autoConverge;
  params.compressed = o.compressed;
  params.maxBandwidth = speedMiB * kMiB;
  params.downtimeLimitMs = downtimeMs;
  params.monitor = session->op.get();

  // --timeout: when the send takes longer, pause the guest (it then
  // converges) or switch to post-copy.
  std::mutex timerMu;
  std::condition_variable timerCv;
  bool sendDone = false;
  std::thread timer;
  if (o.timeoutSeconds) {
    timer = std::thread([&, inst] {
      std::unique_lock lk(timerMu);
      if (timerCv.wait_for(lk, std::chrono::seconds(o.timeoutSeconds), [&] { return sendDone; })) return;
      lk.unlock();
      if (o.timeoutAction == MigrateOptions::TimeoutAction::Postcopy) {
        if (auto s = inst->startPostcopy(); !s)
          spdlog::warn("domain '{}': migration timeout: cannot switch to post-copy: {}", key, s.error().message);
      } else if (auto s = inst->pause(); !s) {
        spdlog::warn("domain '{}': migration timeout: cannot suspend the guest: {}", key, s.error().message);
      } else {
        std::unique_lock g(mu);
        if (d.instance == inst) transition(d, conf::DomainState::Paused, r::PausedMigration, ev::Suspended, 1);
      }
    });
  }
  auto sent = inst->migrate(to, params);
  if (timer.joinable()) {
    {
      std::lock_guard lk(timerMu);
      sendDone = true;
    }
    timerCv.notify_all();
    timer.join();
  }
  if (!sent) {
    spdlog::info("domain '{}': migration failed: {}", key, sent.error().message);
    // The guest goes on here and the migration is over for this host: the
    // orchestrator's confirm(false) finds nothing left to undo, and an
    // orchestrator that vanished leaves nothing blocked.
    std::unique_lock lk(mu);
    if (d.migration == session) d.migration.reset();
    if (d.instance == inst && d.state == conf::DomainState::Paused && d.reason == r::PausedMigration &&
        inst->resume())
      transition(d, conf::DomainState::Running, r::RunningMigrationCanceled, ev::Resumed, 1);
    writeStatus(d);
    lk.unlock();
    endOperation(d, session->op, Status(sent.error()));
    return std::move(sent).error();
  }
  MigrationOutcome out;
  out.postcopy = sent->postcopy;
  out.downtimeMs = sent->downtimeMs;
  out.totalTimeMs = sent->totalTimeMs;
  out.bytes = sent->bytes;
  std::unique_lock lk(mu);
  session->performed = true;
  session->outcome = out;
  // QEMU stopped the guest to send its last pages (or for post-copy).
  if (d.instance == inst && d.state != conf::DomainState::Paused) {
    transition(d, conf::DomainState::Paused, r::PausedMigration, ev::Suspended, 1);
  } else {
    if (d.instance == inst) d.reason = r::PausedMigration;
    writeStatus(d);
  }
  return out;
}

Status Node::migrateConfirm(const std::string& key, bool ok, const MigrateOptions& o) {
  auto job = impl_->beginJob(key, true);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<MigrationSession> session;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto s = sessionOf(d, MigrationSession::Side::Out);
    if (!s) return std::move(s).error();
    session = *s;
    inst = d.instance;
  }
  session->stopWatchdog();
  const bool offline = session->options.offline;
  Status result = okStatus();
  if (ok && !offline && session->outcome.postcopy && inst) {
    // The destination runs the guest already; the rest of its memory comes from here.
    auto rest = inst->waitMigration(session->op.get());
    if (!rest) result = std::move(rest).error();
  }
  if (ok && !offline && inst) {
    {
      std::unique_lock lk(impl_->mu);
      d.expectingStop = true;
    }
    if (auto s = inst->destroy({}); !s) spdlog::warn("domain '{}': cannot stop the migrated guest: {}", d.name, s.error().message);
    std::unique_lock lk(impl_->mu);
    d.migration.reset();
    if (d.instance == inst) impl_->release(impl_->markStopped(job->ptr(), r::ShutoffMigrated, ev::StoppedMigrated));
  } else if (!ok && session->performed && inst) {
    // QEMU sent everything but the destination did not take the guest: it
    // goes on here.
    auto s = inst->resumeAfterFailedMigration();
    std::unique_lock lk(impl_->mu);
    d.migration.reset();
    if (s && d.instance == inst)
      impl_->transition(d, conf::DomainState::Running, r::RunningMigrationCanceled, ev::Resumed, 1);
    else if (!s)
      spdlog::error("domain '{}': cannot resume after a failed migration: {}", d.name, s.error().message);
    impl_->writeStatus(d);
  } else {
    std::unique_lock lk(impl_->mu);
    d.migration.reset();
    if (!ok && d.active() && d.state == conf::DomainState::Paused && d.reason == r::PausedMigration && inst &&
        inst->resume())
      impl_->transition(d, conf::DomainState::Running, r::RunningMigrationCanceled, ev::Resumed, 1);
    impl_->writeStatus(d);
  }
  if (ok && (o.undefineSource || session->options.undefineSource)) {
    bool persistent;
    {
      std::shared_lock lk(impl_->mu);
      persistent = d.config.has_value();
    }
    if (persistent) {
      std::lock_guard w(impl_->registryWrite);
      if (auto s = impl_->dropDefinition(*job); !s) result = s;
    }
  }
  impl_->endOperation(d, session->op,
                      ok ? result
                         : Status(Error(session->op->cancelRequested() ? ErrorCode::Cancelled : ErrorCode::OperationFailed,
                                        session->op->cancelRequested() ? "migration out job: canceled by client"
                                                                       : "migration out job: failed")));
  return result;
}

// ---- tuning ----

Status Node::migrateSetMaxDowntime(const std::string& key, std::uint64_t ms) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::unique_lock lk(impl_->mu);
    (*d)->migrationDowntimeMs = ms;
    if ((*d)->migration && (*d)->migration->side == MigrationSession::Side::Out) inst = (*d)->instance;
  }
  if (inst) return inst->setMigrationDowntime(ms);
  return okStatus();
}

Result<std::uint64_t> Node::migrateGetMaxDowntime(const std::string& key) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::Instance> inst;
  std::uint64_t stored;
  {
    std::shared_lock lk(impl_->mu);
    stored = (*d)->migrationDowntimeMs;
    inst = (*d)->instance;
  }
  if (stored) return stored;
  if (inst)
    if (auto t = inst->migrationTuning()) return t->first;
  return std::uint64_t{300};  // QEMU's default downtime limit
}

Status Node::migrateSetSpeed(const std::string& key, std::uint64_t mib) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::unique_lock lk(impl_->mu);
    (*d)->migrationSpeedMiB = mib >= kUnlimitedSpeedMiB ? 0 : mib;
    if ((*d)->migration && (*d)->migration->side == MigrationSession::Side::Out) inst = (*d)->instance;
  }
  if (inst) return inst->setMigrationSpeed(mib >= kUnlimitedSpeedMiB ? 0 : mib * kMiB);
  return okStatus();
}

Result<std::uint64_t> Node::migrateGetSpeed(const std::string& key) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_lock lk(impl_->mu);
  return (*d)->migrationSpeedMiB ? (*d)->migrationSpeedMiB : kUnlimitedSpeedMiB;
}

Status Node::migrateStartPostcopy(const std::string& key) {
  auto d = impl_->get(key);
  if (!d) return std::move(d).error();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto& m = (*d)->migration;
    if (!m || m->side != MigrationSession::Side::Out || m->performed)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: no migration is in progress");
    if (!m->options.postcopy)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: switching to post-copy requires migration to be started "
                   "with the --postcopy flag");
    inst = (*d)->instance;
  }
  return inst->startPostcopy();
}

}  // namespace stratus::daemon
