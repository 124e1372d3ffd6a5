// QemuInstance: statistics and CPU tuning of a running guest, from QMP
// (balloon, vCPU threads, block statistics) and the host (/proc, /sys).
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "drivers/qemu/host_stats.h"
#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qmp_commands.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;

namespace {

std::uint64_t ticksToNs(std::uint64_t ticks) {
  long hz = ::sysconf(_SC_CLK_TCK);
  return ticks * (1000000000ULL / static_cast<std::uint64_t>(hz > 0 ? hz : 100));
}

Error notRunning() {
  return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
}

// A query-block / query-blockstats entry belongs to the disk whose device
// id is `alias` (-blockdev setups name the device by its QOM path).
bool isDisk(const std::string& qdev, const std::string& nodeName, const std::string& device,
            const std::string& alias) {
  if (alias.empty()) return false;
  const std::string peripheral = "/machine/peripheral/" + alias;
  return qdev == alias || qdev == peripheral || qdev.rfind(peripheral + "/", 0) == 0 ||
         nodeName == "drive-" + alias + "-format" || device == "drive-" + alias;
}

// virsh dommemstat's names of QEMU's balloon statistics, with the divisor
// that turns bytes into KiB (1 for counts).
struct BalloonField {
  const char* qemu;
  const char* tag;
  std::uint64_t divisor;
};
constexpr BalloonField kBalloonBeforeUpdate[] = {
    {"stat-swap-in", "swap_in", 1024},          {"stat-swap-out", "swap_out", 1024},
    {"stat-major-faults", "major_fault", 1},    {"stat-minor-faults", "minor_fault", 1},
    {"stat-free-memory", "unused", 1024},       {"stat-total-memory", "available", 1024},
    {"stat-available-memory", "usable", 1024},
};
constexpr BalloonField kBalloonAfterUpdate[] = {
    {"stat-disk-caches", "disk_caches", 1024},
    {"stat-htlb-pgalloc", "hugetlb_pgalloc", 1},
    {"stat-htlb-pgfail", "hugetlb_pgfail", 1},
};

}  // namespace

std::string QemuInstance::balloonPath() const {
  std::lock_guard lk(mu_);
  const auto& b = live_.devices.memballoon;
  if (!b || b->model == "none" || b->info.alias.empty()) return {};
  return "/machine/peripheral/" + b->info.alias;
}

Result<std::vector<int>> QemuInstance::vcpuThreads() {
  if (!qmp_ || !qmp_->alive()) return notRunning();
  auto cpus = qmp::queryCpusFast(*qmp_);
  if (!cpus) return std::move(cpus).error();
  std::vector<int> out;
  for (const auto& c : *cpus) {
    if (c.index < 0 || c.index > 4096) continue;
    if (out.size() <= static_cast<std::size_t>(c.index)) out.resize(static_cast<std::size_t>(c.index) + 1, 0);
    out[static_cast<std::size_t>(c.index)] = static_cast<int>(c.threadId);
  }
  return out;
}

Result<CpuTimes> QemuInstance::cpuTimes() {
  auto text = readHostFile("/proc/" + std::to_string(process_.pid()) + "/stat");
  if (!text) return notRunning();
  auto t = parseTaskStat(*text);
  if (!t) return Error(ErrorCode::OperationFailed, "internal error: cannot parse /proc/" + std::to_string(process_.pid()) + "/stat");
  CpuTimes c;
  c.userNs = ticksToNs(t->utimeTicks);
  c.systemNs = ticksToNs(t->stimeTicks);
  c.totalNs = *c.userNs + *c.systemNs;
  return c;
}

Result<std::vector<daemon::MemoryStat>> QemuInstance::memoryStats() {
  if (!qmp_ || !qmp_->alive()) return notRunning();
  std::vector<daemon::MemoryStat> out;
  if (std::string path = balloonPath(); !path.empty()) {
    auto actual = qmp::queryBalloon(*qmp_);
    if (!actual) return std::move(actual).error();
    out.push_back({"actual", *actual / 1024});
    auto guest = qmp::balloonGuestStats(*qmp_, path);
    if (guest) {
      auto add = [&](const BalloonField& f) {
        for (const auto& [name, value] : guest->stats)
          if (name == f.qemu) out.push_back({f.tag, value / f.divisor});
      };
      for (const auto& f : kBalloonBeforeUpdate) add(f);
      if (guest->lastUpdate) out.push_back({"last_update", guest->lastUpdate});
      for (const auto& f : kBalloonAfterUpdate) add(f);
    }
  }
  // The resident size of QEMU itself.
  if (auto status = readHostFile("/proc/" + std::to_string(process_.pid()) + "/status")) {
    if (auto rss = statusField(*status, "VmRSS")) {
      try {
        out.push_back({"rss", std::stoull(*rss)});
      } catch (const std::exception&) {
      }
    }
  }
  return out;
}

