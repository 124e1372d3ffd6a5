// Node: opening, host queries, and the definition side of domains.
#include "daemon/node.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "daemon/node_impl.h"
#include "daemon/simulated_pool_backend.h"
#include "network/simulated_network_backend.h"
#include "stratus_version.h"
#include "util/atomic_file.h"

namespace stratus::daemon {

namespace {

// A save the previous daemon did not finish never finishes now (the guest
// resumes, or is gone): its partial file goes. Only our own partial names
// (save's FILE.stratus-part, managed save's NAME.save.part) are removed,
// whatever a status file says.
void removeSavePart(const StoredStatus& st) {
  const std::string& p = st.savePart;
  auto endsWith = [&p](std::string_view tail) {
    return p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (p.empty() || !(endsWith(".stratus-part") || endsWith(".save.part"))) return;
  if (::unlink(p.c_str()) == 0)
    spdlog::info("domain '{}': removed {} of a save the previous daemon did not finish", st.live.name, p);
}

}  // namespace

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Node::~Node() {
  drain();
  // Incoming guests stay as they are; the next daemon removes them.
  impl_->stopMigrationWatchdogs();
  impl_->events.flush();
}

Result<std::unique_ptr<Node>> Node::open(NodeConfig cfg, std::unique_ptr<drivers::HypervisorDriver> driver,
                                         std::unique_ptr<network::NetworkBackend> networks,
                                         PoolBackendFactory pools) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(cfg);
  impl->driver = std::move(driver);
  if (!networks) networks = std::make_unique<network::SimulatedNetworkBackend>();
  std::optional<NetworkStore> netStore;
  if (!impl->cfg.root.empty()) netStore.emplace(impl->cfg.root, impl->cfg.driverDir);
  impl->networks = std::make_unique<NetworkRegistry>(std::move(netStore), std::move(networks));
  // Networks first: reattached guests hold ports on them.
  STRATUS_TRY(impl->networks->load(impl->cfg.defineDefaultNetwork && !impl->cfg.root.empty()));
  if (!pools) {
    pools = [](conf::PoolType t) -> Result<std::unique_ptr<storage::PoolBackend>> {
      return std::unique_ptr<storage::PoolBackend>(std::make_unique<SimulatedPoolBackend>(t));
    };
  }
  std::optional<StorageStore> poolStore;
  if (!impl->cfg.root.empty()) poolStore.emplace(impl->cfg.root);
  impl->storage = std::make_unique<StorageRegistry>(std::move(poolStore), std::move(pools));
  STRATUS_TRY(impl->storage->load(impl->cfg.defineDefaultPool && !impl->cfg.root.empty()));
  if (!impl->cfg.root.empty()) {
    impl->store.emplace(impl->cfg.root, impl->cfg.driverDir);
    STRATUS_TRY(impl->store->prepare());
    std::vector<LoadProblem> problems;
    for (auto& sd : impl->store->loadConfigs(problems)) {
      auto d = std::make_shared<DomainObj>();
      d->name = sd.def.name;
      d->uuid = sd.def.uuid;
      d->autostart = sd.autostart;
      d->config = std::move(sd.def);
      d->hasManagedSave = ::access(impl->store->managedSavePath(d->name).c_str(), F_OK) == 0;
      if (impl->find(d->name) || impl->byUuid.count(d->uuid)) {
        problems.push_back({sd.file, "duplicate domain name or uuid; ignored"});
        continue;
      }
      impl->indexInsert(d);
    }
    // Guests that were running under the previous daemon.
    for (auto& st : impl->store->loadStatuses(problems)) {
      removeSavePart(st);
      auto d = impl->find(st.live.name);
      if (!d) {
        d = std::make_shared<DomainObj>();  // a transient domain
        d->name = st.live.name;
        d->uuid = st.live.uuid;
      }
      d->generation++;
      // What the status file does not keep: where its volume disks are
      // (resolved at start; the pools are loaded above). A volume gone
      // meanwhile leaves the guest running on what it has open.
      if (auto s = impl->storage->resolveVolumes(st.live); !s)
        spdlog::warn("domain '{}': {}", st.live.name, s.error().describe());
      auto inst = impl->driver->reattach(st.live, st.id, st.driverState, impl->makeSink(d, d->generation));
      if (!inst) {
        spdlog::info("domain '{}' is no longer running: {}", st.live.name, inst.error().describe());
        (void)impl->store->removeStatus(st.live.name);
        if (!d->config) continue;
        d->state = conf::DomainState::Shutoff;
        d->reason = conf::reason::ShutoffUnknown;
        continue;
      }
      if (st.migration == "in") {
        // An incoming migration the previous daemon did not finish: its
        // orchestrator has rolled back (the guest runs on the source), so
        // this copy must not run too.
        spdlog::warn("domain '{}': removing the guest of an unfinished incoming migration", st.live.name);
        (void)(*inst)->destroy({});
        (void)impl->store->removeStatus(st.live.name);
        if (!d->config) continue;
        d->state = conf::DomainState::Shutoff;
        d->reason = conf::reason::ShutoffFailed;
        continue;
      }
      d->instance = std::move(inst).value();
      impl->networks->recordPorts(d->name, d->uuid, st.live);
      d->live = std::move(st.live);
      d->state = st.state;
      d->reason = st.reason;
      d->id = st.id;
      impl->nextId = std::max(impl->nextId, st.id + 1);
      impl->indexInsert(d);
      // A save interrupted by the previous daemon's death (the driver
      // stopped its migration): the guest goes on, as after a cancelled save.
      if (d->state == conf::DomainState::Paused && d->reason == conf::reason::PausedSave && d->instance->resume()) {
        d->state = conf::DomainState::Running;
        d->reason = conf::reason::RunningSaveCanceled;
        impl->writeStatus(*d);
      }
      // An outgoing migration that had not sent everything: the destination
      // rolled it back (its guest goes without our keepalives), so the guest
      // goes on here. One that had ("out-done") may be running there now:
      // it stays paused for the administrator to decide.
      if (st.migration == "out" && d->state == conf::DomainState::Paused &&
          d->reason == conf::reason::PausedMigration && d->instance->resumeAfterFailedMigration()) {
        d->state = conf::DomainState::Running;
        d->reason = conf::reason::RunningMigrationCanceled;
        impl->writeStatus(*d);
      } else if (st.migration == "out-done") {
        spdlog::warn("domain '{}': a migration of it completed but was not confirmed; it stays paused here "
                     "(check whether it runs on the destination before resuming or destroying it)",
                     d->name);
      }
    }
    for (const auto& p : problems) spdlog::warn("{}: {}", p.file, p.message);
  }
  std::unique_ptr<Node> node(new Node(std::move(impl)));
  node->impl_->self = node.get();
  if (node->impl_->cfg.runAutostart) {
    node->impl_->networks->autostart();  // before the guests that use them
    node->impl_->storage->autostart();
    std::vector<std::string> names;
    {
      std::shared_lock lk(node->impl_->mu);
      for (auto& [name, d] : node->impl_->byName)
        if (d->autostart && !d->active()) names.push_back(name);
    }
    for (const auto& n : names)
      if (auto s = node->startDomain(n, {}); !s)
        spdlog::error("autostart of domain '{}' failed: {}", n, s.error().describe());
  }
  return node;
}

std::string Node::configDir() const { return impl_->store ? impl_->store->configDir() : ""; }
std::string Node::runDir() const { return impl_->store ? impl_->store->runDir() : ""; }

void Node::cancelOperations() {
  std::shared_lock lk(impl_->mu);
  for (const auto& [name, d] : impl_->byName)
    if (d->operation) d->operation->requestCancel();
}

void Node::drain() {
  impl_->draining = true;
  // Long operations (save, restore) are cancelled rather than waited for:
  // the guests they work on go on running.
  cancelOperations();
  std::unique_lock lk(impl_->inflightMu);
  impl_->inflightCv.wait(lk, [this] { return impl_->inflight == 0; });
}

std::string Node::uri() { return impl_->cfg.uri; }

Result<std::string> Node::hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return systemError("cannot get hostname", errno);
  return std::string(buf);
}

