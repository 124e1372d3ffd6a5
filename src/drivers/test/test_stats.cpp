#include "drivers/test/test_stats.h"

#include <arpa/inet.h>

#include <chrono>

namespace stratus::drivers::teststats {

namespace {

// Microseconds since the epoch (libvirt's g_get_real_time()).
std::uint64_t nowUs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// libvirt's test driver's fake clock for the balloon's last update.
constexpr std::uint64_t kLastUpdate = 627319920;

}  // namespace

std::vector<daemon::MemoryStat> memoryStats(std::uint64_t cur) {
  return {{"actual", cur},         {"swap_in", 0},         {"swap_out", 0},
          {"major_fault", 0},      {"minor_fault", 0},     {"unused", cur / 2},
          {"available", cur},      {"usable", cur / 2},    {"last_update", kLastUpdate},
          {"disk_caches", cur / 8}, {"hugetlb_pgalloc", 0}, {"hugetlb_pgfail", 0},
          {"rss", cur / 2}};
}

std::vector<daemon::VcpuInfo> vcpuInfo(const conf::DomainDef& live, unsigned hostCpus) {
  std::vector<daemon::VcpuInfo> out;
  CpuSet all = CpuSet::all(hostCpus);
  if (!live.vcpuCpuset.empty())
    if (auto s = CpuSet::parse(live.vcpuCpuset)) all = *s;
  const std::uint64_t now = nowUs();
  for (unsigned i = 0; i < live.currentVcpus; ++i) {
    CpuSet set = all;
    for (const auto& p : live.cputune.vcpupins)
      if (p.vcpu == i)
        if (auto s = CpuSet::parse(p.cpuset)) set = *s;
    daemon::VcpuInfo v;
    v.number = i;
    v.state = 1;
    v.cpu = set.last() ? static_cast<int>(*set.last()) : 0;
    v.cpuTimeNs = now / 10;
    v.affinity = set.str();
    out.push_back(std::move(v));
  }
  return out;
}

daemon::BlockStats blockStats() {
  const auto us = static_cast<std::int64_t>(nowUs());
  daemon::BlockStats s;
  s.rdReq = us / 10;
  s.rdBytes = us / 20;
  s.wrReq = us / 30;
  s.wrBytes = us / 40;
  s.errs = us / 1000000 / 2;
  return s;
}

daemon::BlockInfo blockInfo() {
  daemon::BlockInfo b;
  b.capacity = 1099506450432ULL;
  b.allocation = 1099511627776ULL;
  b.physical = 1099511627776ULL;
  return b;
}

daemon::InterfaceStats interfaceStats() {
  const auto us = static_cast<std::int64_t>(nowUs());
  const auto sec = us / 1000000;
  daemon::InterfaceStats s;
  s.rxBytes = us / 10;
  s.rxPackets = us / 100;
  s.rxErrs = sec;
  s.rxDrop = sec / 2;
  s.txBytes = us / 20;
  s.txPackets = us / 110;
  s.txErrs = sec / 3;
  s.txDrop = sec / 4;
  return s;
}

std::vector<daemon::InterfaceAddresses> interfaceAddresses(const conf::DomainDef& live, int domainId,
                                                           const AddressLookup& lookup) {
  std::vector<daemon::InterfaceAddresses> out;
  const auto& nics = live.devices.interfaces;
  for (std::size_t i = 0; i < nics.size(); ++i) {
    const auto& nic = nics[i];
    daemon::InterfaceAddresses ia{nic.targetDev, nic.mac, {}};
    if (nic.type == "network") {
      std::optional<conf::NetworkDef> net = lookup.network ? lookup.network(nic.sourceNetwork) : std::nullopt;
      if (net) {
        for (const auto& ip : net->ips) {
          if (ip.isV6() || ip.ranges.empty()) continue;
          in_addr a{};
          if (::inet_pton(AF_INET, ip.ranges.front().start.c_str(), &a) != 1) break;
          std::uint32_t host = ntohl(a.s_addr) + 1 + 20 * static_cast<std::uint32_t>(domainId > 0 ? domainId - 1 : 0) +
                               static_cast<std::uint32_t>(i);
          a.s_addr = htonl(host);
          char buf[INET_ADDRSTRLEN] = {};
          ::inet_ntop(AF_INET, &a, buf, sizeof buf);
          ia.addrs.push_back({"ipv4", buf, ip.prefixLength()});
          break;
        }
      }
    } else {
      ia.addrs.push_back({"ipv4", "192.168.0." + std::to_string(i + 1), 24});
    }
    out.push_back(std::move(ia));
  }
  return out;
}

daemon::NodeCpuMap cpuMap() { return {8, 3, "0,2,4"}; }

daemon::NodeCpuStats cpuStats() {
  daemon::NodeCpuStats s;
  s.user = 9797400000ULL;
  s.kernel = 34678723400000ULL;
  s.idle = 87264900000ULL;
  s.iowait = 763600000ULL;
  return s;
}

}  // namespace stratus::drivers::teststats
