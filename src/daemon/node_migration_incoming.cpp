// Node: the destination side of a migration (prepare, keepalive, tunnel,
// finish). An incoming guest is paused ("migrating") and belongs to its
// orchestrator until finish: if the orchestrator goes quiet (client killed,
// network cut) the keepalive watchdog removes it, and a daemon restart
// removes it too, so a guest never ends up running on both hosts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "daemon/node_impl.h"
#include "daemon/node_migration.h"
#include "storage/command.h"

namespace stratus::daemon {

namespace r = conf::reason;
namespace fs = std::filesystem;

namespace {

// The host and port of MIGRATE_URI (tcp://HOST[:PORT] or tcp:HOST:PORT).
struct UriParts {
  std::string host;
  int port = 0;
};
Result<UriParts> parseMigrateUri(const std::string& uri) {
  std::string rest;
  if (uri.rfind("tcp://", 0) == 0)
    rest = uri.substr(6);
  else if (uri.rfind("tcp:", 0) == 0)
    rest = uri.substr(4);
  else
    return Error(ErrorCode::InvalidArgument, "invalid argument: migration URI '" + uri + "' is not tcp://HOST[:PORT]");
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  UriParts u;
  std::string portText;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return Error(ErrorCode::InvalidArgument, "invalid argument: bad IPv6 address in '" + uri + "'");
    u.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') portText = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    u.host = rest.substr(0, colon);
    portText = rest.substr(colon + 1);
  } else {
    u.host = rest;
  }
  if (!portText.empty()) {
    try {
      std::size_t used = 0;
      u.port = std::stoi(portText, &used);
      if (used != portText.size() || u.port <= 0 || u.port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
      return Error(ErrorCode::InvalidArgument, "invalid argument: bad port in migration URI '" + uri + "'");
    }
  }
  if (u.host.empty()) return Error(ErrorCode::InvalidArgument, "invalid argument: migration URI '" + uri + "' names no host");
  return u;
}

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool wildcard(const std::string& a) { return a.empty() || a == "0.0.0.0" || a == "::" || a == "[::]"; }

// A port of [min, max] nobody listens on now (for the NBD server, which
// QEMU cannot search for itself).
int freePort(const std::string& address, int min, int max, int skip) {
  for (int p = min; p <= max; ++p) {
    if (p == skip) continue;
    int fd = ::socket(address.find(':') != std::string::npos ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok;
    if (address.find(':') != std::string::npos) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<std::uint16_t>(p));
      ok = ::inet_pton(AF_INET6, wildcard(address) ? "::" : address.c_str(), &a.sin6_addr) == 1 &&
           ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(p));
      ok = ::inet_pton(AF_INET, wildcard(address) ? "0.0.0.0" : address.c_str(), &a.sin_addr) == 1 &&
           ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    ::close(fd);
    if (ok) return p;
  }
  return 0;
}

// "tcp:ADDR:PORT" as QEMU listens, with the host a source can reach.
std::string reachableUri(const std::string& listening, const std::string& host) {
  auto colon = listening.rfind(':');
  if (colon == std::string::npos || host.empty()) return listening;
  return "tcp:" + bracketed(host) + listening.substr(colon);
}

// The definition --persistent (and --offline) keeps here: the source's
// inactive one, or --xml, named as the guest is named on this host.
// nullopt when the source sent none (a transient guest).
Result<std::optional<conf::DomainDef>> persistentDefinition(const std::string& persistentXml, const MigrateOptions& o,
                                                            const std::string& name,
                                                            drivers::HypervisorDriver& driver) {
  if (persistentXml.empty()) return std::optional<conf::DomainDef>();
  auto pd = conf::parseDomainXml(o.destXml.empty() ? persistentXml : o.destXml, "<migration>");
  if (!pd) return std::move(pd).error();
  conf::DomainDef cfg = std::move(pd->def);
  cfg.name = name;
  driver.applyDefaults(cfg);
  return std::optional<conf::DomainDef>(std::move(cfg));
}

Status createDisk(const MigrationDisk& disk) {
  auto out = storage::runCommand(
      {"qemu-img", "create", "-q", "-f", disk.format, disk.path, std::to_string(disk.capacity)});
  if (!out) return std::move(out).error();
  return okStatus();
}

}  // namespace