Result<VersionInfo> Node::version() {
  return VersionInfo{STRATUS_VERSION, impl_->driver->name(), impl_->driver->version()};
}

Result<NodeInfo> Node::nodeInfo() { return impl_->driver->nodeInfo(); }

Result<std::vector<DomainSummary>> Node::listDomains() {
  std::shared_lock lk(impl_->mu);
  std::vector<DomainSummary> out;
  out.reserve(impl_->byName.size());
  for (const auto& [name, d] : impl_->byName) out.push_back(impl_->summarize(*d));
  return out;
}

Result<DomainSummary> Node::lookupDomain(const std::string& key) {
  std::shared_lock lk(impl_->mu);
  int id = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (ec == std::errc() && p == key.data() + key.size()) {
    if (auto it = impl_->byId.find(id); it != impl_->byId.end() && it->second->active())
      return impl_->summarize(*it->second);
  }
  if (auto u = Uuid::parse(key)) {
    if (auto it = impl_->byUuid.find(*u); it != impl_->byUuid.end()) return impl_->summarize(*it->second);
  }
  if (auto it = impl_->byName.find(key); it != impl_->byName.end()) return impl_->summarize(*it->second);
  return Error(ErrorCode::NoDomain, "Domain not found: no domain with matching key '" + key + "'");
}

