// StorageRegistry: volumes. The list is what the pool's last refresh found;
// every change refreshes the pool afterwards so sizes and allocation stay
// true. Long work (copies, uploads, downloads, wipes) runs as a job on the
// volume: progress in volumeJob(), cancel through abortVolumeJob().
#include <spdlog/spdlog.h>

#include "daemon/storage_registry.h"

namespace stratus::daemon {

namespace {

Error noVolume(const std::string& how, const std::string& key) {
  return Error(ErrorCode::NoStorageVolume, "Storage volume not found: no storage vol with matching " + how + " '" + key + "'");
}

Error invalid(const std::string& what) { return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: " + what); }

// Registers a job on a volume for the lifetime of this object.
class VolumeJobScope {
 public:
  VolumeJobScope(std::mutex& mu, PoolObj& pool, std::string vol, std::shared_ptr<drivers::JobMonitor> job)
      : mu_(mu), pool_(pool), vol_(std::move(vol)) {
    pool_.jobs[vol_] = std::move(job);  // caller holds mu
  }
  ~VolumeJobScope() {
    std::lock_guard lk(mu_);
    pool_.jobs.erase(vol_);
  }
  VolumeJobScope(const VolumeJobScope&) = delete;
  VolumeJobScope& operator=(const VolumeJobScope&) = delete;

 private:
  std::mutex& mu_;
  PoolObj& pool_;
  std::string vol_;
};

// A job (wipe, upload, download) on an existing volume of an active pool:
// registered for as long as this lives; refused while another runs on it.
struct RunningVolumeJob {
  std::shared_ptr<drivers::JobMonitor> job;
  conf::PoolDef pool;  // the active pool's definition
  std::optional<VolumeJobScope> scope;
};

Result<std::unique_ptr<RunningVolumeJob>> startVolumeJob(std::mutex& mu, PoolObj& p, const std::string& vol,
                                                         const char* operation) {
  auto r = std::make_unique<RunningVolumeJob>();
  r->job = std::make_shared<drivers::JobMonitor>(operation);
  std::lock_guard lk(mu);
  if (p.jobs.count(vol)) return invalid("volume '" + vol + "' is still in use by a job");
  if (!p.live) return invalid("storage pool '" + p.name + "' is not active");
  r->pool = *p.live;
  r->scope.emplace(mu, p, vol, r->job);
  return r;
}

}  // namespace

const conf::VolumeDef* StorageRegistry::findVolume(const PoolObj& p, const std::string& name) {
  for (const auto& v : p.volumes)
    if (v.name == name) return &v;
  return nullptr;
}

VolumeSummary StorageRegistry::summarizeVolume(const PoolObj& p, const conf::VolumeDef& v) const {
  VolumeSummary s;
  s.name = v.name;
  s.key = v.key;
  s.path = v.path;
  s.pool = p.name;
  s.type = v.type.empty() ? "file" : v.type;
  s.format = v.format;
  s.capacity = v.capacity;
  s.allocation = v.allocation.value_or(0);
  s.physical = v.physical.value_or(s.allocation);
  return s;
}

Result<std::pair<StorageRegistry::Ptr, conf::VolumeDef>> StorageRegistry::getVolume(const std::string& pool,
                                                                                     const std::string& vol) {
  if (pool.empty()) {
    // By key, then by path, over every active pool (virsh's order).
    std::lock_guard lk(mu_);
    for (const char* how : {"key", "path"}) {
      for (const auto& [name, p] : byName_) {
        if (!p->active()) continue;
        for (const auto& v : p->volumes)
          if ((how[0] == 'k' ? v.key : v.path) == vol) return std::make_pair(p, v);
      }
    }
    return noVolume("path", vol);
  }
  auto p = getActive(pool, false);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  if (auto v = findVolume(**p, vol)) return std::make_pair(*p, *v);
  return noVolume("name", vol);
}

Result<std::vector<VolumeSummary>> StorageRegistry::listVolumes(const std::string& pool) {
  auto p = getActive(pool, false);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  std::vector<VolumeSummary> out;
  for (const auto& v : (*p)->volumes) out.push_back(summarizeVolume(**p, v));
  return out;
}

Result<VolumeSummary> StorageRegistry::lookupVolume(const std::string& pool, const std::string& vol) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  std::lock_guard lk(mu_);
  return summarizeVolume(*pv->first, pv->second);
}

Result<VolumeSummary> StorageRegistry::createVolume(const std::string& pool, const std::string& xml,
                                                    const std::string& sourceName, const VolumeCreateOptions& opts) {
  auto parsed = conf::parseVolumeXml(xml, sourceName);
  if (!parsed) return std::move(parsed).error();
  auto p = getActive(pool, true);
  if (!p) return std::move(p).error();
  auto exists = [&]() -> Status {
    std::lock_guard lk(mu_);
    if (findVolume(**p, parsed->def.name) || (*p)->jobs.count(parsed->def.name))
      return Error(ErrorCode::OperationFailed, "operation failed: storage vol already exists");
    return okStatus();
  };
  STRATUS_TRY(exists());  // before waiting for a copy that holds the pool
  std::lock_guard op((*p)->opMu);
  STRATUS_TRY(exists());
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (!(*p)->active()) return invalid("storage pool '" + (*p)->name + "' is not active");
    def = *(*p)->live;
  }
  auto made = (*p)->backend->createVolume(def, parsed->def, opts);
  if (!made) return std::move(made).error();
  if (auto s = refreshLocked(**p); !s) spdlog::warn("pool '{}': refresh failed: {}", (*p)->name, s.error().describe());
  std::lock_guard lk(mu_);
  if (auto v = findVolume(**p, made->name)) return summarizeVolume(**p, *v);
  return summarizeVolume(**p, *made);
}