Result<PreparedMigration> Node::migratePrepare(const MigrationBegin& b, const MigrateOptions& o) {
  if (impl_->draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  const std::string& xml = o.destXml.empty() ? b.xml : o.destXml;
  auto parsed = conf::parseDomainXml(xml, o.destXml.empty() ? "<migration>" : "<migrate --xml>");
  if (!parsed) return std::move(parsed).error();
  conf::DomainDef def = std::move(parsed->def);
  if (def.uuid.str() != b.uuid)
    return Error(ErrorCode::Unsupported, "unsupported configuration: Target domain uuid " + def.uuid.str() +
                                             " does not match source " + b.uuid);
  if (!o.destName.empty()) def.name = o.destName;
  impl_->driver->applyDefaults(def);
  // Live-only names the destination chooses itself.
  for (auto& nic : def.devices.interfaces)
    if (nic.targetDev.rfind("vnet", 0) == 0) nic.targetDev.clear();
  PreparedMigration p;
  p.name = def.name;

  // The domain object: a new transient one, or the inactive definition of
  // the same guest that this host already has.
  DomainPtr d;
  bool fresh = false;
  {
    std::lock_guard w(impl_->registryWrite);
    std::unique_lock lk(impl_->mu);
    d = impl_->find(def.name);
    if (auto u = impl_->byUuid.find(def.uuid); u != impl_->byUuid.end() && u->second != d)
      return Error(ErrorCode::DomainExists, "operation failed: domain '" + u->second->name +
                                                "' is already defined with uuid " + def.uuid.str());
    if (d && d->uuid != def.uuid)
      return Error(ErrorCode::DomainExists,
                   "operation failed: domain '" + def.name + "' already exists with uuid " + d->uuid.str());
    if (d && (d->active() || d->migration))
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: domain '" + def.name + "' is already active");
    if (!d) {
      d = std::make_shared<DomainObj>();
      d->name = def.name;
      d->uuid = def.uuid;
      fresh = true;
      impl_->indexInsert(d);
    }
  }
  std::unique_lock<std::timed_mutex> jobLock(d->job, std::defer_lock);
  std::optional<Job> job;
  if (fresh) {
    jobLock.lock();  // nobody can have it yet
  } else {
    auto j = impl_->beginJob(def.name);
    if (!j) return std::move(j).error();
    job.emplace(std::move(*j));
  }
  auto session = std::make_shared<MigrationSession>();
  session->side = MigrationSession::Side::In;
  session->options = o;
  session->createdDomain = fresh;
  session->persistentXml = b.persistentXml;
  session->keepaliveTimeout = o.keepaliveTimeoutSeconds ? std::chrono::seconds(o.keepaliveTimeoutSeconds)
                                                        : impl_->cfg.migrationKeepaliveTimeout;
  // Undo what prepare did so far.
  auto fail = [&](Error e) -> Result<PreparedMigration> {
    for (const auto& f : session->createdDisks) (void)::unlink(f.c_str());
    std::unique_lock lk(impl_->mu);
    d->migration.reset();
    if (session->definedHere) {
      if (impl_->store) (void)impl_->store->removeConfig(d->name);
      d->config.reset();
    }
    if (fresh || (session->definedHere && !d->active())) {
      d->removed = true;
      impl_->indexErase(d);
    }
    return e;
  };

  if (o.offline) {
    // Only the definition moves; finish(!ok) takes it back.
    if (!d->config) {
      auto given = persistentDefinition(b.persistentXml, o, d->name, *impl_->driver);
      if (!given) return fail(std::move(given).error());
      conf::DomainDef cfg = given->value_or(def);
      if (impl_->store)
        if (auto s = impl_->store->saveConfig(cfg); !s) return fail(std::move(s).error());
      std::unique_lock lk(impl_->mu);
      d->config = std::move(cfg);
      session->definedHere = true;
      impl_->emit(*d, ev::Defined, ev::DefinedAdded);
    }
    session->op = impl_->beginOperation(*d, "migration-in");
    std::unique_lock lk(impl_->mu);
    d->migration = session;
    return p;
  }

  // --copy-storage-*: the disks the source mirrors into must exist here.
  if (o.copyStorage != MigrateOptions::Storage::None && impl_->store) {
    for (const auto& disk : b.disks) {
      if (fs::exists(disk.path)) continue;
      if (auto s = createDisk(disk); !s) return fail(std::move(s).error());
      session->createdDisks.push_back(disk.path);
    }
  }

  // Where QEMU listens: MIGRATE_URI's host and port when given, else the
  // node's migration address and port range.
  drivers::IncomingMigration in;
  in.listenAddress = !o.listenAddress.empty() ? o.listenAddress : impl_->cfg.migrationAddress;
  in.portMin = impl_->cfg.migrationPortMin;
  in.portMax = impl_->cfg.migrationPortMax;
  std::string reachable = impl_->cfg.migrationHost;
  if (!o.migrateUri.empty()) {
    auto u = parseMigrateUri(o.migrateUri);
    if (!u) return fail(std::move(u).error());
    reachable = u->host;
    if (u->port) in.portMin = in.portMax = u->port;
  }
  if (reachable.empty() && !wildcard(in.listenAddress)) reachable = in.listenAddress;
  if (reachable.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) reachable = host;
  }
  in.params.live = o.live;
  in.params.postcopy = o.postcopy;
  in.params.autoConverge = o.autoConverge;
  in.params.compressed = o.compressed;
  if (o.tunnelled) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(systemError("cannot create the migration tunnel", errno));
    in.fd = fds[0];  // the instance owns it from here
    session->tunnelWrite.reset(fds[1]);
  }
  session->op = impl_->beginOperation(*d, "migration-in");
  {
    std::unique_lock lk(impl_->mu);
    d->migration = session;
  }
  drivers::LaunchOptions lo;
  lo.incoming = in;
  if (auto s = impl_->launch(*d, d, def, true, -1, r::RunningMigrated, &lo); !s) {
    if (in.fd >= 0 && !d->instance) (void)0;  // the driver closed it with the failed launch
    impl_->endOperation(*d, session->op, s);
    return fail(std::move(s).error());
  }
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    inst = d->instance;
  }
  if (!o.tunnelled) p.uri = reachableUri(inst->incomingUri(), reachable);
  if (o.copyStorage != MigrateOptions::Storage::None) {
    int port = freePort(in.listenAddress, impl_->cfg.migrationPortMin, impl_->cfg.migrationPortMax,
                        std::atoi(inst->incomingUri().substr(inst->incomingUri().rfind(':') + 1).c_str()));
    std::vector<std::pair<std::string, std::string>> exports;
    for (const auto& disk : b.disks) exports.emplace_back(disk.target, "drive-" + disk.target);
    Status s = port ? inst->startNbdServer(in.listenAddress, port, exports)
                    : Status(Error(ErrorCode::OperationFailed, "operation failed: no free port for the NBD server in " +
                                                                   std::to_string(impl_->cfg.migrationPortMin) + "-" +
                                                                   std::to_string(impl_->cfg.migrationPortMax)));
    if (!s) {
      {
        std::unique_lock lk(impl_->mu);
        d->expectingStop = true;
      }
      (void)inst->destroy({});
      std::unique_lock lk(impl_->mu);
      impl_->release(impl_->markStopped(d, r::ShutoffFailed, ev::StoppedFailed));
      lk.unlock();
      impl_->endOperation(*d, session->op, s);
      return fail(std::move(s).error());
    }
    p.nbdHost = reachable;
    p.nbdPort = port;
    p.nbdExports = std::move(exports);
  }
  {
    std::unique_lock lk(impl_->mu);
    impl_->writeStatus(*d);
  }
  // The watchdog: no keepalive for keepaliveTimeout -> the guest goes.
  impl_->startMigrationWatchdog(session, d->name);
  return p;
}