Result<DefineResult> Node::defineDomain(const std::string& xml, const std::string& sourceName) {
  if (impl_->draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  auto parsed = conf::parseDomainXml(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  conf::DomainDef def = std::move(parsed->def);
  impl_->driver->applyDefaults(def);
  std::lock_guard w(impl_->registryWrite);
  DomainPtr existing;
  {
    std::shared_lock lk(impl_->mu);
    if (auto it = impl_->byName.find(def.name); it != impl_->byName.end()) {
      existing = it->second;
      if (existing->uuid != def.uuid)
        return Error(ErrorCode::DomainExists, "operation failed: domain '" + def.name +
                                                  "' already exists with uuid " + existing->uuid.str());
    } else if (auto u = impl_->byUuid.find(def.uuid); u != impl_->byUuid.end()) {
      return Error(ErrorCode::DomainExists, "operation failed: domain '" + u->second->name +
                                                "' is already defined with uuid " + def.uuid.str());
    }
  }
  // Persist first: if the write fails, nothing in memory changed either.
  if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(def));
  DefineResult res;
  res.warnings = std::move(parsed->warnings);
  std::unique_lock lk(impl_->mu);
  if (existing) {
    existing->config = std::move(def);
    impl_->emit(*existing, ev::Defined, ev::DefinedUpdated);
    res.domain = impl_->summarize(*existing);
  } else {
    auto d = std::make_shared<DomainObj>();
    d->name = def.name;
    d->uuid = def.uuid;
    d->config = std::move(def);
    impl_->indexInsert(d);
    impl_->emit(*d, ev::Defined, ev::DefinedAdded);
    res.domain = impl_->summarize(*d);
  }
  return res;
}

Status Node::undefineDomain(const std::string& key, const UndefineOptions& opts) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  std::lock_guard w(impl_->registryWrite);
  auto& d = job->dom();
  std::string name;
  bool hasSave;
  {
    std::shared_lock lk(impl_->mu);
    if (!d.config) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot undefine transient domain");
    name = d.name;
    hasSave = d.hasManagedSave;
  }
  if (hasSave && !opts.managedSave)
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: Refusing to undefine while domain managed save image exists");
  if (impl_->store && hasSave) STRATUS_TRY(removeFileDurable(impl_->store->managedSavePath(name)));
  {
    std::unique_lock lk(impl_->mu);
    d.hasManagedSave = false;
    d.managedSaveImage.clear();
  }
  return impl_->dropDefinition(*job);
}

Status Node::Impl::dropDefinition(Job& job) {
  auto& d = job.dom();
  if (store) {
    std::string name;
    {
      std::shared_lock lk(mu);
      name = d.name;
    }
    STRATUS_TRY(store->removeConfig(name));
  }
  std::unique_lock lk(mu);
  d.config.reset();
  d.autostart = false;
  emit(d, ev::Undefined, ev::UndefinedRemoved);
  if (!d.active()) {
    d.removed = true;
    indexErase(job.ptr());
  }
  return okStatus();
}

Result<std::string> Node::domainXml(const std::string& key, const XmlOptions& opts) {
  std::shared_lock lk(impl_->mu);
  auto d = impl_->find(key);
  if (!d) return noDomainError(key);
  conf::FormatOptions fo;
  fo.securityInfo = opts.securityInfo;
  if (d->active() && d->live && !(opts.inactive && d->config)) {
    fo.id = d->id;
    return conf::formatDomainXml(*d->live, fo);
  }
  fo.inactive = true;
  return conf::formatDomainXml(*d->config, fo);
}