Result<VolumeSummary> StorageRegistry::createVolumeFrom(const std::string& pool, const std::string& xml,
                                                        const std::string& sourceName, const std::string& fromPool,
                                                        const std::string& fromVol, const VolumeCreateOptions& opts) {
  conf::VolumeParseOptions po;
  po.requireCapacity = false;  // the source's, when the new XML has none
  auto parsed = conf::parseVolumeXml(xml, sourceName, po);
  if (!parsed) return std::move(parsed).error();
  auto src = getVolume(fromPool, fromVol);
  if (!src) return std::move(src).error();
  auto p = getActive(pool, true);
  if (!p) return std::move(p).error();
  conf::PoolDef srcPool;
  {
    std::lock_guard lk(mu_);
    if (!src->first->live) return invalid("storage pool '" + src->first->name + "' is not active");
    srcPool = *src->first->live;
  }
  auto from = src->first->backend->target(srcPool, src->second);
  if (!from) return std::move(from).error();
  conf::VolumeDef vol = parsed->def;
  // A copy is never smaller than what it copies (libvirt).
  if (vol.capacity < src->second.capacity) vol.capacity = src->second.capacity;

  std::lock_guard op((*p)->opMu);
  auto job = std::make_shared<drivers::JobMonitor>("copy");
  std::optional<VolumeJobScope> scope, sourceScope;
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (!(*p)->active()) return invalid("storage pool '" + (*p)->name + "' is not active");
    if (findVolume(**p, vol.name) || (*p)->jobs.count(vol.name))
      return Error(ErrorCode::OperationFailed, "operation failed: storage vol already exists");
    if (src->first->jobs.count(src->second.name))
      return invalid("volume '" + src->second.name + "' is still in use by another job");
    def = *(*p)->live;
    scope.emplace(mu_, **p, vol.name, job);
    // The source is busy too: it cannot be deleted under the copy.
    sourceScope.emplace(mu_, *src->first, src->second.name, job);
  }
  auto made = (*p)->backend->createVolumeFrom(def, vol, *from, opts, job.get());
  sourceScope.reset();
  scope.reset();
  if (!made) return std::move(made).error();
  if (auto s = refreshLocked(**p); !s) spdlog::warn("pool '{}': refresh failed: {}", (*p)->name, s.error().describe());
  std::lock_guard lk(mu_);
  if (auto v = findVolume(**p, made->name)) return summarizeVolume(**p, *v);
  return summarizeVolume(**p, *made);
}

Status StorageRegistry::deleteVolume(const std::string& pool, const std::string& vol) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  auto& p = pv->first;
  {
    // A copy holds opMu for its whole run: refuse now rather than wait.
    std::lock_guard lk(mu_);
    if (p->jobs.count(pv->second.name)) return invalid("volume '" + pv->second.name + "' is still in use by a job");
  }
  std::lock_guard op(p->opMu);
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (p->jobs.count(pv->second.name)) return invalid("volume '" + pv->second.name + "' is still in use by a job");
    if (!p->live) return invalid("storage pool '" + p->name + "' is not active");
    def = *p->live;
  }
  STRATUS_TRY(p->backend->deleteVolume(def, pv->second));
  if (auto s = refreshLocked(*p); !s) spdlog::warn("pool '{}': refresh failed: {}", p->name, s.error().describe());
  return okStatus();
}

