// The statistics commands against the in-process test node and against a
// fake QEMU-like node: what the golden data from libvirt's test driver
// cannot show (typed block counters, several addresses, blocked vCPUs,
// --json, read-only connections, percentages).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "api_fake_stats_node.h"
#include "cli/ctl.h"
#include "cli/readonly_node.h"
#include "daemon/test_node.h"

using namespace stratus;
using namespace stratus::cli;

namespace {

struct Captured {
  bool ok;
  std::string out, err;
};

// Runs `line` on a connection to `node`; `after` may look at the node before
// the connection (which owns it) closes.
Captured run(std::unique_ptr<daemon::NodeService> node, std::string_view line, bool readonly = false,
             const std::function<void()>& after = {}) {
  char* outBuf = nullptr;
  char* errBuf = nullptr;
  std::size_t outLen = 0, errLen = 0;
  FILE* out = open_memstream(&outBuf, &outLen);
  FILE* err = open_memstream(&errBuf, &errLen);
  Captured c;
  {
    Ctl ctl("fake:///node", out, err);
    if (readonly) node = makeReadonly(std::move(node));
    ctl.setConnection(std::move(node), "fake:///node");
    c.ok = ctl.runLine(line);
    if (after) after();
  }
  std::fclose(out);
  std::fclose(err);
  c.out.assign(outBuf, outLen);
  c.err.assign(errBuf, errLen);
  std::free(outBuf);
  std::free(errBuf);
  return c;
}

Captured fake(std::string_view line, bool readonly = false) {
  return run(std::make_unique<apitest::StatsNode>(), line, readonly);
}

Captured testNode(std::string_view line) {
  auto n = daemon::openTestNode("test:///default");
  EXPECT_TRUE(n) << n.error().message;
  return run(std::move(n).value(), line);
}

nlohmann::json jsonOf(const Captured& c) {
  auto j = nlohmann::json::parse(c.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << c.out;
  return j;
}

}  // namespace

TEST(CliStats, TypedBlockCountersInVirshsOrder) {
  auto c = fake("domblkstat vm0 vda");
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_EQ(c.out, "vda rd_req 10\nvda rd_bytes 4096\nvda flush_total_times 77\n\n");
  c = fake("domblkstat vm0 vda --human");
  EXPECT_EQ(c.out,
            "Device: vda\n"
            " number of read operations:      10\n"
            " number of bytes read:           4096\n"
            " total duration of flushes (ns): 77\n\n");
  c = fake("domblkstat vm0");  // all disks: no device name
  EXPECT_EQ(c.out, " rd_req 10\n rd_bytes 4096\n flush_total_times 77\n\n");
  c = fake("domblkstat vm0 vdz");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.err, "error: Failed to get block stats vm0 vdz\nerror: invalid argument: invalid path: vdz\n");
  auto j = jsonOf(fake("domblkstat vm0 vda --json"));
  EXPECT_EQ(j, (nlohmann::json{{"device", "vda"}, {"rd_req", 10}, {"rd_bytes", 4096}, {"flush_total_times", 77}}));
}

TEST(CliStats, AddressesOfSeveralKinds) {
  auto c = fake("domifaddr vm0 --source arp");
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_EQ(c.out,
            " Name       MAC address          Protocol     Address\n"
            "-------------------------------------------------------------------------------\n"
            " vnet0      52:54:00:00:00:01    ipv4         10.0.0.5/24\n"
            " -          -                    ipv6         fd00::5/64\n"
            " vnet1      52:54:00:00:00:02    N/A          N/A\n\n");
  c = fake("domifaddr vm0 --full --interface vnet0");
  EXPECT_NE(c.out.find(" vnet0      52:54:00:00:00:01    ipv6         fd00::5/64\n"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("vnet1"), std::string::npos);
  c = fake("domifaddr vm0 --source agent");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.err,
            "error: Failed to query for interfaces addresses\n"
            "error: Operation not supported: the QEMU guest agent is not supported yet\n");
  auto j = jsonOf(fake("domifaddr vm0 --json"));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["addresses"][1], (nlohmann::json{{"type", "ipv6"}, {"address", "fd00::5"}, {"prefix", 64}}));
}

TEST(CliStats, VcpuinfoOfAQemuLikeGuest) {
  auto c = fake("vcpuinfo vm0");
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_EQ(c.out,
            "VCPU:           0\nCPU:            1\nState:          running\nCPU time:       0.1s\n"
            "CPU Affinity:   yy------\n\n"
            "VCPU:           1\nCPU:            0\nState:          blocked\nCPU time:       0.0s\n"
            "CPU Affinity:   -y------\n\n");
  c = fake("vcpuinfo vm0 --pretty");
  EXPECT_NE(c.out.find("CPU Affinity:   0-1 (out of 8)\n"), std::string::npos);
  auto j = jsonOf(fake("vcpuinfo vm0 --json"));
  EXPECT_EQ(j[1]["state"], "blocked");
  EXPECT_EQ(j[0]["cpuTimeNs"], 123456789);
  j = jsonOf(fake("vcpupin vm0 --json"));
  EXPECT_EQ(j, nlohmann::json::parse(R"([{"vcpu":0,"cpuAffinity":"0-7"},{"vcpu":1,"cpuAffinity":"3"}])"));
  EXPECT_EQ(jsonOf(fake("emulatorpin vm0 --json")), (nlohmann::json{{"cpuAffinity", "0-1"}}));
}