Result<DomainInfo> Node::domainInfo(const std::string& key) {
  DomainInfo info;
  std::shared_ptr<drivers::Instance> inst;
  {
    std::shared_lock lk(impl_->mu);
    auto d = impl_->find(key);
    if (!d) return noDomainError(key);
    info.summary = impl_->summarize(*d);
    const auto& def = d->current();
    info.osType = impl_->driver->reportedOsType(def);
    info.maxMemKiB = def.memoryKiB;
    info.usedMemKiB = def.currentMemoryKiB;
    info.vcpus = def.currentVcpus;
    if (d->active()) inst = d->instance;
  }
  if (inst) {
    // Stats come from the hypervisor without holding any lock or job.
    if (auto st = inst->stats()) {
      info.cpuTimeNs = st->cpuTimeNs;
      if (st->memoryKiB) info.usedMemKiB = st->memoryKiB;
      if (st->vcpus) info.vcpus = st->vcpus;
    }
  }
  auto sec = impl_->driver->securityInfo();
  info.securityModel = sec.model;
  info.securityDoi = sec.doi;
  info.securityLabel = sec.label;
  return info;
}

Status Node::setAutostart(const std::string& key, bool enabled) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  auto name = impl_->persistentName(*job, "set autostart");
  if (!name) return std::move(name).error();
  if (impl_->store) STRATUS_TRY(impl_->store->setAutostart(*name, enabled));
  std::unique_lock lk(impl_->mu);
  d.autostart = enabled;
  return okStatus();
}


Status Node::setMetadata(const std::string& key, MetadataKind kind, const std::string& text,
                         const ModifyScope& scope) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  auto& d = job->dom();
  std::optional<conf::DomainDef> newConfig;
  Scope sc{};
  {
    std::shared_lock lk(impl_->mu);
    auto r = resolveScope(d, scope);
    if (!r) return std::move(r).error();
    sc = *r;
    if (sc.config) newConfig = *d.config;
  }
  auto apply = [&](conf::DomainDef& def) {
    (kind == MetadataKind::Title ? def.title : def.description) = text;
  };
  if (newConfig) {
    apply(*newConfig);
    if (impl_->store) STRATUS_TRY(impl_->store->saveConfig(*newConfig));
  }
  std::unique_lock lk(impl_->mu);
  if (newConfig) d.config = std::move(newConfig);
  if (sc.live && d.live) {
    apply(*d.live);
    impl_->writeStatus(d);
  }
  return okStatus();
}

Result<std::string> Node::getMetadata(const std::string& key, MetadataKind kind, const ModifyScope& scope) {
  std::shared_lock lk(impl_->mu);
  auto d = impl_->find(key);
  if (!d) return noDomainError(key);
  bool wantConfig = scope.config || (!scope.live && !d->active());
  const conf::DomainDef& def = wantConfig && d->config ? *d->config : d->current();
  return kind == MetadataKind::Title ? def.title : def.description;
}

Status Node::renameDomain(const std::string& key, const std::string& newName) {
  auto job = impl_->beginJob(key);
  if (!job) return std::move(job).error();
  std::lock_guard w(impl_->registryWrite);
  auto& d = job->dom();
  conf::DomainDef def;
  std::string oldName;
  bool autostart;
  {
    std::shared_lock lk(impl_->mu);
    STRATUS_TRY(impl_->allowed(d, Verb::Rename));
    if (!d.config) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot rename a transient domain");
    if (impl_->byName.count(newName))
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: domain with name '" + newName + "' already exists");
    if (d.hasManagedSave)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: cannot rename domain with a managed save image");
    def = *d.config;
    oldName = d.name;
    autostart = d.autostart;
  }
  if (auto s = conf::validateDomainName(newName); !s)
    return Error(ErrorCode::XmlInvalid, "XML error: " + s.error().message);
  def.name = newName;
  if (impl_->store) {
    STRATUS_TRY(impl_->store->saveConfig(def));
    if (autostart) STRATUS_TRY(impl_->store->setAutostart(newName, true));
    STRATUS_TRY(impl_->store->removeConfig(oldName));
  }
  std::unique_lock lk(impl_->mu);
  impl_->emit(d, ev::Undefined, ev::UndefinedRenamed);
  impl_->indexErase(job->ptr());
  d.name = newName;
  d.config = std::move(def);
  impl_->indexInsert(job->ptr());
  impl_->emit(d, ev::Defined, ev::DefinedRenamed);
  return okStatus();
}

Result<std::unique_ptr<EventSubscription>> Node::subscribeEvents(EventCallback cb) {
  return impl_->events.subscribe(std::move(cb));
}

}  // namespace stratus::daemon
