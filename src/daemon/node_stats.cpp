// Node: host statistics, the balloon's statistics, memtune, vCPUs and
// pinning (vcpuinfo, vcpupin, emulatorpin).
#include "daemon/memtune.h"
#include "daemon/node_impl.h"
#include "daemon/node_stats_util.h"
#include "util/cpuset.h"

namespace stratus::daemon {

Result<RunningDomain> runningDomain(Node::Impl& impl, const std::string& key) {
  std::shared_lock lk(impl.mu);
  auto d = impl.find(key);
  if (!d) return noDomainError(key);
  if (!d->active() || !d->instance || !d->live)
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
  return RunningDomain{d->instance, *d->live, d->id, d->name};
}

unsigned hostCpuCount(Node::Impl& impl) {
  if (auto m = impl.driver->nodeCpuMap(); m && m->cpus) return m->cpus;
  if (auto n = impl.driver->nodeInfo(); n && n->cpus) return n->cpus;
  return 1;
}

namespace {

// The definition a query with `scope` reads (mu held): --config the
// persistent one, --live the running one, neither the current one.
Result<const conf::DomainDef*> definitionFor(const DomainObj& d, const ModifyScope& scope) {
  if (scope.live && scope.config)
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
  if (scope.config) {
    if (!d.config)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: transient domains do not have any persistent config");
    return &*d.config;
  }
  if (scope.live) {
    if (!d.active() || !d.live)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
    return &*d.live;
  }
  return &d.current();
}

// A cpuset as the node stores it: libvirt's canonical form, within the host.
Result<CpuSet> pinSet(const std::string& text, unsigned hostCpus) {
  auto s = CpuSet::parse(text);
  if (!s) return Error(ErrorCode::InvalidArgument, "invalid argument: Failed to parse bitmap '" + text + "'");
  if (s->empty()) return Error(ErrorCode::InvalidArgument, "invalid argument: Empty cpu list for pinning");
  if (*s->last() >= hostCpus)
    return Error(ErrorCode::InvalidArgument, "invalid argument: CPU " + std::to_string(*s->last()) + " in cpulist '" +
                                                 text + "' exceed the maxcpu " + std::to_string(hostCpus));
  return *s;
}

std::string vcpuPinOf(const conf::DomainDef& def, unsigned vcpu, unsigned hostCpus) {
  std::optional<CpuSet> set;
  for (const auto& p : def.cputune.vcpupins)
    if (p.vcpu == vcpu) set = CpuSet::parse(p.cpuset);
  if (!set && !def.vcpuCpuset.empty()) set = CpuSet::parse(def.vcpuCpuset);
  if (!set) set = CpuSet::all(hostCpus);
  return set->truncated(hostCpus).str();
}

std::string emulatorPinOf(const conf::DomainDef& def, unsigned hostCpus) {
  std::optional<CpuSet> set;
  if (!def.cputune.emulatorpin.empty()) set = CpuSet::parse(def.cputune.emulatorpin);
  if (!set && !def.vcpuCpuset.empty()) set = CpuSet::parse(def.vcpuCpuset);
  if (!set) set = CpuSet::all(hostCpus);
  return set->truncated(hostCpus).str();
}

void setVcpuPin(conf::DomainDef& def, unsigned vcpu, const CpuSet& set) {
  auto& pins = def.cputune.vcpupins;
  for (auto& p : pins)
    if (p.vcpu == vcpu) {
      p.cpuset = set.str();
      return;
    }
  auto at = std::find_if(pins.begin(), pins.end(), [&](const conf::VcpuPin& p) { return p.vcpu > vcpu; });
  pins.insert(at, conf::VcpuPin{vcpu, set.str()});
}

Error noSuchVcpu(unsigned vcpu) {
  return Error(ErrorCode::InvalidArgument,
               "invalid argument: requested vcpu '" + std::to_string(vcpu) + "' is not present in the domain");
}

}  // namespace

// ---- host ----

Result<NodeCpuMap> Node::nodeCpuMap() { return impl_->driver->nodeCpuMap(); }
Result<NodeCpuStats> Node::nodeCpuStats(int cpu) { return impl_->driver->nodeCpuStats(cpu); }
Result<NodeMemoryStats> Node::nodeMemoryStats(int cell) { return impl_->driver->nodeMemoryStats(cell); }

// ---- memory ----

Result<std::vector<MemoryStat>> Node::domainMemoryStats(const std::string& key) {
  auto r = runningDomain(*impl_, key);
  if (!r) return std::move(r).error();
  return r->instance->memoryStats();
}

Status Node::setMemoryStatsPeriod(const std::string& key, int seconds, const ModifyScope& scope) {
  if (seconds < 0)
    return Error(ErrorCode::InvalidArgument, "invalid argument: Invalid collection period value '" +
                                                 std::to_string(seconds) + "'");
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> cfg;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    if (scope.config && !d.config)
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: transient domains do not have any persistent config");
    auto rs = resolveScope(d, scope);
    if (!rs) return std::move(rs).error();
    if (rs->live) inst = d.instance;
    if (rs->config) cfg = *d.config;
  }
  if (inst) STRATUS_TRY(inst->setMemoryStatsPeriod(seconds));
  if (cfg) {
    if (!cfg->devices.memballoon || cfg->devices.memballoon->model == "none")
      return Error(ErrorCode::OperationFailed,
                   "internal error: No memory balloon device configured, can not set the collection period");
    cfg->devices.memballoon->statsPeriod = static_cast<unsigned>(seconds);
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  }
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (inst && d.live && d.live->devices.memballoon) {
    d.live->devices.memballoon->statsPeriod = static_cast<unsigned>(seconds);
    impl_->writeStatus(d);
  }
  return okStatus();
}

