// Node: running guests — start, stop, pause, reboot, resize — and what the
// driver tells us happened to them on its own.
#include <spdlog/spdlog.h>

#include "daemon/node_impl.h"

namespace stratus::daemon {

namespace r = conf::reason;
using conf::DomainState;

Status Node::Impl::allowed(const DomainObj& d, Verb verb) const {
  return checkTransition(verb, d.state, d.name, driver->name() == "TEST");
}

Result<std::shared_ptr<drivers::Instance>> Node::Impl::activeInstance(Job& job, Verb verb) {
  std::shared_lock lk(mu);
  STRATUS_TRY(allowed(job.dom(), verb));
  return job.dom().instance;
}

Result<std::string> Node::Impl::persistentName(Job& job, const std::string& what) {
  std::shared_lock lk(mu);
  if (!job.dom().config)
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot " + what + " for transient domain");
  return job.dom().name;
}

void Node::Impl::transition(DomainObj& d, DomainState state, int reason, int evType, int evDetail) {
  d.state = state;
  d.reason = reason;
  writeStatus(d);
  emit(d, evType, evDetail);
}

void Node::Impl::release(std::shared_ptr<drivers::Instance> inst) {
  if (inst) events.defer([i = std::move(inst)]() mutable { i.reset(); });
}

drivers::InstanceEventSink Node::Impl::makeSink(const DomainPtr& d, std::uint64_t generation) {
  std::weak_ptr<DomainObj> weak = d;
  return [this, weak, generation](const drivers::InstanceEvent& e) { onInstanceEvent(weak, generation, e); };
}

std::shared_ptr<drivers::Instance> Node::Impl::markStopped(const DomainPtr& d, int reason, int detail) {
  auto inst = std::move(d->instance);
  d->instance.reset();
  if (auto it = byId.find(d->id); it != byId.end() && it->second == d) byId.erase(it);
  d->id = -1;
  d->state = DomainState::Shutoff;
  d->reason = reason;
  d->live.reset();
  networks->releasePorts(d->uuid);
  d->generation++;
  d->expectingStop = false;
  if (store) {
    if (auto s = store->removeStatus(d->name); !s)
      spdlog::error("domain '{}': cannot remove status: {}", d->name, s.error().describe());
  }
  emit(*d, ev::Stopped, detail);
  if (!d->config) {  // a transient domain ends with its guest
    d->removed = true;
    indexErase(d);
  }
  return inst;
}

void Node::Impl::onInstanceEvent(std::weak_ptr<DomainObj> weak, std::uint64_t generation,
                                 const drivers::InstanceEvent& e) {
  auto d = weak.lock();
  if (!d) return;
  using K = drivers::InstanceEvent::Kind;
  bool restart = false;
  std::string name;
  {
    std::unique_lock lk(mu);
    if (d->generation != generation || !d->active()) return;
    name = d->name;
    const conf::DomainDef& def = *d->live;
    switch (e.kind) {
      case K::GuestShutdown:
        emit(*d, ev::Shutdown, ev::ShutdownFinished);
        restart = def.onPoweroff == "restart" || def.onPoweroff == "rename-restart";
        release(markStopped(d, r::ShutoffShutdown, ev::StoppedShutdown));
        break;
      case K::Exited:
        if (d->expectingStop) return;  // the stop we asked for; the caller records it
        spdlog::warn("domain '{}': hypervisor exited unexpectedly: {}", name, e.detail);
        release(markStopped(d, r::ShutoffCrashed, ev::StoppedFailed));
        break;
      case K::Crashed:
        if (def.onCrash == "preserve" || def.onCrash == "coredump-preserve") {
          transition(*d, DomainState::Crashed, r::CrashedPanicked, ev::Crashed, 0);
        } else {
          restart = def.onCrash == "restart" || def.onCrash == "rename-restart" || def.onCrash == "coredump-restart";
          release(markStopped(d, r::ShutoffCrashed, ev::StoppedCrashed));
        }
        break;
      case K::Paused:
        transition(*d, DomainState::Paused, e.reason, ev::Suspended,
                   e.reason == r::PausedIoError ? ev::SuspendedIoError : ev::SuspendedPaused);
        break;
      case K::Resumed:
        transition(*d, DomainState::Running, r::RunningUnpaused, ev::Resumed, ev::ResumedUnpaused);
        break;
      case K::Reset:
        if (def.onReboot == "destroy") release(markStopped(d, r::ShutoffShutdown, ev::StoppedShutdown));
        break;
      case K::DevicesChanged:
        refreshLive(*d);
        break;
    }
  }
  if (restart) {
    // Restart policies run on the worker thread, outside the driver's thread.
    events.defer([this, name] {
      if (auto s = self->startDomain(name, {}); !s)
        spdlog::error("domain '{}': restart policy failed: {}", name, s.error().describe());
    });
  }
}

Status Node::Impl::launch(DomainObj& d, const DomainPtr& ptr, const conf::DomainDef& config, bool paused,
                          int restoreFd, int runningReason, const drivers::LaunchOptions* restore) {
  // The guest runs a copy whose network interfaces point at their networks'
  // bridges; the persistent definition keeps naming the network.
  conf::DomainDef def = config;
  STRATUS_TRY(networks->resolveInterfaces(def));
  // ... and its volume disks at their volumes' files or devices.
  STRATUS_TRY(storage->resolveVolumes(def));
  STRATUS_TRY(driver->checkStartable(def));
  int id;
  std::uint64_t gen;
  {
    std::unique_lock lk(mu);
    id = nextId++;
    gen = ++d.generation;
  }
  drivers::LaunchOptions lo;
  lo.paused = paused;
  lo.id = id;
  lo.restoreFd = restoreFd;
  if (restore) {
    lo.restoreFormat = restore->restoreFormat;
    lo.restoreBytes = restore->restoreBytes;
    lo.monitor = restore->monitor;
    lo.incoming = restore->incoming;
  }
  const bool incoming = lo.incoming.has_value();
  auto inst = driver->launch(def, lo, makeSink(ptr, gen));
  if (!inst) return std::move(inst).error();
  std::unique_lock lk(mu);
  d.instance = std::shared_ptr<drivers::Instance>(std::move(inst).value());
  d.live = d.instance->liveDefinition().value_or(def);
  networks->recordPorts(d.name, d.uuid, *d.live);
  d.id = id;
  d.state = paused || incoming ? DomainState::Paused : DomainState::Running;
  d.reason = incoming ? r::PausedMigration : paused ? r::PausedUser : runningReason;
  byId[id] = ptr;
  writeStatus(d);
  emit(d, ev::Started, incoming                           ? ev::StartedMigrated
                       : runningReason == r::RunningRestored ? ev::StartedRestored
                                                             : ev::StartedBooted);
  if (paused && !incoming) emit(d, ev::Suspended, ev::SuspendedPaused);
  return okStatus();
}

Status Node::startDomain(const std::string& key, const StartOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  conf::DomainDef def;
  bool hasSave;
  {
    std::shared_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Start));
    def = *d.config;
    hasSave = d.hasManagedSave;
  }
  if (hasSave && !opts.forceBoot) {
    return impl_->restoreManaged(*job, opts.paused);
  }
  if (hasSave) STRATUS_TRY(impl_->removeManagedImage(*job));
  return impl_->launch(d, job->ptr(), def, opts.paused, -1, r::RunningBooted);
}