void Node::Impl::startMigrationWatchdog(const std::shared_ptr<MigrationSession>& session, const std::string& name) {
  session->keepalive();
  std::weak_ptr<MigrationSession> weak = session;
  session->watchdog = std::thread([this, weak, name] {
    for (;;) {
      auto s = weak.lock();
      if (!s) return;
      std::unique_lock lk(s->keepaliveMu);
      if (s->ended) return;
      auto deadline = s->deadline;
      if (std::chrono::steady_clock::now() >= deadline) {
        lk.unlock();
        expireMigration(name, s);
        return;
      }
      s->keepaliveCv.wait_until(lk, deadline, [&] { return s->ended || s->deadline != deadline; });
    }
  });
}

void Node::Impl::expireMigration(const std::string& name, const std::shared_ptr<MigrationSession>& session) {
  const bool incoming = session->side == MigrationSession::Side::In;
  if (incoming)
    spdlog::warn("incoming migration of '{}': no word from its source for {} s; removing the incoming guest", name,
                 session->keepaliveTimeout.count());
  else
    spdlog::warn("migration of '{}': begun but not performed within {} s; ending it here", name,
                 session->keepaliveTimeout.count());
  // On the worker thread: finish and confirm join this watchdog.
  events.defer([this, name, session, incoming] {
    std::shared_ptr<MigrationSession> current;
    {
      std::shared_lock lk(mu);
      if (auto d = find(name)) current = d->migration;
    }
    if (current != session) return;  // ended meanwhile
    if (incoming) (void)self->migrateFinish(name, false, session->options);
    else (void)self->migrateConfirm(name, false, session->options);
  });
}

void Node::Impl::stopMigrationWatchdogs() {
  std::vector<std::shared_ptr<MigrationSession>> sessions;
  {
    std::shared_lock lk(mu);
    for (const auto& [n, d] : byName)
      if (d->migration) sessions.push_back(d->migration);
  }
  for (auto& s : sessions) s->stopWatchdog();
}

