// StorageRegistry: pools (define, start, stop, persistence, refresh).
// Volumes are in storage_volumes.cpp, domain disks in storage_resolve.cpp.
// Error words are libvirt's (its test driver's where virsh golden data
// compares them).
#include "daemon/storage_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace stratus::daemon {

namespace {

Error noPool(const std::string& key, bool byUuid) {
  return Error(ErrorCode::NoStoragePool, std::string("Storage pool not found: no storage pool with matching ") +
                                             (byUuid ? "uuid '" : "name '") + key + "'");
}

Error invalid(const std::string& what) { return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: " + what); }

Error busy(const PoolObj& p) {
  return invalid("pool '" + p.name + "' has asynchronous jobs running.");
}

// Two definitions that would use the same storage (libvirt's
// virStoragePoolObjSourceFindDuplicate, reduced to the types we run).
bool sameStorage(const conf::PoolDef& a, const conf::PoolDef& b) {
  using T = conf::PoolType;
  if (a.type != b.type) return false;
  auto firstDevice = [](const conf::PoolDef& d) { return d.source.devices.empty() ? "" : d.source.devices[0].path; };
  auto firstHost = [](const conf::PoolDef& d) { return d.source.hosts.empty() ? "" : d.source.hosts[0].name; };
  switch (a.type) {
    case T::Dir: return !a.target.path.empty() && a.target.path == b.target.path;
    case T::Fs: return !firstDevice(a).empty() && firstDevice(a) == firstDevice(b);
    case T::Netfs: return firstHost(a) == firstHost(b) && a.source.dir == b.source.dir;
    case T::Logical: return !a.source.name.empty() && a.source.name == b.source.name;
    case T::Iscsi: return firstHost(a) == firstHost(b) && firstDevice(a) == firstDevice(b);
    default: return false;
  }
}

}  // namespace

StorageRegistry::StorageRegistry(std::optional<StorageStore> store, PoolBackendFactory factory)
    : store_(std::move(store)), factory_(std::move(factory)) {}

StorageRegistry::Ptr StorageRegistry::find(const std::string& key) const {
  if (auto it = byName_.find(key); it != byName_.end()) return it->second;
  for (const auto& [name, p] : byName_)
    if (p->uuid.str() == key) return p;
  return nullptr;
}

Result<StorageRegistry::Ptr> StorageRegistry::get(const std::string& key) const {
  std::lock_guard lk(mu_);
  if (auto p = find(key)) return p;
  return noPool(key, Uuid::parse(key).has_value());
}

Result<StorageRegistry::Ptr> StorageRegistry::getActive(const std::string& key, bool named) const {
  auto p = get(key);
  if (!p) return p;
  std::lock_guard lk(mu_);
  if (!(*p)->active()) return invalid(named ? "storage pool '" + (*p)->name + "' is not active" : "storage pool is not active");
  return p;
}

Result<conf::ParsedPool> StorageRegistry::parse(const std::string& xml, const std::string& sourceName) const {
  return conf::parsePoolXml(xml, sourceName);
}

PoolSummary StorageRegistry::summarize(const PoolObj& p) const {
  PoolSummary s;
  const auto& d = p.current();
  s.name = p.name;
  s.uuid = p.uuid.str();
  s.type = std::string(conf::poolTypeName(d.type));
  s.active = p.active();
  s.state = s.active ? "running" : "inactive";
  s.persistent = p.config.has_value();
  s.autostart = p.autostart;
  if (p.live) {
    s.capacity = p.live->capacity;
    s.allocation = p.live->allocation;
    s.available = p.live->available;
  }
  s.targetPath = d.target.path;
  return s;
}

void StorageRegistry::saveStatus(const PoolObj& p) {
  if (!store_ || !p.live) return;
  if (auto s = store_->saveStatus({"", *p.live, p.config.has_value()}); !s)
    spdlog::warn("pool '{}': cannot write its status: {}", p.name, s.error().describe());
}

Result<StorageRegistry::Ptr> StorageRegistry::add(conf::PoolDef def, bool persistent) {
  auto backend = factory_(def.type);
  if (!backend) return std::move(backend).error();
  // Sizes in a definition are the backend's to say, never the user's.
  (*backend)->inactiveNumbers(def);
  std::lock_guard lk(mu_);
  if (auto same = find(def.name)) {
    if (same->uuid != def.uuid)
      return Error(ErrorCode::OperationFailed, "operation failed: pool '" + def.name + "' already exists with uuid " +
                                                   same->uuid.str());
  }
  for (const auto& [name, p] : byName_) {
    if (name != def.name && p->uuid == def.uuid)
      return Error(ErrorCode::OperationFailed, "operation failed: pool '" + name + "' is already defined with uuid " +
                                                   def.uuid.str());
    if (name != def.name && sameStorage(p->current(), def))
      return Error(ErrorCode::OperationFailed, "operation failed: Storage source conflict with pool: '" + name + "'");
  }
  Ptr p = find(def.name);
  if (!p) {
    p = std::make_shared<PoolObj>();
    p->name = def.name;
    p->uuid = def.uuid;
    p->backend = std::move(backend).value();
    byName_[p->name] = p;
  } else if (!p->active()) {
    // A redefinition may change the type: its backend with it.
    p->backend = std::move(backend).value();
  }
  if (persistent) p->config = std::move(def);
  else p->live = std::move(def);  // transient: the caller starts it at once
  return p;
}

Status StorageRegistry::load(bool defineDefaultOnFirstStart) {
  if (!store_) return okStatus();
  STRATUS_TRY(store_->prepare());
  std::vector<LoadProblem> problems;
  for (auto& sp : store_->loadConfigs(problems)) {
    bool autostart = sp.autostart;
    auto p = add(std::move(sp.def), true);
    if (!p) {
      problems.push_back({sp.file, p.error().describe()});
      continue;
    }
    (*p)->autostart = autostart;
  }
  // Pools that were active under the previous daemon: still mounted / there?
  for (auto& st : store_->loadStatuses(problems)) {
    Ptr p;
    {
      std::lock_guard lk(mu_);
      p = find(st.live.name);
    }
    if (!p) {
      if (st.persistent) {  // its definition is gone
        (void)store_->removeStatus(st.live.name);
        continue;
      }
      auto added = add(st.live, true);  // transient: kept as "config" only to build the object
      if (!added) {
        problems.push_back({st.file, added.error().describe()});
        continue;
      }
      p = *added;
      std::lock_guard lk(mu_);
      p->config.reset();
    }
    std::lock_guard op(p->opMu);
    if (!p->backend->isActive(st.live)) {
      spdlog::info("pool '{}' is no longer active", st.live.name);
      (void)store_->removeStatus(st.live.name);
      std::lock_guard lk(mu_);
      if (!p->config) byName_.erase(p->name);
      continue;
    }
    {
      std::lock_guard lk(mu_);
      p->live = st.live;
    }
    if (auto s = refreshLocked(*p); !s) spdlog::warn("pool '{}': refresh failed: {}", p->name, s.error().describe());
  }
  for (const auto& pr : problems) spdlog::warn("{}: {}", pr.file, pr.message);

  if (store_->firstStart() && defineDefaultOnFirstStart) {
    // libvirt's default pool, at the images directory under our root.
    std::string xml = "<pool type='dir'><name>default</name><target><path>" + store_->defaultImagesDir() +
                      "</path></target></pool>";
    auto d = define(xml, "<default pool>");
    if (!d) return std::move(d).error();
    STRATUS_TRY(setAutostart("default", true));
    PoolStartOptions so;
    so.build = true;
    if (auto s = start("default", so); !s)
      spdlog::warn("the default storage pool did not start: {}", s.error().describe());
  }
  return okStatus();
}

void StorageRegistry::autostart() {
  std::vector<std::string> names;
  {
    std::lock_guard lk(mu_);
    for (const auto& [name, p] : byName_)
      if (p->autostart && !p->active()) names.push_back(name);
  }
  for (const auto& n : names)
    if (auto s = start(n, {}); !s) spdlog::error("autostart of pool '{}' failed: {}", n, s.error().describe());
}

Result<std::vector<PoolSummary>> StorageRegistry::list() {
  std::lock_guard lk(mu_);
  std::vector<PoolSummary> out;
  for (const auto& [name, p] : byName_) out.push_back(summarize(*p));
  return out;
}

Result<PoolSummary> StorageRegistry::lookup(const std::string& key) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  return summarize(**p);
}