Result<DomainSummary> Node::addRunningDomain(const std::string& xml, const std::string& sourceName) {
  auto def = defineDomain(xml, sourceName);
  if (!def) return std::move(def).error();
  auto job = impl_->beginJob(def->domain.name);
  if (!job) return std::move(job).error();
  conf::DomainDef cfg;
  {
    std::shared_lock lk(impl_->mu);
    cfg = *job->dom().config;
  }
  STRATUS_TRY(impl_->launch(job->dom(), job->ptr(), cfg, false, -1, r::RunningUnknown));
  std::shared_lock lk(impl_->mu);
  return impl_->summarize(job->dom());
}

Result<DefineResult> Node::createDomain(const std::string& xml, const std::string& sourceName,
                                        const StartOptions& opts) {
  if (impl_->draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  auto parsed = conf::parseDomainXml(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  conf::DomainDef def = std::move(parsed->def);
  impl_->driver->applyDefaults(def);
  DomainPtr d;
  bool fresh = false;
  {
    std::lock_guard w(impl_->registryWrite);
    std::unique_lock lk(impl_->mu);
    d = impl_->find(def.name);
    if (!d) {
      if (auto u = impl_->byUuid.find(def.uuid); u != impl_->byUuid.end())
        return Error(ErrorCode::DomainExists, "operation failed: domain '" + u->second->name +
                                                  "' is already defined with uuid " + def.uuid.str());
      d = std::make_shared<DomainObj>();
      d->name = def.name;
      d->uuid = def.uuid;
      fresh = true;
    } else if (d->uuid != def.uuid) {
      return Error(ErrorCode::DomainExists,
                   "operation failed: domain '" + def.name + "' already exists with uuid " + d->uuid.str());
    }
  }
  std::unique_lock jobLock(d->job, std::defer_lock);
  if (fresh) {
    jobLock.lock();  // nobody else can see it yet
    std::unique_lock lk(impl_->mu);
    impl_->indexInsert(d);
  }
  if (!fresh) {
    auto job = impl_->beginJob(def.name);
    if (!job) return std::move(job).error();
    {
      std::shared_lock lk(impl_->mu);
      if (d->active())
        return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain '" + def.name + "' is already active");
    }
    STRATUS_TRY(impl_->launch(*d, d, def, opts.paused, -1, r::RunningBooted));
    std::shared_lock lk(impl_->mu);
    return DefineResult{impl_->summarize(*d), std::move(parsed->warnings)};
  }
  auto s = impl_->launch(*d, d, def, opts.paused, -1, r::RunningBooted);
  std::unique_lock lk(impl_->mu);
  if (!s) {
    d->removed = true;
    impl_->indexErase(d);
    return std::move(s).error();
  }
  return DefineResult{impl_->summarize(*d), std::move(parsed->warnings)};
}

Status Node::shutdownDomain(const std::string& key, const ShutdownOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Shutdown));
    inst = d.instance;
  }
  return inst->shutdown(opts);
}