TEST(CliStats, PinningChecksTheListLikeVirsh) {
  auto n = std::make_unique<apitest::StatsNode>();
  auto* raw = n.get();
  std::string last;
  auto c = run(std::move(n), "vcpupin vm0 1 r --config", false, [&] { last = raw->lastCall(); });
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_EQ(last, "pinVcpu 00000000-0000-4000-8000-000000000000 1 0-7 live=false config=true");  // r: every host CPU
  c = fake("vcpupin vm0 1 0-8");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.err, "error: CPU 8 in cpulist '0-8' exceed the maxcpu 8\n");
  c = fake("emulatorpin vm0 ,");
  EXPECT_EQ(c.err, "error: Invalid cpulist ','\nerror: invalid argument: Failed to parse bitmap ','\n");
  c = fake("vcpupin vm0 --vcpu 2");
  EXPECT_EQ(c.err, "error: vcpu 2 is out of range of live cpu count 2\n");
  c = fake("vcpupin vm1 --vcpu 2");  // vm1 is shut off
  EXPECT_EQ(c.err, "error: vcpu 2 is out of range of persistent cpu count 2\n");
}

TEST(CliStats, ReadOnlyConnectionsQueryButDoNotChange) {
  EXPECT_TRUE(fake("dommemstat vm0", true).ok);
  EXPECT_TRUE(fake("vcpupin vm0", true).ok);
  EXPECT_TRUE(fake("domstats vm0", true).ok);
  auto c = fake("vcpupin vm0 0 1", true);
  EXPECT_EQ(c.err, "error: operation forbidden: read only access prevents virDomainPinVcpuFlags\n");
  c = fake("emulatorpin vm0 1", true);
  EXPECT_EQ(c.err, "error: operation forbidden: read only access prevents virDomainPinEmulator\n");
  c = fake("memtune vm0 --hard-limit 5", true);
  EXPECT_EQ(c.err,
            "error: Unable to change memory parameters\n"
            "error: operation forbidden: read only access prevents virDomainSetMemoryParameters\n");
  c = fake("dommemstat vm0 --period 5", true);
  EXPECT_EQ(c.err,
            "error: Unable to change balloon collection period.\n"
            "error: operation forbidden: read only access prevents virDomainSetMemoryStatsPeriod\n");
}

TEST(CliStats, DomstatsTypesAndJson) {
  auto c = fake("domstats vm0");
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_EQ(c.out,
            "Domain: 'vm0'\n  state.state=1\n  cpu.time=18446744073709551615\n  net.0.name=vnet0\n"
            "  x.ratio=0.500000\n  x.flag=yes\n  x.neg=-3\n\n");
  auto j = jsonOf(fake("domstats --json vm0"));
  EXPECT_EQ(j[0]["stats"]["x.flag"], true);
  EXPECT_EQ(j[0]["stats"]["net.0.name"], "vnet0");
  c = fake("domstats nosuch");
  EXPECT_EQ(c.err, "error: failed to get domain 'nosuch'\n");
}

TEST(CliStats, HostStatistics) {
  auto c = fake("nodememstats --cell 0");
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.out, "total  :                  100 KiB\nfree   :                   50 KiB\n\n");
  EXPECT_EQ(jsonOf(fake("nodememstats --json")),
            (nlohmann::json{{"total", 100}, {"free", 50}, {"buffers", 7}, {"cached", 9}}));
  c = fake("nodecpustats --cpu 9");
  EXPECT_EQ(c.err, "error: Unable to get number of cpu stats\nerror: invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux\n");
  c = fake("nodecpustats --percent");
  EXPECT_EQ(c.out,
            "usage:           40.0%\nuser:            30.0%\nsystem:          10.0%\nidle:            60.0%\n"
            "iowait:           0.0%\n\n");
  EXPECT_EQ(jsonOf(fake("nodecpumap --json")),
            (nlohmann::json{{"cpusPresent", 8}, {"cpusOnline", 3}, {"onlineCpus", "0,2,4"}}));
}

TEST(CliStats, JsonOfTheTestNode) {
  auto j = jsonOf(testNode("dommemstat test --json"));
  EXPECT_EQ(j["actual"], 2097152);
  EXPECT_EQ(j["rss"], 1048576);
  j = jsonOf(testNode("memtune test --json"));
  EXPECT_TRUE(j["hardLimitKiB"].is_null());
  j = jsonOf(testNode("domblklist test --json"));
  EXPECT_EQ(j, nlohmann::json::parse(R"([{"type":"file","device":"disk","target":"vda","source":"/guest/diskimage1"}])"));
  j = jsonOf(testNode("domiflist test --json"));
  EXPECT_EQ(j[0]["interface"], "testnet0");
  EXPECT_EQ(j[0]["model"], "");
  j = jsonOf(testNode("domblkinfo test --all --json"));
  EXPECT_EQ(j[0]["capacity"], 1099506450432ULL);
  j = jsonOf(testNode("domifstat test testnet0 --json"));
  EXPECT_GT(j["rx_bytes"].get<std::int64_t>(), 0);
  j = jsonOf(testNode("nodecpustats --json"));
  EXPECT_EQ(j["system"], 34678723400000ULL);
  j = jsonOf(testNode("vcpuinfo test --json"));
  EXPECT_EQ(j[0]["cpu"], 15);
  EXPECT_EQ(j[0]["affinity"], "0-15");
}