Result<PoolDefineResult> StorageRegistry::define(const std::string& xml, const std::string& sourceName) {
  auto parsed = parse(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  conf::PoolDef def = parsed->def;
  std::optional<conf::PoolDef> previous;
  {
    std::lock_guard lk(mu_);
    if (auto same = find(def.name)) previous = same->config;
  }
  auto p = add(def, true);
  if (!p) return std::move(p).error();
  if (store_) {
    if (auto s = store_->saveConfig(def); !s) {
      // Nothing changes when the definition cannot be stored.
      std::lock_guard lk(mu_);
      (*p)->config = previous;
      if (!(*p)->config && !(*p)->active()) byName_.erase(def.name);
      return std::move(s).error();
    }
  }
  std::lock_guard lk(mu_);
  return PoolDefineResult{summarize(**p), std::move(parsed->warnings)};
}

Result<PoolDefineResult> StorageRegistry::create(const std::string& xml, const std::string& sourceName,
                                                 const PoolStartOptions& opts) {
  auto parsed = parse(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  {
    std::lock_guard lk(mu_);
    if (auto same = find(parsed->def.name))
      return Error(ErrorCode::OperationFailed, "operation failed: pool '" + parsed->def.name +
                                                   "' already exists with uuid " + same->uuid.str());
  }
  auto p = add(parsed->def, true);  // held as a definition until it runs
  if (!p) return std::move(p).error();
  std::lock_guard op((*p)->opMu);
  if (auto s = startLocked(**p, opts); !s) {
    std::lock_guard lk(mu_);
    byName_.erase((*p)->name);
    return std::move(s).error();
  }
  std::lock_guard lk(mu_);
  (*p)->config.reset();  // transient
  saveStatus(**p);
  return PoolDefineResult{summarize(**p), std::move(parsed->warnings)};
}

Status StorageRegistry::build(const std::string& key, const PoolBuildOptions& opts) {
  if (opts.overwrite && opts.noOverwrite)
    return Error(ErrorCode::InvalidArgument, "invalid argument: overwrite and no-overwrite flags are mutually exclusive");
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard op((*p)->opMu);
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if ((*p)->active()) return invalid("storage pool '" + (*p)->name + "' is already active");
    def = (*p)->current();
  }
  return (*p)->backend->build(def, opts);
}

Status StorageRegistry::startLocked(PoolObj& p, const PoolStartOptions& opts) {
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    def = p.config ? *p.config : *p.live;
  }
  if (opts.build) {
    PoolBuildOptions bo;
    bo.overwrite = opts.overwrite;
    bo.noOverwrite = opts.noOverwrite;
    STRATUS_TRY(p.backend->build(def, bo));
  }
  STRATUS_TRY(p.backend->start(def));
  {
    std::lock_guard lk(mu_);
    p.live = def;
  }
  if (auto s = refreshLocked(p); !s) {
    // A pool that cannot be scanned is not usable: undo the start.
    (void)p.backend->stop(def);
    std::lock_guard lk(mu_);
    if (p.config) p.live.reset();
    return s;
  }
  std::lock_guard lk(mu_);
  saveStatus(p);
  return okStatus();
}

