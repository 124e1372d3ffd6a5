// Wire-level types of the statistics, tuning and device-query verbs
// (dommemstat, memtune, vcpuinfo, vcpupin, emulatorpin, domblk*, domif*,
// domstats, nodecpustats, nodememstats, nodecpumap). JSON forms live in
// api/json_stats.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace stratus::daemon {

// ---- memory ----

// One balloon statistic, named as virsh dommemstat prints it: actual,
// swap_in, swap_out, major_fault, minor_fault, unused, available, usable,
// last_update, disk_caches, hugetlb_pgalloc, hugetlb_pgfail, rss. Sizes in
// KiB, faults and pages as counts, last_update in seconds since the epoch.
struct MemoryStat {
  std::string tag;
  std::uint64_t value = 0;
};

// virsh memtune; nullopt is "unlimited".
struct MemoryTune {
  std::optional<std::uint64_t> hardLimitKiB, softLimitKiB, swapHardLimitKiB;
};

// A change of memtune: only the limits given change. A limit of
// kMemoryUnlimited removes it.
struct MemoryTuneUpdate {
  std::optional<std::uint64_t> hardLimitKiB, softLimitKiB, swapHardLimitKiB, minGuaranteeKiB;
};
// libvirt's VIR_DOMAIN_MEMORY_PARAM_UNLIMITED.
inline constexpr std::uint64_t kMemoryUnlimited = 9007199254740991ULL;

// ---- CPUs ----

// The host's CPUs as virsh nodecpumap shows them.
struct NodeCpuMap {
  unsigned cpus = 0;    // CPUs present (the length of every CPU map)
  unsigned online = 0;
  std::string onlineCpus;  // cpuset syntax, "0-1"
};

// nodecpustats: nanoseconds.
struct NodeCpuStats {
  std::uint64_t user = 0;    // user + nice
  std::uint64_t kernel = 0;  // system + irq + softirq
  std::uint64_t idle = 0;
  std::uint64_t iowait = 0;
};

// nodememstats: KiB. Buffers and cached only for the whole host (cell -1).
struct NodeMemoryStats {
  std::uint64_t total = 0, free = 0;
  std::optional<std::uint64_t> buffers, cached;
};

// One vCPU of a running guest (virsh vcpuinfo).
struct VcpuInfo {
  unsigned number = 0;
  int state = 1;               // libvirt's virVcpuState: 0 offline, 1 running, 2 blocked
  std::uint64_t cpuTimeNs = 0;
  int cpu = -1;                // host CPU it last ran on
  std::string affinity;        // cpuset syntax: the host CPUs it may run on
};

// vcpupin / emulatorpin as the definition says (cpuset syntax, all host CPUs
// when unpinned).
struct VcpuPinInfo {
  std::vector<std::string> cpusets;  // index: vCPU number (the maximum count)
};

// ---- devices ----

// domblkstat. Absent: the hypervisor does not report it (virsh skips it).
// Names of the typed fields: rd_operations, rd_bytes, wr_operations,
// wr_bytes, errs, flush_operations, rd_total_times, wr_total_times,
// flush_total_times.
struct BlockStats {
  std::optional<std::int64_t> rdReq, rdBytes, wrReq, wrBytes, errs;
  std::optional<std::int64_t> flushReq, rdTotalTimesNs, wrTotalTimesNs, flushTotalTimesNs;
};

// domblkinfo: bytes.
struct BlockInfo {
  std::uint64_t capacity = 0, allocation = 0, physical = 0;
};

// domifstat, from the guest's point of view.
struct InterfaceStats {
  std::int64_t rxBytes = -1, rxPackets = -1, rxErrs = -1, rxDrop = -1;
  std::int64_t txBytes = -1, txPackets = -1, txErrs = -1, txDrop = -1;
};

struct IpAddress {
  std::string type;  // ipv4 | ipv6
  std::string addr;
  unsigned prefix = 0;
};

// domifaddr: one guest interface and its addresses.
struct InterfaceAddresses {
  std::string name;    // host side device (vnet0), as virsh shows it
  std::string hwaddr;  // MAC
  std::vector<IpAddress> addrs;
};

// Where domifaddr learns addresses (virsh --source).
enum class AddressSource { Lease, Agent, Arp };

// ---- domstats ----

// libvirt's virDomainStatsTypes bits (virsh domstats --state, --cpu-total, ...).
enum StatsGroup : unsigned {
  kStatsState = 0x1,
  kStatsCpuTotal = 0x2,
  kStatsBalloon = 0x4,
  kStatsVcpu = 0x8,
  kStatsInterface = 0x10,
  kStatsBlock = 0x20,
  kStatsPerf = 0x40,
  kStatsIothread = 0x80,
  kStatsMemory = 0x100,
  kStatsDirtyrate = 0x200,
  kStatsVm = 0x400,
};

struct DomainStatsQuery {
  unsigned groups = 0;  // 0: every group the driver has
  // --list-* filters (all false: every domain)
  bool active = false, inactive = false, persistent = false, transient = false;
  bool running = false, paused = false, shutoff = false, other = false;
  bool enforce = false;  // fail when a requested group is not supported
  bool backing = false, nowait = false;  // accepted
};

// One typed statistic: unsigned/signed integers, a double, a boolean or a
// string, printed by virsh as "  name=value".
struct TypedParam {
  std::string field;
  std::variant<std::uint64_t, std::int64_t, double, bool, std::string> value;
};

struct DomainStatsRecord {
  std::string name;
  std::string uuid;
  std::vector<TypedParam> params;
};

}  // namespace stratus::daemon