Status QemuInstance::setMemoryStatsPeriod(int seconds) {
  std::string path = balloonPath();
  if (path.empty())
    return Error(ErrorCode::Unsupported,
                 "Operation not supported: No memory balloon device configured, can not set the collection period");
  if (!qmp_ || !qmp_->alive()) return notRunning();
  STRATUS_TRY(qmp::qomSet(*qmp_, path, "guest-stats-polling-interval", seconds));
  std::lock_guard lk(mu_);
  if (live_.devices.memballoon) live_.devices.memballoon->statsPeriod = static_cast<unsigned>(seconds);
  return okStatus();
}

Status QemuInstance::setMemoryTune(const daemon::MemoryTune&) {
  return Error(ErrorCode::Unsupported,
               "Operation not supported: memory limits of a running QEMU guest need cgroups, which Stratus does not "
               "manage; use --config");
}

Result<std::vector<daemon::VcpuInfo>> QemuInstance::vcpuInfo(const conf::DomainDef&) {
  auto threads = vcpuThreads();
  if (!threads) return std::move(threads).error();
  const std::string task = "/proc/" + std::to_string(process_.pid()) + "/task/";
  std::vector<daemon::VcpuInfo> out;
  for (std::size_t i = 0; i < threads->size(); ++i) {
    int tid = (*threads)[i];
    if (tid <= 0) continue;
    daemon::VcpuInfo v;
    v.number = static_cast<unsigned>(i);
    if (auto text = readHostFile(task + std::to_string(tid) + "/stat")) {
      if (auto t = parseTaskStat(*text)) {
        v.cpu = t->processor;
        v.cpuTimeNs = ticksToNs(t->utimeTicks + t->stimeTicks);
      }
    }
    if (auto aff = threadAffinity(tid)) v.affinity = aff->str();
    out.push_back(std::move(v));
  }
  return out;
}

Status QemuInstance::pinVcpu(unsigned vcpu, const CpuSet& cpus) {
  auto threads = vcpuThreads();
  if (!threads) return std::move(threads).error();
  if (vcpu >= threads->size() || (*threads)[vcpu] <= 0)
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: requested vcpu '" + std::to_string(vcpu) + "' is not present in the domain");
  return setThreadAffinity((*threads)[vcpu], cpus);
}

Status QemuInstance::pinEmulator(const CpuSet& cpus) {
  auto threads = vcpuThreads();
  if (!threads) return std::move(threads).error();
  for (int tid : processThreads(process_.pid())) {
    if (std::find(threads->begin(), threads->end(), tid) != threads->end()) continue;
    if (auto s = setThreadAffinity(tid, cpus); !s) {
      // A worker thread may end between listing and pinning.
      if (::access(("/proc/" + std::to_string(process_.pid()) + "/task/" + std::to_string(tid)).c_str(), F_OK) != 0)
        continue;
      return s;
    }
  }
  return okStatus();
}

Status QemuInstance::applyCpuTune() {
  std::optional<CpuSet> all, emulator;
  std::vector<std::pair<unsigned, CpuSet>> pins;
  {
    std::lock_guard lk(mu_);
    if (!live_.vcpuCpuset.empty()) all = CpuSet::parse(live_.vcpuCpuset);
    if (!live_.cputune.emulatorpin.empty()) emulator = CpuSet::parse(live_.cputune.emulatorpin);
    for (const auto& p : live_.cputune.vcpupins)
      if (auto s = CpuSet::parse(p.cpuset)) pins.emplace_back(p.vcpu, *s);
  }
  if (!all && !emulator && pins.empty()) return okStatus();
  auto threads = vcpuThreads();
  if (!threads) return std::move(threads).error();
  if (all || emulator) STRATUS_TRY(pinEmulator(emulator ? *emulator : *all));
  for (std::size_t i = 0; i < threads->size(); ++i) {
    int tid = (*threads)[i];
    if (tid <= 0) continue;
    const CpuSet* set = all ? &*all : nullptr;
    for (const auto& [vcpu, s] : pins)
      if (vcpu == i) set = &s;
    if (set) STRATUS_TRY(setThreadAffinity(tid, *set));
  }
  return okStatus();
}