Status StorageRegistry::start(const std::string& key, const PoolStartOptions& opts) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard op((*p)->opMu);
  {
    std::lock_guard lk(mu_);
    if ((*p)->active()) return invalid("storage pool '" + (*p)->name + "' is active");
  }
  return startLocked(**p, opts);
}

Status StorageRegistry::destroy(const std::string& key) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  {
    // A copy holds opMu for its whole run: say so now rather than wait.
    std::lock_guard lk(mu_);
    if (!(*p)->jobs.empty()) return busy(**p);
  }
  std::lock_guard op((*p)->opMu);
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (!(*p)->active()) return invalid("storage pool '" + (*p)->name + "' is not active");
    if (!(*p)->jobs.empty()) return busy(**p);
    def = *(*p)->live;
  }
  STRATUS_TRY((*p)->backend->stop(def));
  if (store_) (void)store_->removeStatus((*p)->name);
  std::lock_guard lk(mu_);
  (*p)->live.reset();
  (*p)->volumes.clear();
  if (!(*p)->config) byName_.erase((*p)->name);
  return okStatus();
}

Status StorageRegistry::remove(const std::string& key) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard op((*p)->opMu);
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if ((*p)->active()) return invalid("storage pool '" + (*p)->name + "' is active");
    def = (*p)->current();
  }
  return (*p)->backend->remove(def);
}