Status Node::destroyDomain(const std::string& key, const DestroyOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::unique_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Destroy));
    inst = d.instance;
    d.expectingStop = true;
  }
  if (auto s = inst->destroy(opts); !s) {
    std::unique_lock lk(impl_->mu);
    d.expectingStop = false;
    return s;
  }
  std::unique_lock lk(impl_->mu);
  if (d.active()) impl_->release(impl_->markStopped(job->ptr(), r::ShutoffDestroyed, ev::StoppedDestroyed));
  return okStatus();
}

Status Node::suspendDomain(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Suspend));
    if (d.state == DomainState::Paused) return okStatus();
    inst = d.instance;
  }
  STRATUS_TRY(inst->pause());
  std::unique_lock lk(impl_->mu);
  impl_->transition(d, DomainState::Paused, r::PausedUser, ev::Suspended, ev::SuspendedPaused);
  return okStatus();
}

Status Node::resumeDomain(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Resume));
    inst = d.instance;
  }
  STRATUS_TRY(inst->resume());
  std::unique_lock lk(impl_->mu);
  impl_->transition(d, DomainState::Running, r::RunningUnpaused, ev::Resumed, ev::ResumedUnpaused);
  return okStatus();
}

Status Node::rebootDomain(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto inst = impl_->activeInstance(*job, Verb::Reboot);
  if (!inst) return std::move(inst).error();
  return (*inst)->reboot();
}

Status Node::resetDomain(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto inst = impl_->activeInstance(*job, Verb::Reset);
  if (!inst) return std::move(inst).error();
  return (*inst)->reset();
}

Status Node::injectNmi(const std::string& key) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto inst = impl_->activeInstance(*job, Verb::Reset);
  if (!inst) return std::move(inst).error();
  return (*inst)->injectNmi();
}

