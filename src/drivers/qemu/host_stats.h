// What the host's /proc and /sys say about CPUs, memory, processes and
// network devices. The parsers take the file's text (unit-tested with
// fixtures in tests/data/host); the readers around them open the real files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/disk.h"
#include "daemon/stats_types.h"
#include "util/cpuset.h"
#include "util/error.h"

namespace stratus::drivers::qemu {

// ---- parsers ----

// /proc/stat: the "cpu" line (cpu -1) or "cpuN", in nanoseconds given the
// kernel's clock ticks per second (sysconf(_SC_CLK_TCK)). user = user+nice,
// kernel = system+irq+softirq, as libvirt. InvalidArgument when there is no
// such CPU.
Result<daemon::NodeCpuStats> parseProcStat(std::string_view text, int cpu, long ticksPerSecond);

// /proc/meminfo, or a NUMA node's meminfo ("Node 0 MemTotal: ... kB").
Result<daemon::NodeMemoryStats> parseMeminfo(std::string_view text);

// One "Key:  value" field of /proc/PID/status (VmRSS: "1234 kB" -> 1234,
// Cpus_allowed_list: "0-1"); nullopt when absent.
std::optional<std::string> statusField(std::string_view text, std::string_view key);

// /proc/PID/stat or /proc/PID/task/TID/stat.
struct TaskStat {
  char state = '?';
  std::uint64_t utimeTicks = 0, stimeTicks = 0;
  int processor = -1;  // CPU it last ran on
};
std::optional<TaskStat> parseTaskStat(std::string_view text);

// The counters of /sys/class/net/DEV/statistics, host side.
struct NetDevCounters {
  std::int64_t rxBytes = -1, rxPackets = -1, rxErrors = -1, rxDropped = -1;
  std::int64_t txBytes = -1, txPackets = -1, txErrors = -1, txDropped = -1;
};
// Reads the statistics directory (rx_bytes, ... files); a missing file
// leaves its counter at -1. Fails when the directory is missing.
Result<NetDevCounters> readNetDevCounters(const std::string& statisticsDir);
// A tap's counters as the guest sees them: what the host sends on the tap
// the guest receives (libvirt swaps them the same way).
daemon::InterfaceStats guestViewOfTap(const NetDevCounters& c);

// /proc/net/arp: complete entries only.
struct ArpEntry {
  std::string ip, mac, device;
};
std::vector<ArpEntry> parseProcNetArp(std::string_view text);

// The virtual size in a qcow2 image's header (its first 32 bytes or more);
// nullopt when the bytes are no qcow2 header.
std::optional<std::uint64_t> qcow2VirtualSize(std::string_view header);

// `qemu-img info --output=json`: virtual-size (capacity) and actual-size
// (allocation, 0 when absent); nullopt when it is no such document.
std::optional<daemon::BlockInfo> parseQemuImgInfo(std::string_view text);

// ---- the running host ----

// Whole file; SystemError naming it when it cannot be read.
Result<std::string> readHostFile(const std::string& path);
// CPUs present and online under `sysCpuDir` (/sys/devices/system/cpu).
Result<daemon::NodeCpuMap> hostCpuMap(const std::string& sysCpuDir = "/sys/devices/system/cpu");
Result<daemon::NodeCpuStats> hostCpuStats(int cpu);
Result<daemon::NodeMemoryStats> hostMemoryStats(int cell);

// domblkinfo of an image file or block device: capacity (a qcow2 image's
// virtual size from its header, another format's from qemu-img info, else
// the size), allocation (bytes allocated on the host), physical (the file's
// or device's size). SystemError naming the path.
Result<daemon::BlockInfo> imageBlockInfo(const std::string& path, const std::string& format);

// imageBlockInfo of a disk's source; zeros when it has no medium.
Result<daemon::BlockInfo> diskImageInfo(const conf::DiskDef& disk);

// Thread ids of a process (/proc/PID/task).
std::vector<int> processThreads(int pid);
// sched_setaffinity on one thread; SystemError naming it.
Status setThreadAffinity(int tid, const CpuSet& cpus);
Result<CpuSet> threadAffinity(int tid);

}  // namespace stratus::drivers::qemu
