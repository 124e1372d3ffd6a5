// The statistics and tuning verbs over the API: server routes and NodeClient
// against a fake node, every value and option round-trips; docs/api.md
// documents every field of their types.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "api/client.h"
#include "api/json_stats.h"
#include "api/json_types.h"
#include "api/server.h"
#include "api_docs.h"
#include "api_fake_stats_node.h"

using namespace stratus;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

class ApiStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-apistats-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    api::ServerOptions o;
    o.socketPath = dir_ + "/stratusd.sock";
    auto s = api::Server::start(node_, o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(s).value();
    auto c = api::connectToDaemon(o.socketPath, "");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    client_ = std::move(c).value();
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  daemon::ModifyScope scope(bool live, bool config) {
    daemon::ModifyScope s;
    s.live = live;
    s.config = config;
    return s;
  }

  apitest::StatsNode node_;
  std::string dir_;
  std::unique_ptr<api::Server> server_;
  std::unique_ptr<daemon::NodeService> client_;
};

}  // namespace

TEST_F(ApiStatsTest, HostStatistics) {
  auto m = client_->nodeCpuMap();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->cpus, 8u);
  EXPECT_EQ(m->online, 3u);
  EXPECT_EQ(m->onlineCpus, "0,2,4");
  auto c = client_->nodeCpuStats(-1);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, 1u);
  EXPECT_EQ(c->iowait, 4u);
  EXPECT_EQ(node_.lastCall(), "nodeCpuStats -1");
  auto bad = client_->nodeCpuStats(9);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(bad.error().message, "invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux");
  auto all = client_->nodeMemoryStats(-1);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->buffers, 7u);
  auto cell = client_->nodeMemoryStats(0);
  ASSERT_TRUE(cell);
  EXPECT_EQ(cell->total, 100u);
  EXPECT_FALSE(cell->cached);
}

TEST_F(ApiStatsTest, MemoryStatsAndTuning) {
  auto s = client_->domainMemoryStats("vm0");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[1].tag, "last_update");
  EXPECT_EQ((*s)[1].value, 1700000000u);
  auto e = client_->domainMemoryStats("err-invalid");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::OperationInvalid);
  EXPECT_TRUE(client_->setMemoryStatsPeriod("vm0", 5, scope(true, true)));
  EXPECT_EQ(node_.lastCall(), "setMemoryStatsPeriod vm0 5 live=true config=true");
  EXPECT_TRUE(client_->setMemoryStatsPeriod("vm0", 0, scope(false, false)));
  EXPECT_EQ(node_.lastCall(), "setMemoryStatsPeriod vm0 0 live=false config=false");
  auto t = client_->memoryTune("vm0", scope(false, true));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hardLimitKiB, 1048576u);
  EXPECT_FALSE(t->softLimitKiB);
  EXPECT_EQ(node_.lastCall(), "memoryTune vm0 live=false config=true");
  daemon::MemoryTuneUpdate u;
  u.hardLimitKiB = 42;
  u.swapHardLimitKiB = daemon::kMemoryUnlimited;
  EXPECT_TRUE(client_->setMemoryTune("vm0", u, scope(true, false)));
  EXPECT_EQ(node_.lastCall(), "setMemoryTune vm0 hard=42 soft=false swap=9007199254740991 min=false live=true config=false");
  auto missing = client_->setMemoryTune("nosuch", u, scope(false, false));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NoDomain);
}

TEST_F(ApiStatsTest, VcpusAndPinning) {
  auto v = client_->vcpuInfo("vm0");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].cpuTimeNs, 123456789u);
  EXPECT_EQ((*v)[0].affinity, "0-1");
  EXPECT_EQ((*v)[1].state, 2);
  auto p = client_->vcpuPinInfo("vm0", scope(true, false));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cpusets, (std::vector<std::string>{"0-7", "3"}));
  EXPECT_TRUE(client_->pinVcpu("vm0", 1, "0-3,^2", scope(false, true)));
  EXPECT_EQ(node_.lastCall(), "pinVcpu vm0 1 0-3,^2 live=false config=true");
  auto ep = client_->emulatorPinInfo("vm0", scope(false, false));
  ASSERT_TRUE(ep);
  EXPECT_EQ(*ep, "0-1");
  EXPECT_TRUE(client_->pinEmulator("vm0", "1", scope(true, false)));
  EXPECT_EQ(node_.lastCall(), "pinEmulator vm0 1 live=true config=false");
  auto busy = client_->pinEmulator("err-busy", "1", scope(true, false));
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::Busy);
}

