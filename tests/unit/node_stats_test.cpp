// daemon::Node's statistics, tuning and device queries: with the simulated
// driver (persistence of <cputune>, <memtune>, <memballoon><stats>; errors in
// libvirt's words), and with a fake driver that has every domstats group (the
// keys and their order).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/node.h"
#include "daemon/test_node.h"
#include "drivers/test/test_driver.h"
#include "temp_root.h"

using namespace stratus;
using namespace stratus::daemon;
namespace fs = std::filesystem;
using stratus::testing::TempRoot;

namespace {

const char* kGuest = R"(<domain type='test'>
  <name>g</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/guest/a.img'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>
    <interface type='bridge'><mac address='52:54:00:0a:0b:01'/><source bridge='br0'/></interface>
    <memballoon model='virtio'/>
  </devices>
</domain>)";

std::unique_ptr<Node> openNode(const std::string& root, std::unique_ptr<drivers::HypervisorDriver> driver = nullptr) {
  NodeConfig cfg;
  cfg.root = root;
  cfg.runAutostart = false;
  cfg.defineDefaultNetwork = false;
  auto n = Node::open(cfg, driver ? std::move(driver) : drivers::makeTestDriver());
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().describe());
  return std::move(n).value();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ModifyScope scope(bool live, bool config) {
  ModifyScope s;
  s.live = live;
  s.config = config;
  return s;
}

}  // namespace

TEST(NodeStats, VcpuPinLiveConfigAndPersistence) {
  TempRoot root;
  const std::string file = root.str() + "/etc/stratus/qemu/g.xml";
  {
    auto n = openNode(root.str());
    ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
    // Inactive: --current is the persistent definition.
    ASSERT_TRUE(n->pinVcpu("g", 1, "0-3,^2", {})) ;
    EXPECT_NE(slurp(file).find("<vcpupin vcpu='1' cpuset='0-1,3'/>"), std::string::npos) << slurp(file);
    auto pins = n->vcpuPinInfo("g", {});
    ASSERT_TRUE(pins);
    EXPECT_EQ(pins->cpusets, (std::vector<std::string>{"0-7", "0-1,3"}));  // the test host has 8 CPUs
    ASSERT_TRUE(n->startDomain("g", {}));
    ASSERT_TRUE(n->pinVcpu("g", 0, "5", scope(true, false)));
    EXPECT_EQ(n->vcpuPinInfo("g", scope(true, false))->cpusets, (std::vector<std::string>{"5", "0-1,3"}));
    EXPECT_EQ(n->vcpuPinInfo("g", scope(false, true))->cpusets, (std::vector<std::string>{"0-7", "0-1,3"}));
    auto live = n->domainXml("g", {});
    ASSERT_TRUE(live);
    EXPECT_NE(live->find("<vcpupin vcpu='0' cpuset='5'/>"), std::string::npos);
    // vcpuinfo follows the pinning (the simulated CPU is the last of the set).
    auto info = n->vcpuInfo("g");
    ASSERT_TRUE(info);
    ASSERT_EQ(info->size(), 2u);
    EXPECT_EQ((*info)[0].cpu, 5);
    EXPECT_EQ((*info)[0].affinity, "5");
    EXPECT_EQ((*info)[1].affinity, "0-1,3");
    ASSERT_TRUE(n->pinEmulator("g", "2-3", scope(true, true)));
    EXPECT_EQ(*n->emulatorPinInfo("g", {}), "2-3");
    EXPECT_NE(slurp(file).find("<emulatorpin cpuset='2-3'/>"), std::string::npos);
  }
  auto n = openNode(root.str());
  EXPECT_EQ(n->vcpuPinInfo("g", {})->cpusets, (std::vector<std::string>{"0-7", "0-1,3"}));
  EXPECT_EQ(*n->emulatorPinInfo("g", {}), "2-3");
}