Result<daemon::BlockStats> QemuInstance::blockStats(const conf::DiskDef* disk) {
  if (!qmp_ || !qmp_->alive()) return notRunning();
  auto all = qmp::queryBlockstats(*qmp_);
  if (!all) return std::move(all).error();
  daemon::BlockStats out;
  bool found = false;
  auto add = [](std::optional<std::int64_t>& field, std::uint64_t v) {
    field = field.value_or(0) + static_cast<std::int64_t>(v);
  };
  for (const auto& s : *all) {
    if (disk && !isDisk(s.qdev, s.nodeName, s.device, disk->info.alias)) continue;
    found = true;
    add(out.rdReq, s.rdOperations);
    add(out.rdBytes, s.rdBytes);
    add(out.wrReq, s.wrOperations);
    add(out.wrBytes, s.wrBytes);
    add(out.flushReq, s.flushOperations);
    add(out.rdTotalTimesNs, s.rdTotalTimeNs);
    add(out.wrTotalTimesNs, s.wrTotalTimeNs);
    add(out.flushTotalTimesNs, s.flushTotalTimeNs);
  }
  if (disk && !found)
    return Error(ErrorCode::OperationFailed,
                 "internal error: cannot find statistics for device '" + disk->targetDev + "'");
  return out;
}

Result<daemon::BlockInfo> QemuInstance::blockInfo(const conf::DiskDef& disk) {
  if (!qmp_ || !qmp_->alive()) return notRunning();
  auto all = qmp::queryBlock(*qmp_);
  if (!all) return std::move(all).error();
  for (const auto& b : *all) {
    if (!isDisk(b.qdev, b.nodeName, b.device, disk.info.alias)) continue;
    daemon::BlockInfo info;
    if (!b.inserted) return info;
    info.capacity = b.virtualSize;
    info.allocation = b.actualSize;
    info.physical = b.virtualSize;
    // A volume disk's image is where the node resolved it to at start.
    const std::string& path = conf::diskHostPath(disk);
    const std::string& format = disk.type == "volume" && disk.driverType.empty() ? disk.volumeFormat : disk.driverType;
    if (!path.empty()) {
      if (auto f = imageBlockInfo(path, format)) {
        info.physical = f->physical;
        if (!info.allocation) info.allocation = f->allocation;
      }
    }
    return info;
  }
  return Error(ErrorCode::OperationFailed, "internal error: cannot find block device '" + disk.targetDev + "'");
}

Result<daemon::InterfaceStats> QemuInstance::interfaceStats(const conf::InterfaceDef& nic) {
  if (nic.targetDev.empty())
    return Error(ErrorCode::Unsupported, "Operation not supported: interface of type '" + nic.type +
                                             "' has no host device to read statistics from");
  auto c = readNetDevCounters("/sys/class/net/" + nic.targetDev + "/statistics");
  if (!c) return std::move(c).error();
  return guestViewOfTap(*c);
}

Result<std::vector<daemon::InterfaceAddresses>> QemuInstance::interfaceAddresses(const conf::DomainDef& live,
                                                                                 daemon::AddressSource source,
                                                                                 const AddressLookup& lookup) {
  using S = daemon::AddressSource;
  std::vector<daemon::InterfaceAddresses> out;
  if (source == S::Agent)
    return Error(ErrorCode::Unsupported,
                 "Operation not supported: the QEMU guest agent is not supported yet; use --source lease or --source arp");
  if (source == S::Lease) {
    for (const auto& nic : live.devices.interfaces) {
      if (nic.type != "network" || !lookup.leases) continue;
      auto leases = lookup.leases(nic.sourceNetwork, nic.mac);
      if (!leases) return std::move(leases).error();
      if (leases->empty()) continue;
      daemon::InterfaceAddresses ia{nic.targetDev, nic.mac, {}};
      for (const auto& l : *leases) ia.addrs.push_back({l.type, l.ipaddr, l.prefix});
      out.push_back(std::move(ia));
    }
    return out;
  }
  auto text = readHostFile("/proc/net/arp");
  if (!text) return std::move(text).error();
  auto table = parseProcNetArp(*text);
  for (const auto& nic : live.devices.interfaces) {
    daemon::InterfaceAddresses ia{nic.targetDev, nic.mac, {}};
    for (const auto& e : table)
      if (e.mac == nic.mac) ia.addrs.push_back({"ipv4", e.ip, 0});
    if (!ia.addrs.empty()) out.push_back(std::move(ia));
  }
  return out;
}

}  // namespace stratus::drivers::qemu
