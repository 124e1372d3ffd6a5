// Registry helpers of Node: lookups, jobs, summaries, events.
#include <chrono>

#include <spdlog/spdlog.h>

#include "daemon/node_impl.h"

namespace stratus::daemon {

Job::Job(DomainPtr d, std::unique_lock<std::timed_mutex> lk, Node::Impl* impl)
    : dom_(std::move(d)), lk_(std::move(lk)), impl_(impl) {}

Job::Job(Job&& o) noexcept : dom_(std::move(o.dom_)), lk_(std::move(o.lk_)), impl_(o.impl_) {
  o.impl_ = nullptr;
}

Job::~Job() {
  if (!impl_) return;
  lk_ = {};
  std::lock_guard g(impl_->inflightMu);
  if (--impl_->inflight == 0) impl_->inflightCv.notify_all();
}

DomainPtr Node::Impl::find(const std::string& key) const {
  if (auto it = byName.find(key); it != byName.end()) return it->second;
  if (auto u = Uuid::parse(key)) {
    if (auto it = byUuid.find(*u); it != byUuid.end()) return it->second;
  }
  return nullptr;
}

Error noDomainError(const std::string& key) {
  return Error(ErrorCode::NoDomain, "Domain not found: no domain with matching name '" + key + "'");
}

Result<DomainPtr> Node::Impl::get(const std::string& key) const {
  std::shared_lock lk(mu);
  auto d = find(key);
  if (!d) return noDomainError(key);
  return d;
}

Result<Job> Node::Impl::beginJob(const std::string& key, bool migrationPhase) {
  if (draining) return Error(ErrorCode::OperationInvalid, "the daemon is shutting down");
  auto d = get(key);
  if (!d) return std::move(d).error();
  {
    std::lock_guard g(inflightMu);
    ++inflight;
  }
  auto release = [this] {
    std::lock_guard g(inflightMu);
    if (--inflight == 0) inflightCv.notify_all();
  };
  std::unique_lock lk((*d)->job, std::defer_lock);
  // A job waits a bounded time for the one before it (libvirt waits 30 s).
  if (!lk.try_lock_for(std::chrono::seconds(30))) {
    release();
    return Error(ErrorCode::Busy, "Timed out during operation: cannot acquire state change lock "
                                  "(held by another job on domain '" + key + "')");
  }
  {
    std::shared_lock r(mu);
    if ((*d)->removed) {
      release();
      return noDomainError(key);
    }
    if ((*d)->migration && !migrationPhase) {
      release();
      return Error(ErrorCode::OperationInvalid,
                   "Requested operation is not valid: domain '" + (*d)->name + "' is being migrated");
    }
  }
  return Job(*d, std::move(lk), this);
}

DomainSummary Node::Impl::summarize(const DomainObj& d) const {
  DomainSummary s;
  s.id = d.active() ? d.id : -1;
  s.name = d.name;
  s.uuid = d.uuid.str();
  s.state = d.state;
  s.reason = d.reason;
  s.persistent = d.config.has_value();
  s.autostart = d.autostart;
  s.managedSave = d.hasManagedSave;
  const conf::DomainDef* def = d.active() && d.live ? &*d.live : (d.config ? &*d.config : nullptr);
  if (def) s.title = def->title;
  return s;
}

void Node::Impl::emit(const DomainObj& d, int type, int detail) {
  DomainEvent e;
  e.domainName = d.name;
  e.domainUuid = d.uuid.str();
  e.type = type;
  e.detail = detail;
  events.publish(std::move(e));
}

void Node::Impl::indexInsert(const DomainPtr& d) {
  byName[d->name] = d;
  byUuid[d->uuid] = d;
  if (d->active() && d->id > 0) byId[d->id] = d;
}

void Node::Impl::indexErase(const DomainPtr& d) {
  if (auto it = byName.find(d->name); it != byName.end() && it->second == d) byName.erase(it);
  if (auto it = byUuid.find(d->uuid); it != byUuid.end() && it->second == d) byUuid.erase(it);
  if (auto it = byId.find(d->id); it != byId.end() && it->second == d) byId.erase(it);
}

void Node::Impl::writeStatus(const DomainObj& d) {
  if (!store || !d.live) return;
  StoredStatus st;
  st.live = *d.live;
  st.state = d.state;
  st.reason = d.reason;
  st.id = d.id;
  if (d.instance) st.driverState = d.instance->reattachState();
  st.migration = migrationMark(d);
  st.savePart = d.savePart;
  if (auto s = store->saveStatus(st); !s)
    spdlog::error("domain '{}': cannot write status: {}", d.name, s.error().describe());
}

}  // namespace stratus::daemon
