// The API tests' FakeNode with canned statistics and tuning answers (a
// QEMU-like guest: typed block counters, several addresses, blocked vCPUs),
// for the API round-trip and CLI tests of the statistics commands.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/json_stats.h"
#include "api_fake_node.h"

namespace stratus::apitest {

inline std::string scopeStr(const daemon::ModifyScope& s) { return fmt::format("live={} config={}", s.live, s.config); }

// FakeNode plus canned statistics of a QEMU-like guest; keys starting with
// "err-" fail in telling ways.
class StatsNode final : public FakeNode {
 public:
  std::uint64_t cpuCalls = 0;
  Result<daemon::NodeCpuMap> nodeCpuMap() override {
    rec("nodeCpuMap");
    return daemon::NodeCpuMap{8, 3, "0,2,4"};
  }
  Result<daemon::NodeCpuStats> nodeCpuStats(int cpu) override {
    rec(fmt::format("nodeCpuStats {}", cpu));
    if (cpu > 7) return Error(ErrorCode::InvalidArgument, "invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux");
    // Each call 100 ticks later: 30 user, 10 kernel, 60 idle.
    std::uint64_t k = cpuCalls++;
    return daemon::NodeCpuStats{1 + 30 * k, 2 + 10 * k, 3 + 60 * k, 4};
  }
  Result<daemon::NodeMemoryStats> nodeMemoryStats(int cell) override {
    rec(fmt::format("nodeMemoryStats {}", cell));
    daemon::NodeMemoryStats m;
    m.total = 100;
    m.free = 50;
    if (cell < 0) m.buffers = 7, m.cached = 9;
    return m;
  }
  Result<std::vector<daemon::MemoryStat>> domainMemoryStats(const std::string& key) override {
    rec("domainMemoryStats " + key);
    if (key == "err-invalid") return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
    return std::vector<daemon::MemoryStat>{{"actual", 1024}, {"last_update", 1700000000}, {"rss", 5}};
  }
  Status setMemoryStatsPeriod(const std::string& key, int s, const daemon::ModifyScope& sc) override {
    return simple(fmt::format("setMemoryStatsPeriod {} {} {}", key, s, scopeStr(sc)), key);
  }
  Result<daemon::MemoryTune> memoryTune(const std::string& key, const daemon::ModifyScope& sc) override {
    rec(fmt::format("memoryTune {} {}", key, scopeStr(sc)));
    daemon::MemoryTune t;
    t.hardLimitKiB = 1048576;
    return t;
  }
  Status setMemoryTune(const std::string& key, const daemon::MemoryTuneUpdate& u, const daemon::ModifyScope& sc) override {
    return simple(fmt::format("setMemoryTune {} hard={} soft={} swap={} min={} {}", key, u.hardLimitKiB.value_or(0),
                              u.softLimitKiB.has_value(), u.swapHardLimitKiB.value_or(0), u.minGuaranteeKiB.has_value(),
                              scopeStr(sc)),
                  key);
  }
  Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const std::string& key) override {
    rec("vcpuInfo " + key);
    return std::vector<daemon::VcpuInfo>{{0, 1, 123456789, 1, "0-1"}, {1, 2, 5, 0, "1"}};
  }
  Result<daemon::VcpuPinInfo> vcpuPinInfo(const std::string& key, const daemon::ModifyScope& sc) override {
    rec(fmt::format("vcpuPinInfo {} {}", key, scopeStr(sc)));
    return daemon::VcpuPinInfo{{"0-7", "3"}};
  }
  Status pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset, const daemon::ModifyScope& sc) override {
    return simple(fmt::format("pinVcpu {} {} {} {}", key, vcpu, cpuset, scopeStr(sc)), key);
  }
  Result<std::string> emulatorPinInfo(const std::string& key, const daemon::ModifyScope& sc) override {
    rec(fmt::format("emulatorPinInfo {} {}", key, scopeStr(sc)));
    return std::string("0-1");
  }
  Status pinEmulator(const std::string& key, const std::string& cpuset, const daemon::ModifyScope& sc) override {
    return simple(fmt::format("pinEmulator {} {} {}", key, cpuset, scopeStr(sc)), key);
  }
  Result<daemon::BlockStats> blockStats(const std::string& key, const std::string& device) override {
    rec(fmt::format("blockStats {} [{}]", key, device));
    if (device == "vdz") return Error(ErrorCode::InvalidArgument, "invalid argument: invalid path: vdz");
    daemon::BlockStats s;
    s.rdReq = 10;
    s.rdBytes = 4096;
    s.flushTotalTimesNs = 77;
    return s;
  }
  Result<daemon::BlockInfo> blockInfo(const std::string& key, const std::string& device) override {
    rec(fmt::format("blockInfo {} [{}]", key, device));
    return daemon::BlockInfo{1ULL << 40, 200704, 1ULL << 30};
  }
  Result<daemon::InterfaceStats> interfaceStats(const std::string& key, const std::string& device) override {
    rec(fmt::format("interfaceStats {} [{}]", key, device));
    daemon::InterfaceStats s;
    s.rxBytes = 1;
    s.txDrop = 8;
    return s;
  }
  Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const std::string& key,
                                                                     daemon::AddressSource src) override {
    rec(fmt::format("interfaceAddresses {} {}", key, api::addressSourceName(src)));
    if (src == daemon::AddressSource::Agent)
      return Error(ErrorCode::Unsupported, "Operation not supported: the QEMU guest agent is not supported yet");
    return std::vector<daemon::InterfaceAddresses>{
        {"vnet0", "52:54:00:00:00:01", {{"ipv4", "10.0.0.5", 24}, {"ipv6", "fd00::5", 64}}},
        {"vnet1", "52:54:00:00:00:02", {}}};
  }
  Result<std::vector<daemon::DomainStatsRecord>> domainStats(const std::vector<std::string>& keys,
                                                             const daemon::DomainStatsQuery& q) override {
    rec(fmt::format("domainStats [{}] groups={:#x} active={} other={} enforce={}", fmt::join(keys, ","), q.groups,
                    q.active, q.other, q.enforce));
    daemon::DomainStatsRecord r{"vm0", "00000000-0000-4000-8000-000000000000", {}};
    r.params.push_back({"state.state", std::int64_t{1}});
    r.params.push_back({"cpu.time", std::uint64_t{18446744073709551615ULL}});
    r.params.push_back({"net.0.name", std::string("vnet0")});
    r.params.push_back({"x.ratio", 0.5});
    r.params.push_back({"x.flag", true});
    r.params.push_back({"x.neg", std::int64_t{-3}});
    return std::vector<daemon::DomainStatsRecord>{r};
  }
};

}  // namespace stratus::apitest