Result<MemoryTune> Node::memoryTune(const std::string& key, const ModifyScope& scope) {
  std::shared_lock lk(impl_->mu);
  auto d = impl_->find(key);
  if (!d) return noDomainError(key);
  auto def = definitionFor(*d, scope);
  if (!def) return std::move(def).error();
  return memoryTuneOf(**def);
}

Status Node::setMemoryTune(const std::string& key, const MemoryTuneUpdate& update, const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto target = impl_->scopedTarget(d, scope);
  if (!target) return std::move(target).error();
  auto& [cfg, live, inst] = *target;
  std::optional<MemoryTune> liveLimits;
  if (live) {
    auto t = applyMemoryTune(*live, update);
    if (!t) return std::move(t).error();
    liveLimits = *t;
  }
  if (cfg) STRATUS_TRY(applyMemoryTune(*cfg, update));
  if (inst) STRATUS_TRY(inst->setMemoryTune(*liveLimits));
  if (cfg && impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (live && d.live) {
    d.live = std::move(live);
    impl_->writeStatus(d);
  }
  return okStatus();
}

// ---- vCPUs ----

Result<std::vector<VcpuInfo>> Node::vcpuInfo(const std::string& key) {
  auto r = runningDomain(*impl_, key);
  if (!r) return std::move(r).error();
  return r->instance->vcpuInfo(r->live);
}

Result<VcpuPinInfo> Node::vcpuPinInfo(const std::string& key, const ModifyScope& scope) {
  unsigned hostCpus = hostCpuCount(*impl_);
  std::shared_lock lk(impl_->mu);
  auto d = impl_->find(key);
  if (!d) return noDomainError(key);
  auto def = definitionFor(*d, scope);
  if (!def) return std::move(def).error();
  VcpuPinInfo info;
  for (unsigned i = 0; i < (*def)->vcpus; ++i) info.cpusets.push_back(vcpuPinOf(**def, i, hostCpus));
  return info;
}

Status Node::pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset, const ModifyScope& scope) {
  unsigned hostCpus = hostCpuCount(*impl_);
  auto set = pinSet(cpuset, hostCpus);
  if (!set) return std::move(set).error();
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> cfg;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto rs = resolveScope(d, scope);
    if (!rs) return std::move(rs).error();
    if (rs->live) {
      if (vcpu >= d.live->currentVcpus) return noSuchVcpu(vcpu);
      inst = d.instance;
    }
    if (rs->config) {
      if (vcpu >= d.config->vcpus) return noSuchVcpu(vcpu);
      cfg = *d.config;
    }
  }
  if (inst) STRATUS_TRY(inst->pinVcpu(vcpu, *set));
  if (cfg) {
    setVcpuPin(*cfg, vcpu, *set);
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  }
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (inst && d.live) {
    setVcpuPin(*d.live, vcpu, *set);
    impl_->writeStatus(d);
  }
  return okStatus();
}

Result<std::string> Node::emulatorPinInfo(const std::string& key, const ModifyScope& scope) {
  unsigned hostCpus = hostCpuCount(*impl_);
  std::shared_lock lk(impl_->mu);
  auto d = impl_->find(key);
  if (!d) return noDomainError(key);
  auto def = definitionFor(*d, scope);
  if (!def) return std::move(def).error();
  return emulatorPinOf(**def, hostCpus);
}

Status Node::pinEmulator(const std::string& key, const std::string& cpuset, const ModifyScope& scope) {
  unsigned hostCpus = hostCpuCount(*impl_);
  auto set = pinSet(cpuset, hostCpus);
  if (!set) return std::move(set).error();
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> cfg;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto rs = resolveScope(d, scope);
    if (!rs) return std::move(rs).error();
    if (rs->live) inst = d.instance;
    if (rs->config) cfg = *d.config;
  }
  if (inst) STRATUS_TRY(inst->pinEmulator(*set));
  if (cfg) {
    cfg->cputune.emulatorpin = set->str();
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*cfg));
  }
  std::unique_lock lk(impl_->mu);
  if (cfg) d.config = std::move(cfg);
  if (inst && d.live) {
    d.live->cputune.emulatorpin = set->str();
    impl_->writeStatus(d);
  }
  return okStatus();
}

}  // namespace stratus::daemon