Status StorageRegistry::undefine(const std::string& key) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard op((*p)->opMu);
  {
    std::lock_guard lk(mu_);
    if ((*p)->active()) return invalid("storage pool '" + (*p)->name + "' is active");
    if (!(*p)->config) return invalid("storage pool '" + (*p)->name + "' is not persistent");
  }
  if (store_) STRATUS_TRY(store_->removeConfig((*p)->name));
  std::lock_guard lk(mu_);
  (*p)->removed = true;
  byName_.erase((*p)->name);
  return okStatus();
}

Status StorageRegistry::refreshLocked(PoolObj& p) {
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (!p.live) return invalid("storage pool '" + p.name + "' is not active");
    def = *p.live;
  }
  auto c = p.backend->refresh(def);
  if (!c) return std::move(c).error();
  std::sort(c->volumes.begin(), c->volumes.end(),
            [](const conf::VolumeDef& a, const conf::VolumeDef& b) { return a.name < b.name; });
  std::lock_guard lk(mu_);
  if (!p.live) return okStatus();
  p.live->capacity = c->capacity;
  p.live->allocation = c->allocation;
  p.live->available = c->available;
  p.volumes = std::move(c->volumes);
  return okStatus();
}

Status StorageRegistry::refresh(const std::string& key) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  {
    std::lock_guard lk(mu_);
    if (!(*p)->jobs.empty()) return busy(**p);
  }
  std::lock_guard op((*p)->opMu);
  {
    std::lock_guard lk(mu_);
    if (!(*p)->active()) return invalid("storage pool '" + (*p)->name + "' is not active");
    if (!(*p)->jobs.empty()) return busy(**p);
  }
  return refreshLocked(**p);
}

Result<std::string> StorageRegistry::xml(const std::string& key, const PoolXmlOptions& opts) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  conf::PoolFormatOptions fo;
  fo.inactive = opts.inactive;
  if (opts.inactive && (*p)->config) {
    conf::PoolDef d = *(*p)->config;
    if ((*p)->live) {  // libvirt shows the numbers it knows either way
      d.capacity = (*p)->live->capacity;
      d.allocation = (*p)->live->allocation;
      d.available = (*p)->live->available;
    }
    return conf::formatPoolXml(d, fo);
  }
  return conf::formatPoolXml((*p)->current(), fo);
}

Status StorageRegistry::setAutostart(const std::string& key, bool enabled) {
  auto p = get(key);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  if (!(*p)->config) return invalid("cannot set autostart for transient pool");
  if (store_) STRATUS_TRY(store_->setAutostart((*p)->name, enabled));
  (*p)->autostart = enabled;
  return okStatus();
}

Result<std::string> StorageRegistry::findSources(const std::string& type, const std::string& srcSpecXml) {
  auto t = conf::parsePoolType(type);
  if (!t) return Error(ErrorCode::InvalidArgument, "internal error: unknown storage pool type " + type);
  auto backend = factory_(*t);
  if (!backend) return std::move(backend).error();
  return (*backend)->findSources(srcSpecXml);
}

}  // namespace stratus::daemon