TEST(NodeStats, PinningErrorsInLibvirtsWords) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
  auto bad = n->pinVcpu("g", 0, "x", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid argument: Failed to parse bitmap 'x'");
  auto high = n->pinVcpu("g", 0, "8", {});
  ASSERT_FALSE(high);
  EXPECT_EQ(high.error().code, ErrorCode::InvalidArgument);
  auto empty = n->pinEmulator("g", "^1", {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::InvalidArgument);
  auto vcpu = n->pinVcpu("g", 2, "1", {});
  ASSERT_FALSE(vcpu);
  EXPECT_EQ(vcpu.error().message, "invalid argument: requested vcpu '2' is not present in the domain");
  auto live = n->pinVcpu("g", 0, "1", scope(true, false));
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().code, ErrorCode::OperationInvalid);
  auto none = n->pinVcpu("nosuch", 0, "1", {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::NoDomain);
  auto info = n->vcpuInfo("g");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message, "Requested operation is not valid: domain is not running");
}

TEST(NodeStats, MemtunePersistsAndValidates) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
  auto t = n->memoryTune("g", {});
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->hardLimitKiB);
  MemoryTuneUpdate u;
  u.hardLimitKiB = 1048576;
  u.softLimitKiB = 524288;
  ASSERT_TRUE(n->setMemoryTune("g", u, {}));
  const std::string file = root.str() + "/etc/stratus/qemu/g.xml";
  EXPECT_NE(slurp(file).find("<hard_limit unit='KiB'>1048576</hard_limit>"), std::string::npos) << slurp(file);
  t = n->memoryTune("g", scope(false, true));
  EXPECT_EQ(t->hardLimitKiB, 1048576u);
  EXPECT_EQ(t->softLimitKiB, 524288u);
  MemoryTuneUpdate swap;
  swap.swapHardLimitKiB = 1000;  // below the hard limit
  auto e = n->setMemoryTune("g", swap, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit");
  MemoryTuneUpdate min;
  min.minGuaranteeKiB = 5;
  EXPECT_EQ(n->setMemoryTune("g", min, {}).error().message,
            "argument unsupported: parameter 'min_guarantee' not supported");
  MemoryTuneUpdate clear;
  clear.hardLimitKiB = kMemoryUnlimited;
  clear.softLimitKiB = kMemoryUnlimited;
  ASSERT_TRUE(n->setMemoryTune("g", clear, {}));
  EXPECT_EQ(slurp(file).find("memtune"), std::string::npos) << "an empty <memtune> is dropped";
  EXPECT_FALSE(n->memoryTune("g", {})->hardLimitKiB);
}

TEST(NodeStats, BalloonPeriodAndStatistics) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
  ASSERT_TRUE(n->setMemoryStatsPeriod("g", 5, {}));
  EXPECT_NE(slurp(root.str() + "/etc/stratus/qemu/g.xml").find("<stats period='5'/>"), std::string::npos);
  EXPECT_EQ(n->setMemoryStatsPeriod("g", -1, {}).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(n->domainMemoryStats("g").error().code, ErrorCode::OperationInvalid);
  ASSERT_TRUE(n->startDomain("g", {}));
  ASSERT_TRUE(n->setMemoryStatsPeriod("g", 2, {}));
  auto s = n->domainMemoryStats("g");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 13u);
  EXPECT_EQ(s->front().tag, "actual");
  EXPECT_EQ(s->front().value, 65536u);
  EXPECT_EQ(s->back().tag, "rss");
}