TEST_F(ApiStatsTest, Devices) {
  auto b = client_->blockStats("vm0", "/var/lib/a b&c.qcow2");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(node_.lastCall(), "blockStats vm0 [/var/lib/a b&c.qcow2]");
  EXPECT_EQ(b->rdReq, 10);
  EXPECT_EQ(b->flushTotalTimesNs, 77);
  EXPECT_FALSE(b->errs);
  EXPECT_TRUE(client_->blockStats("vm0", ""));
  EXPECT_EQ(node_.lastCall(), "blockStats vm0 []");
  auto bad = client_->blockStats("vm0", "vdz");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid argument: invalid path: vdz");
  auto i = client_->blockInfo("vm0", "vda");
  ASSERT_TRUE(i);
  EXPECT_EQ(i->capacity, 1ULL << 40);
  auto n = client_->interfaceStats("vm0", "52:54:00:00:00:01");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->rxBytes, 1);
  EXPECT_EQ(n->rxPackets, -1);
  EXPECT_EQ(n->txDrop, 8);
  auto a = client_->interfaceAddresses("vm0", daemon::AddressSource::Arp);
  ASSERT_TRUE(a);
  EXPECT_EQ(node_.lastCall(), "interfaceAddresses vm0 arp");
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].addrs.at(0).addr, "10.0.0.5");
  EXPECT_TRUE((*a)[1].addrs.empty());
  EXPECT_EQ((*a)[0].addrs.at(0).prefix, 24u);
  auto agent = client_->interfaceAddresses("vm0", daemon::AddressSource::Agent);
  ASSERT_FALSE(agent);
  EXPECT_EQ(agent.error().code, ErrorCode::Unsupported);
}

TEST_F(ApiStatsTest, DomainStatsKeepTypes) {
  daemon::DomainStatsQuery q;
  q.groups = daemon::kStatsState | daemon::kStatsBlock | daemon::kStatsVm;
  q.active = true;
  q.other = true;
  q.enforce = true;
  auto r = client_->domainStats({"vm0", "a b"}, q);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(node_.lastCall(), "domainStats [vm0,a b] groups=0x421 active=true other=true enforce=true");
  ASSERT_EQ(r->size(), 1u);
  const auto& p = (*r)[0].params;
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(std::get<std::uint64_t>(p[0].value), 1u);  // a positive int comes back unsigned
  EXPECT_EQ(std::get<std::uint64_t>(p[1].value), 18446744073709551615ULL);
  EXPECT_EQ(std::get<std::string>(p[2].value), "vnet0");
  EXPECT_EQ(std::get<double>(p[3].value), 0.5);
  EXPECT_EQ(std::get<bool>(p[4].value), true);
  EXPECT_EQ(std::get<std::int64_t>(p[5].value), -3);
}

TEST(ApiStatsJson, UnknownGroupIsAnError) {
  auto q = api::fromJson<daemon::DomainStatsQuery>(json{{"groups", {"state", "frob"}}}, "body");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(q.error().message.find("frob"), std::string::npos);
  for (unsigned bit = 1; bit <= daemon::kStatsVm; bit <<= 1) {
    auto g = static_cast<daemon::StatsGroup>(bit);
    EXPECT_EQ(api::statsGroupFromName(api::statsGroupName(g)), g);
  }
}

TEST(ApiStatsDocs, TypeFieldsMatchEncoders) {
  auto docs = apitest::loadApiDocs();
  auto expectFields = [&](const std::string& type, const json& j) {
    ASSERT_TRUE(docs.types.count(type)) << type << " not documented";
    EXPECT_EQ(apitest::keysOf(j), docs.types[type]) << "fields of " << type;
  };
  expectFields("NodeCpuMap", json(daemon::NodeCpuMap{}));
  expectFields("NodeCpuStats", json(daemon::NodeCpuStats{}));
  expectFields("NodeMemoryStats", json(daemon::NodeMemoryStats{}));
  expectFields("MemoryStatList", json{{"stats", json::array()}});
  expectFields("MemoryStat", json(daemon::MemoryStat{}));
  expectFields("MemoryTune", json(daemon::MemoryTune{}));
  expectFields("VcpuInfoList", json{{"vcpus", json::array()}});
  expectFields("VcpuInfo", json(daemon::VcpuInfo{}));
  expectFields("VcpuPinInfo", json(daemon::VcpuPinInfo{}));
  expectFields("EmulatorPin", json{{"cpuset", ""}});
  expectFields("BlockStats", json(daemon::BlockStats{}));
  expectFields("BlockInfo", json(daemon::BlockInfo{}));
  expectFields("InterfaceStats", json(daemon::InterfaceStats{}));
  expectFields("InterfaceAddressList", json{{"interfaces", json::array()}});
  expectFields("InterfaceAddresses", json(daemon::InterfaceAddresses{}));
  expectFields("IpAddress", json(daemon::IpAddress{}));
  expectFields("DomainStatsList", json{{"domains", json::array()}});
  expectFields("DomainStatsRecord", json(daemon::DomainStatsRecord{}));
  expectFields("TypedParam", json(daemon::TypedParam{"x", std::uint64_t{1}}));
  expectFields("MemoryStatsPeriodBody", json{{"period", 1}, {"live", false}, {"config", false}});
  json mt = daemon::MemoryTuneUpdate{};
  mt.update(json(daemon::ModifyScope{}));
  expectFields("MemoryTuneBody", mt);
  expectFields("VcpuPinBody", json{{"vcpu", 0}, {"cpuset", ""}, {"live", false}, {"config", false}});
  expectFields("EmulatorPinBody", json{{"cpuset", ""}, {"live", false}, {"config", false}});
  json ds = daemon::DomainStatsQuery{};
  ds["domains"] = json::array();
  expectFields("DomainStatsBody", ds);
}