Status StorageRegistry::wipeVolume(const std::string& pool, const std::string& vol, const VolumeWipeOptions& opts) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  auto& p = pv->first;
  auto run = startVolumeJob(mu_, *p, pv->second.name, "wipe");
  if (!run) return std::move(run).error();
  return p->backend->wipeVolume((*run)->pool, pv->second, opts, (*run)->job.get());
}

Status StorageRegistry::resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                                     const VolumeResizeOptions& opts) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  auto& p = pv->first;
  const auto& v = pv->second;
  std::uint64_t target = capacity;
  if (opts.delta) {
    if (opts.shrink) {
      if (capacity > v.capacity)
        return Error(ErrorCode::InvalidArgument, "invalid argument: can't shrink capacity below 0");
      target = v.capacity - capacity;
    } else {
      target = v.capacity + capacity;
    }
  }
  if (target < v.capacity && !opts.shrink)
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly specified");
  {
    std::lock_guard lk(mu_);
    if (p->jobs.count(v.name)) return invalid("volume '" + v.name + "' is still in use by a job");
  }
  std::lock_guard op(p->opMu);
  conf::PoolDef def;
  {
    std::lock_guard lk(mu_);
    if (p->jobs.count(v.name)) return invalid("volume '" + v.name + "' is still in use by a job");
    if (!p->live) return invalid("storage pool '" + p->name + "' is not active");
    def = *p->live;
    if (opts.allocate && target > v.allocation.value_or(0) &&
        target - v.allocation.value_or(0) > def.available)
      return Error(ErrorCode::InvalidArgument, "invalid argument: Not enough space left in storage pool");
  }
  STRATUS_TRY(p->backend->resizeVolume(def, v, target, opts));
  if (auto s = refreshLocked(*p); !s) spdlog::warn("pool '{}': refresh failed: {}", p->name, s.error().describe());
  return okStatus();
}

Result<std::string> StorageRegistry::volumeXml(const std::string& pool, const std::string& vol) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  return conf::formatVolumeXml(pv->second);
}

Status StorageRegistry::upload(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                               VolumeSource& source) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  auto& p = pv->first;
  if (!p->backend->realVolumes())
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: virStorageVolUpload");
  if (opts.offset > pv->second.capacity)
    return Error(ErrorCode::InvalidArgument, "invalid argument: offset " + std::to_string(opts.offset) +
                                                 " is beyond the end of volume '" + pv->second.name + "'");
  auto run = startVolumeJob(mu_, *p, pv->second.name, "upload");
  if (!run) return std::move(run).error();
  auto target = p->backend->target((*run)->pool, pv->second);
  if (!target) return std::move(target).error();
  auto s = storage::writeVolumeBytes(*target, opts, source, (*run)->job.get());
  run->reset();  // the job ends before the pool is scanned again
  std::lock_guard op(p->opMu);
  if (auto r = refreshLocked(*p); !r) spdlog::warn("pool '{}': refresh failed: {}", p->name, r.error().describe());
  return s;
}

Status StorageRegistry::download(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                                 VolumeSink& sink) {
  auto pv = getVolume(pool, vol);
  if (!pv) return std::move(pv).error();
  auto& p = pv->first;
  if (!p->backend->realVolumes())
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virStorageVolDownload");
  auto run = startVolumeJob(mu_, *p, pv->second.name, "download");
  if (!run) return std::move(run).error();
  auto target = p->backend->target((*run)->pool, pv->second);
  if (!target) return std::move(target).error();
  return storage::readVolumeBytes(*target, opts, sink, (*run)->job.get());
}

Result<JobInfo> StorageRegistry::volumeJob(const std::string& pool, const std::string& vol) {
  auto p = getActive(pool, true);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  if (auto it = (*p)->jobs.find(vol); it != (*p)->jobs.end()) return it->second->snapshot();
  if (!findVolume(**p, vol)) return noVolume("name", vol);
  return JobInfo{};
}

Status StorageRegistry::abortVolumeJob(const std::string& pool, const std::string& vol) {
  auto p = getActive(pool, true);
  if (!p) return std::move(p).error();
  std::lock_guard lk(mu_);
  auto it = (*p)->jobs.find(vol);
  if (it == (*p)->jobs.end()) {
    if (!findVolume(**p, vol)) return noVolume("name", vol);
    return invalid("no job is active on the volume");
  }
  it->second->requestCancel();
  return okStatus();
}

}  // namespace stratus::daemon