TEST(NodeStats, DevicesByTargetPathOrMac) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
  auto offline = n->blockInfo("g", "/guest/a.img");
  ASSERT_TRUE(offline) << offline.error().message;
  EXPECT_EQ(offline->capacity, 1099506450432u);
  EXPECT_EQ(n->blockInfo("g", "hdc").error().message,
            "invalid argument: disk 'hdc' does not currently have a source assigned");
  EXPECT_EQ(n->blockInfo("g", "vdq").error().message, "invalid argument: invalid path vdq not assigned to domain");
  EXPECT_EQ(n->blockStats("g", "vda").error().code, ErrorCode::OperationInvalid);
  ASSERT_TRUE(n->startDomain("g", {}));
  EXPECT_TRUE(n->blockStats("g", "vda"));
  EXPECT_TRUE(n->blockStats("g", "/guest/a.img"));
  EXPECT_EQ(n->blockStats("g", "vdq").error().message, "invalid argument: invalid path: vdq");
  EXPECT_EQ(n->blockStats("g", "").error().message, "Operation not supported: summary statistics are not supported yet");
  EXPECT_TRUE(n->interfaceStats("g", "testnet0"));
  EXPECT_TRUE(n->interfaceStats("g", "52:54:00:0a:0b:01"));
  EXPECT_TRUE(n->interfaceStats("g", "52:54:00:0A:0B:01"));  // MACs in any case
  EXPECT_EQ(n->interfaceStats("g", "vnet7").error().message, "invalid argument: 'vnet7' is not a known interface");
  auto a = n->interfaceAddresses("g", AddressSource::Lease);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].name, "testnet0");
  EXPECT_EQ((*a)[0].addrs.at(0).addr, "192.168.0.1");
}

TEST(NodeStats, TestDriverDomstatsHasOnlyState) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(kGuest, "g.xml"));
  DomainStatsQuery q;
  auto all = n->domainStats({}, q);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  ASSERT_EQ((*all)[0].params.size(), 2u);
  EXPECT_EQ((*all)[0].params[0].field, "state.state");
  EXPECT_EQ(std::get<std::int64_t>((*all)[0].params[0].value), 5);
  q.groups = kStatsCpuTotal;
  auto cpu = n->domainStats({"g"}, q);
  ASSERT_TRUE(cpu);
  EXPECT_TRUE((*cpu)[0].params.empty());
  q.enforce = true;
  EXPECT_EQ(n->domainStats({"g"}, q).error().message,
            "argument unsupported: Stats types bits 0x2 are not supported by this daemon");
  DomainStatsQuery active;
  active.active = true;
  EXPECT_TRUE(n->domainStats({}, active)->empty());
  EXPECT_EQ(n->domainStats({"nosuch"}, {}).error().code, ErrorCode::NoDomain);
}

// ---- every domstats group, through a driver that has them all ----

namespace {

class AllStatsInstance final : public drivers::Instance {
 public:
  int id() const override { return 1; }
  Status pause() override { return okStatus(); }
  Status resume() override { return okStatus(); }
  Status shutdown(const ShutdownOptions&) override { return okStatus(); }
  Status destroy(const DestroyOptions&) override { return okStatus(); }
  Status reboot() override { return okStatus(); }
  Status reset() override { return okStatus(); }
  Result<drivers::InstanceStats> stats() override { return drivers::InstanceStats{100, 65536, 2}; }
  Status setMemory(std::uint64_t) override { return okStatus(); }
  Status setVcpus(unsigned) override { return okStatus(); }
  Result<drivers::CpuTimes> cpuTimes() override { return drivers::CpuTimes{100, 60, 40}; }
  Result<std::vector<MemoryStat>> memoryStats() override {
    return std::vector<MemoryStat>{{"actual", 60000}, {"unused", 1000}, {"last_update", 17}, {"rss", 9}};
  }
  Result<std::vector<VcpuInfo>> vcpuInfo(const conf::DomainDef&) override {
    return std::vector<VcpuInfo>{{0, 1, 11, 0, "0"}, {1, 1, 22, 1, "1"}};
  }
  Result<BlockStats> blockStats(const conf::DiskDef*) override {
    BlockStats s;
    s.rdReq = 1, s.rdBytes = 2, s.rdTotalTimesNs = 3, s.wrReq = 4, s.wrBytes = 5, s.wrTotalTimesNs = 6;
    s.flushReq = 7, s.flushTotalTimesNs = 8;
    return s;
  }
  Result<BlockInfo> blockInfo(const conf::DiskDef&) override { return BlockInfo{30, 10, 20}; }
  Result<InterfaceStats> interfaceStats(const conf::InterfaceDef&) override { return InterfaceStats{1, 2, 3, 4, 5, 6, 7, 8}; }
};

class AllStatsDriver final : public drivers::HypervisorDriver {
 public:
  std::string name() const override { return "FAKE"; }
  std::string version() const override { return "1"; }
  Result<NodeInfo> nodeInfo() override { return drivers::defaultTestHost(); }
  Status checkStartable(const conf::DomainDef&) override { return okStatus(); }
  Result<std::unique_ptr<drivers::Instance>> launch(const conf::DomainDef&, const drivers::LaunchOptions&,
                                                    drivers::InstanceEventSink) override {
    return std::unique_ptr<drivers::Instance>(std::make_unique<AllStatsInstance>());
  }
  unsigned statsGroups() const override { return 0x3f; }
};

std::vector<std::string> fields(const DomainStatsRecord& r) {
  std::vector<std::string> out;
  for (const auto& p : r.params) out.push_back(p.field);
  return out;
}

}  // namespace

