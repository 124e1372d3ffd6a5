// The statistics' QMP commands against the scripted fake QMP server: QOM
// access, the balloon's guest statistics, image sizes in query-block.
#include <gtest/gtest.h>

#include <chrono>

#include "drivers/qemu/qmp_commands.h"
#include "qmp_fake_server.h"

using namespace std::chrono_literals;
using stratus::qemu::Json;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
using stratus::qemu::testing::FakeQmpServer;
namespace qmp = stratus::qemu::qmp;

namespace {

Json ok(Json value = Json::object()) { return {{"return", std::move(value)}}; }

class QmpStats : public ::testing::Test {
 protected:
  void SetUp() override { srv.handshake(); }
  QmpTransport& connect() {
    srv.start();
    QmpOptions o;
    o.connectTimeout = 5s;
    o.commandTimeout = 5s;
    auto r = QmpTransport::connect(srv.socketPath(), o);
    if (!r) throw std::runtime_error(r.error().message);
    conn = std::move(r).value();
    return *conn;
  }
  void TearDown() override {
    if (conn) {
      EXPECT_TRUE(srv.waitDone());
      for (const auto& f : srv.failures()) ADD_FAILURE() << "fake QMP server: " << f;
    }
    conn.reset();
  }

  FakeQmpServer srv;
  std::unique_ptr<QmpTransport> conn;
};

// What QEMU 7.2 answers for a balloon whose guest reported once; statistics
// the guest's driver never sent are 2^64-1.
Json guestStats() {
  return {{"stats",
           {{"stat-swap-in", 0},
            {"stat-swap-out", 0},
            {"stat-major-faults", 12},
            {"stat-minor-faults", 3400},
            {"stat-free-memory", 52428800},
            {"stat-total-memory", 104857600},
            {"stat-available-memory", 73400320},
            {"stat-disk-caches", 1048576},
            {"stat-htlb-pgalloc", 0},
            {"stat-htlb-pgfail", 0},
            {"stat-unknown", 18446744073709551615ULL}}},
          {"last-update", 1700000000}};
}

}  // namespace

TEST_F(QmpStats, QomGetAndSet) {
  srv.expect("qom-set", ok()).expect("qom-get", ok(5));
  auto& m = connect();
  EXPECT_TRUE(qmp::qomSet(m, "/machine/peripheral/balloon0", "guest-stats-polling-interval", 5));
  auto v = qmp::qomGet(m, "/machine/peripheral/balloon0", "guest-stats-polling-interval");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 5);
  auto sent = srv.received();
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent[1]["arguments"]["property"], "guest-stats-polling-interval");
  EXPECT_EQ(sent[1]["arguments"]["value"], 5);
  EXPECT_EQ(sent[2]["arguments"]["path"], "/machine/peripheral/balloon0");
}

TEST_F(QmpStats, BalloonGuestStats) {
  srv.expect("qom-get", ok(guestStats()));
  auto& m = connect();
  auto s = qmp::balloonGuestStats(m, "/machine/peripheral/balloon0");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->lastUpdate, 1700000000u);
  ASSERT_EQ(s->stats.size(), 10u);  // the unset one is left out
  bool sawFree = false;
  for (const auto& [name, v] : s->stats) {
    EXPECT_NE(name, "stat-unknown");
    if (name == "stat-free-memory") {
      sawFree = true;
      EXPECT_EQ(v, 52428800u);
    }
  }
  EXPECT_TRUE(sawFree);
}

TEST(QmpStatsParse, BalloonGuestStatsOfOddReplies) {
  EXPECT_TRUE(qmp::parseBalloonGuestStats(Json()).stats.empty());
  EXPECT_TRUE(qmp::parseBalloonGuestStats(Json::array()).stats.empty());
  EXPECT_TRUE(qmp::parseBalloonGuestStats({{"stats", "no"}}).stats.empty());
  auto s = qmp::parseBalloonGuestStats({{"stats", {{"a", -1}, {"b", "x"}, {"c", 7}}}, {"last-update", -3}});
  ASSERT_EQ(s.stats.size(), 1u);
  EXPECT_EQ(s.stats[0].first, "c");
  EXPECT_EQ(s.lastUpdate, 0u);
}

TEST_F(QmpStats, QueryBlockImageSizes) {
  Json reply = Json::array({{{"device", ""},
                             {"qdev", "/machine/peripheral/virtio-disk0/virtio-backend"},
                             {"locked", false},
                             {"removable", false},
                             {"inserted",
                              {{"node-name", "drive-virtio-disk0-format"},
                               {"file", "/var/tmp/g.qcow2"},
                               {"drv", "qcow2"},
                               {"ro", false},
                               {"image", {{"virtual-size", 1073741824}, {"actual-size", 200704}}}}}},
                            {{"device", ""}, {"qdev", "ide0-1-0"}, {"removable", true}}});
  srv.expect("query-block", ok(reply));
  auto& m = connect();
  auto b = qmp::queryBlock(m);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].virtualSize, 1073741824u);
  EXPECT_EQ((*b)[0].actualSize, 200704u);
  EXPECT_FALSE((*b)[1].inserted);
  EXPECT_EQ((*b)[1].virtualSize, 0u);
}