Status Node::setMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> cfg;
  std::shared_ptr<drivers::Instance> inst;
  Scope sc{};
  {
    std::shared_lock lk(impl_->mu);
    auto rs = resolveScope(d, scope);
    if (!rs) return std::move(rs).error();
    sc = *rs;
    const Error tooBig(ErrorCode::InvalidArgument, "invalid argument: cannot set memory higher than max memory");
    if (sc.live && kib > d.live->memoryKiB) return tooBig;
    if (sc.config && kib > d.config->memoryKiB) return tooBig;
    if (sc.config) cfg = *d.config;
    if (sc.live) inst = d.instance;
  }
  if (kib == 0) return Error(ErrorCode::InvalidArgument, "invalid argument: memory size must be greater than 0");
  if (inst) STRATUS_TRY(inst->setMemory(kib));
  if (cfg) {
    cfg->currentMemoryKiB = kib;
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  }
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (inst && d.live) {
    d.live->currentMemoryKiB = kib;
    impl_->writeStatus(d);
  }
  return okStatus();
}

Status Node::setMaxMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> cfg;
  {
    std::shared_lock lk(impl_->mu);
    auto rs = resolveScope(d, scope);
    if (!rs) return std::move(rs).error();
    if (rs->live)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: cannot resize the maximum memory on an active domain");
    cfg = *d.config;
  }
  if (kib == 0) return Error(ErrorCode::InvalidArgument, "invalid argument: memory size must be greater than 0");
  cfg->memoryKiB = kib;
  if (cfg->currentMemoryKiB > kib) cfg->currentMemoryKiB = kib;
  if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  std::unique_lock lk(impl_->mu);
  d.config = std::move(cfg);
  return okStatus();
}

Status Node::setVcpus(const std::string& key, unsigned count, const ModifyScope& scope, bool maximum) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  if (count == 0) return Error(ErrorCode::InvalidArgument, "invalid argument: argument out of range: 0");
  std::optional<conf::DomainDef> cfg;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    ModifyScope eff = scope;
    if (maximum && !eff.live && !eff.config) eff.config = true;
    auto rs = resolveScope(d, eff);
    if (!rs) return std::move(rs).error();
    if (maximum && rs->live)
      return Error(ErrorCode::InvalidArgument, "invalid argument: --maximum requires --config");
    // libvirt's test driver words it its own way; the node answers test:/// like it.
    const bool testDriver = impl_->driver->name() == "TEST";
    auto tooMany = [&](const char* which, unsigned max) {
      return Error(ErrorCode::InvalidArgument,
                   testDriver ? "invalid argument: requested cpu amount exceeds maximum (" + std::to_string(count) +
                                    " > " + std::to_string(max) + ")"
                              : std::string("invalid argument: requested vcpus is greater than max allowable vcpus for the ") +
                                    which + " domain: " + std::to_string(count) + " > " + std::to_string(max));
    };
    if (rs->live) {
      if (count > d.live->vcpus) return tooMany("live", d.live->vcpus);
      inst = d.instance;
    }
    if (rs->config) {
      cfg = *d.config;
      if (!maximum && count > cfg->vcpus) return tooMany("persistent", cfg->vcpus);
    }
  }
  if (inst) {
    if (auto s = inst->setVcpus(count); !s) {
      // Part of the change may have happened (some vCPUs plugged): show what runs.
      std::unique_lock lk(impl_->mu);
      if (auto l = inst->liveDefinition(); l && d.live && d.instance == inst) {
        d.live->currentVcpus = l->currentVcpus;
        impl_->writeStatus(d);
      }
      return s;
    }
  }
  if (cfg) {
    if (maximum) {
      cfg->vcpus = count;
      if (cfg->currentVcpus > count) cfg->currentVcpus = count;
    } else {
      cfg->currentVcpus = count;
    }
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  }
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (inst && d.live) {
    d.live->currentVcpus = count;
    impl_->writeStatus(d);
  }
  return okStatus();
}

}  // namespace stratus::daemon
