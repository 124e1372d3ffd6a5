// Node: domstats, libvirt's virConnectGetAllDomainStats: per domain the
// groups state, cpu-total, balloon, vcpu, interface and block with libvirt's
// key names (state.state, cpu.time, balloon.current, vcpu.0.time,
// net.0.rx.bytes, block.0.rd.reqs, ...).
#include <fmt/format.h>

#include <algorithm>

#include "daemon/node_stats_util.h"

namespace stratus::daemon {

namespace {

// What one domain's record is built from, copied under the registry lock.
struct Snapshot {
  std::string name, uuid;
  conf::DomainState state;
  int reason;
  bool active, persistent;
  conf::DomainDef def;  // the running definition when active
  std::shared_ptr<drivers::Instance> instance;
};

bool passes(const Snapshot& s, const DomainStatsQuery& q) {
  if ((q.active || q.inactive) && !((q.active && s.active) || (q.inactive && !s.active))) return false;
  if ((q.persistent || q.transient) && !((q.persistent && s.persistent) || (q.transient && !s.persistent)))
    return false;
  if (q.running || q.paused || q.shutoff || q.other) {
    using S = conf::DomainState;
    bool running = s.state == S::Running, paused = s.state == S::Paused, shutoff = s.state == S::Shutoff;
    bool other = !running && !paused && !shutoff;
    if (!((q.running && running) || (q.paused && paused) || (q.shutoff && shutoff) || (q.other && other)))
      return false;
  }
  return true;
}

class Record {
 public:
  explicit Record(DomainStatsRecord& r) : r_(r) {}
  void u(std::string field, std::uint64_t v) { r_.params.push_back({std::move(field), v}); }
  void i(std::string field, std::int64_t v) { r_.params.push_back({std::move(field), v}); }
  void s(std::string field, std::string v) { r_.params.push_back({std::move(field), std::move(v)}); }
  // A counter the hypervisor may not report (negative or absent).
  void counter(std::string field, std::optional<std::int64_t> v) {
    if (v && *v >= 0) u(std::move(field), static_cast<std::uint64_t>(*v));
  }