Status Node::migrateKeepalive(const std::string& name) {
  auto d = impl_->get(name);
  if (!d) return std::move(d).error();
  std::shared_ptr<MigrationSession> session;
  {
    std::shared_lock lk(impl_->mu);
    session = (*d)->migration;
  }
  if (!session || session->side != MigrationSession::Side::In)
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: domain '" + name + "' has no incoming migration");
  session->keepalive();
  return okStatus();
}

Status Node::migrateTunnelIn(const std::string& name, const MigrationDataSource& data) {
  auto d = impl_->get(name);
  if (!d) return std::move(d).error();
  UniqueFd out;
  {
    std::unique_lock lk(impl_->mu);
    auto& m = (*d)->migration;
    if (!m || m->side != MigrationSession::Side::In || !m->tunnelWrite.valid())
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: domain '" + name + "' has no tunnelled incoming migration");
    out = std::move(m->tunnelWrite);
  }
  for (;;) {
    auto piece = data();
    if (!piece) return std::move(piece).error();  // closing `out` tells QEMU the stream broke
    if (piece->empty()) return okStatus();
    STRATUS_TRY(writeAll(out.get(), *piece, "cannot feed the incoming migration"));
  }
}

Result<DomainSummary> Node::migrateFinish(const std::string& name, bool ok, const MigrateOptions& o) {
  auto job = impl_->beginJob(name, true);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<MigrationSession> session;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    if (!d.migration || d.migration->side != MigrationSession::Side::In)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: domain '" + name + "' has no incoming migration");
    session = d.migration;
    inst = d.instance;
  }
  session->stopWatchdog();
  const bool offline = session->options.offline;
  Status arrived = okStatus();
  if (ok && !offline) {
    if (!inst) {
      arrived = Error(ErrorCode::OperationFailed, "operation failed: the incoming guest's QEMU is gone");
    } else {
      arrived = inst->waitIncoming(std::chrono::seconds(120));
      if (arrived) arrived = inst->stopNbdServer();
    }
  }
  if (!ok || !arrived) {
    // The guest stays on the source: nothing of it remains here.
    if (inst) {
      {
        std::unique_lock lk(impl_->mu);
        d.expectingStop = true;
      }
      (void)inst->destroy({});
    }
    for (const auto& f : session->createdDisks) (void)::unlink(f.c_str());
    std::unique_lock lk(impl_->mu);
    d.migration.reset();
    if (d.instance == inst && inst) impl_->release(impl_->markStopped(job->ptr(), r::ShutoffFailed, ev::StoppedFailed));
    if (session->definedHere) {
      if (impl_->store) (void)impl_->store->removeConfig(d.name);
      d.config.reset();
      impl_->emit(d, ev::Undefined, ev::UndefinedRemoved);
    }
    if (!d.config && !d.active() && !d.removed) {
      d.removed = true;
      impl_->indexErase(job->ptr());
    }
    DomainSummary gone = impl_->summarize(d);
    lk.unlock();
    impl_->endOperation(d, session->op, ok ? arrived : Status(Error(ErrorCode::OperationFailed, "migration in job: failed")));
    if (!arrived) return std::move(arrived).error();
    return gone;
  }

  if (!offline && !o.suspend && !session->options.suspend) {
    if (auto s = inst->resume(); !s) {
      spdlog::error("domain '{}': cannot resume the migrated guest: {}", name, s.error().message);
      return std::move(s).error();
    }
  }
  // --persistent: the guest's definition stays here.
  if (session->options.persistent && !session->definedHere) {
    conf::DomainDef cfg;
    {
      std::shared_lock lk(impl_->mu);
      cfg = d.config ? *d.config : *d.live;
    }
    // A persistent definition that does not parse leaves the running one to keep.
    if (auto given = persistentDefinition(session->persistentXml, o, d.name, *impl_->driver); given && *given)
      cfg = std::move(**given);
    if (impl_->store)
      if (auto s = impl_->store->saveConfig(cfg); !s) spdlog::error("domain '{}': cannot persist: {}", name, s.error().message);
    std::unique_lock lk(impl_->mu);
    bool had = d.config.has_value();
    d.config = std::move(cfg);
    impl_->emit(d, ev::Defined, had ? ev::DefinedUpdated : ev::DefinedAdded);
  }
  std::unique_lock lk(impl_->mu);
  d.migration.reset();
  if (!offline && d.active()) {
    if (o.suspend || session->options.suspend)
      impl_->transition(d, conf::DomainState::Paused, r::PausedUser, ev::Suspended, ev::SuspendedPaused);
    else
      impl_->transition(d, conf::DomainState::Running, r::RunningMigrated, ev::Resumed, 1);
  }
  impl_->writeStatus(d);
  DomainSummary s = impl_->summarize(d);
  lk.unlock();
  impl_->endOperation(d, session->op, okStatus());
  return s;
}

}  // namespace stratus::daemon