TEST(NodeStats, DomstatsKeysAsLibvirt) {
  NodeConfig cfg;
  cfg.runAutostart = false;
  auto n = Node::open(cfg, std::make_unique<AllStatsDriver>());
  ASSERT_TRUE(n);
  std::string xml = kGuest;
  xml.replace(xml.find("type='test'"), 11, "type='qemu'");
  ASSERT_TRUE((*n)->defineDomain(xml, "g.xml"));
  // Inactive: state, balloon and vcpu sizes, disks by name and path.
  auto off = (*n)->domainStats({"g"}, {});
  ASSERT_TRUE(off);
  EXPECT_EQ(fields((*off)[0]),
            (std::vector<std::string>{"state.state", "state.reason", "balloon.current", "balloon.maximum", "vcpu.current",
                                      "vcpu.maximum", "block.count", "block.0.name", "block.0.path", "block.1.name"}));
  ASSERT_TRUE((*n)->startDomain("g", {}));
  auto on = (*n)->domainStats({"g"}, {});
  ASSERT_TRUE(on);
  EXPECT_EQ(fields((*on)[0]),
            (std::vector<std::string>{
                "state.state",     "state.reason",     "cpu.time",          "cpu.user",          "cpu.system",
                "balloon.current", "balloon.maximum",  "balloon.unused",    "balloon.last-update", "balloon.rss",
                "vcpu.current",    "vcpu.maximum",     "vcpu.0.state",      "vcpu.0.time",       "vcpu.1.state",
                "vcpu.1.time",     "net.count",        "net.0.name",        "net.0.rx.bytes",    "net.0.rx.pkts",
                "net.0.rx.errs",   "net.0.rx.drop",    "net.0.tx.bytes",    "net.0.tx.pkts",     "net.0.tx.errs",
                "net.0.tx.drop",   "block.count",      "block.0.name",      "block.0.path",      "block.0.rd.reqs",
                "block.0.rd.bytes", "block.0.rd.times", "block.0.wr.reqs",  "block.0.wr.bytes",  "block.0.wr.times",
                "block.0.fl.reqs", "block.0.fl.times", "block.0.allocation", "block.0.capacity", "block.0.physical",
                "block.1.name",    "block.1.rd.reqs",  "block.1.rd.bytes",  "block.1.rd.times",  "block.1.wr.reqs",
                "block.1.wr.bytes", "block.1.wr.times", "block.1.fl.reqs",  "block.1.fl.times"}));
  const auto& p = (*on)[0].params;
  EXPECT_EQ(std::get<std::uint64_t>(p[5].value), 60000u);  // balloon.current: the balloon's actual size
  EXPECT_EQ(std::get<std::uint64_t>(p[6].value), 65536u);  // balloon.maximum: <memory>
  DomainStatsQuery q;
  q.groups = kStatsInterface;
  q.running = true;
  auto nets = (*n)->domainStats({}, q);
  ASSERT_TRUE(nets);
  ASSERT_EQ(nets->size(), 1u);
  EXPECT_EQ(std::get<std::string>((*nets)[0].params[1].value), "");  // the fake has no tap name
  EXPECT_EQ(std::get<std::uint64_t>((*nets)[0].params[2].value), 1u);
}