 private:
  DomainStatsRecord& r_;
};

const std::string& diskPath(const conf::DiskDef& d) {
  if (d.type == "block") return d.sourceDev;
  if (d.type == "dir") return d.sourceDir;
  if (d.type == "network") return d.sourceName;
  return d.sourceFile;
}

// libvirt's balloon.* names of dommemstat's tags.
std::string balloonKey(const std::string& tag) { return tag == "last_update" ? "last-update" : tag; }

void cpuTotal(Record& r, const Snapshot& s) {
  if (!s.active || !s.instance) return;
  auto t = s.instance->cpuTimes();
  if (!t) return;
  r.u("cpu.time", t->totalNs);
  if (t->userNs) r.u("cpu.user", *t->userNs);
  if (t->systemNs) r.u("cpu.system", *t->systemNs);
}

void balloon(Record& r, const Snapshot& s) {
  std::uint64_t current = s.def.currentMemoryKiB;
  std::vector<MemoryStat> stats;
  if (s.active && s.instance) {
    if (auto m = s.instance->memoryStats()) stats = std::move(m).value();
    for (const auto& st : stats)
      if (st.tag == "actual") current = st.value;
  }
  r.u("balloon.current", current);
  r.u("balloon.maximum", s.def.memoryKiB);
  for (const auto& st : stats)
    if (st.tag != "actual") r.u("balloon." + balloonKey(st.tag), st.value);
}

void vcpus(Record& r, const Snapshot& s) {
  r.u("vcpu.current", s.def.currentVcpus);
  r.u("vcpu.maximum", s.def.vcpus);
  if (!s.active || !s.instance) return;
  auto info = s.instance->vcpuInfo(s.def);
  if (!info) return;
  for (const auto& v : *info) {
    r.i(fmt::format("vcpu.{}.state", v.number), v.state);
    r.u(fmt::format("vcpu.{}.time", v.number), v.cpuTimeNs);
  }
}

void interfaces(Record& r, const Snapshot& s) {
  if (!s.active || !s.instance) return;
  const auto& nics = s.def.devices.interfaces;
  r.u("net.count", nics.size());
  for (std::size_t i = 0; i < nics.size(); ++i) {
    const std::string p = fmt::format("net.{}.", i);
    r.s(p + "name", nics[i].targetDev);
    auto st = s.instance->interfaceStats(nics[i]);
    if (!st) continue;
    r.counter(p + "rx.bytes", st->rxBytes);
    r.counter(p + "rx.pkts", st->rxPackets);
    r.counter(p + "rx.errs", st->rxErrs);
    r.counter(p + "rx.drop", st->rxDrop);
    r.counter(p + "tx.bytes", st->txBytes);
    r.counter(p + "tx.pkts", st->txPackets);
    r.counter(p + "tx.errs", st->txErrs);
    r.counter(p + "tx.drop", st->txDrop);
  }
}

void blocks(Record& r, const Snapshot& s, drivers::HypervisorDriver& driver) {
  const auto& disks = s.def.devices.disks;
  r.u("block.count", disks.size());
  for (std::size_t i = 0; i < disks.size(); ++i) {
    const auto& d = disks[i];
    const std::string p = fmt::format("block.{}.", i);
    r.s(p + "name", d.targetDev);
    if (!diskPath(d).empty()) r.s(p + "path", diskPath(d));
    if (s.active && s.instance) {
      if (auto st = s.instance->blockStats(&d)) {
        r.counter(p + "rd.reqs", st->rdReq);
        r.counter(p + "rd.bytes", st->rdBytes);
        r.counter(p + "rd.times", st->rdTotalTimesNs);
        r.counter(p + "wr.reqs", st->wrReq);
        r.counter(p + "wr.bytes", st->wrBytes);
        r.counter(p + "wr.times", st->wrTotalTimesNs);
        r.counter(p + "fl.reqs", st->flushReq);
        r.counter(p + "fl.times", st->flushTotalTimesNs);
      }
    }
    if (diskPath(d).empty()) continue;
    auto info = s.active && s.instance ? s.instance->blockInfo(d) : driver.offlineBlockInfo(d);
    if (!info) continue;
    r.u(p + "allocation", info->allocation);
    r.u(p + "capacity", info->capacity);
    r.u(p + "physical", info->physical);
  }
}

}  // namespace

Result<std::vector<DomainStatsRecord>> Node::domainStats(const std::vector<std::string>& keys,
                                                         const DomainStatsQuery& q) {
  const unsigned supported = impl_->driver->statsGroups();
  unsigned groups = q.groups ? q.groups : supported;
  if (q.enforce && (groups & ~supported))
    return Error(ErrorCode::Unsupported, fmt::format("argument unsupported: Stats types bits 0x{:x} are not "
                                                     "supported by this daemon",
                                                     groups & ~supported));
  groups &= supported;
  std::vector<Snapshot> snaps;
  {
    std::shared_lock lk(impl_->mu);
    std::vector<DomainPtr> doms;
    if (keys.empty()) {
      for (const auto& [name, d] : impl_->byName) doms.push_back(d);
      std::sort(doms.begin(), doms.end(), [](const DomainPtr& a, const DomainPtr& b) { return a->name < b->name; });
    } else {
      for (const auto& k : keys) {
        auto d = impl_->find(k);
        if (!d) return noDomainError(k);
        doms.push_back(d);
      }
    }
    for (const auto& d : doms) {
      Snapshot s{d->name, d->uuid.str(), d->state, d->reason, d->active(), d->config.has_value(),
                 d->current(), d->active() ? d->instance : nullptr};
      if (passes(s, q)) snaps.push_back(std::move(s));
    }
  }
  // The hypervisor is asked without any lock held.
  std::vector<DomainStatsRecord> out;
  for (const auto& s : snaps) {
    DomainStatsRecord rec{s.name, s.uuid, {}};
    Record r(rec);
    if (groups & kStatsState) {
      r.i("state.state", static_cast<std::int64_t>(s.state));
      r.i("state.reason", s.reason);
    }
    if (groups & kStatsCpuTotal) cpuTotal(r, s);
    if (groups & kStatsBalloon) balloon(r, s);
    if (groups & kStatsVcpu) vcpus(r, s);
    if (groups & kStatsInterface) interfaces(r, s);
    if (groups & kStatsBlock) blocks(r, s, *impl_->driver);
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace stratus::daemon
