// Typed QMP commands and events against the scripted fake QMP server.
#include <gtest/gtest.h>

#include <chrono>

#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_events.h"
#include "qmp_fake_server.h"

using namespace std::chrono_literals;
using stratus::ErrorCode;
using stratus::qemu::Json;
using stratus::qemu::QmpEvent;
using stratus::qemu::QmpEventKind;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
using stratus::qemu::testing::FakeQmpServer;
namespace qmp = stratus::qemu::qmp;

namespace {

Json ok(Json value = Json::object()) { return {{"return", std::move(value)}}; }

class QmpCommands : public ::testing::Test {
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
  Json sent(std::size_t i) { return srv.received().at(i); }

  FakeQmpServer srv;
  std::unique_ptr<QmpTransport> conn;
};

}  // namespace

TEST_F(QmpCommands, RunStateCommands) {
  srv.expect("cont", ok()).expect("stop", ok()).expect("system_powerdown", ok());
  srv.expect("system_reset", ok()).expect("quit", ok());
  auto& m = connect();
  EXPECT_TRUE(qmp::cont(m).ok());
  EXPECT_TRUE(qmp::stop(m).ok());
  EXPECT_TRUE(qmp::systemPowerdown(m).ok());
  EXPECT_TRUE(qmp::systemReset(m).ok());
  EXPECT_TRUE(qmp::quit(m).ok());
}

TEST_F(QmpCommands, QueryStatus) {
  srv.expect("query-status", ok({{"running", false}, {"singlestep", false}, {"status", "prelaunch"}}));
  srv.expect("query-status", ok({{"running", true}, {"status", "running"}}));
  auto& m = connect();
  auto s = qmp::queryStatus(m);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->running);
  EXPECT_EQ(s->status, "prelaunch");
  s = qmp::queryStatus(m);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->running);
}

TEST_F(QmpCommands, BadlyShapedReplyIsAnErrorNotACrash) {
  srv.expect("query-status", ok({{"running", "yes"}, {"status", 7}}));
  srv.expect("query-status", ok(Json::array()));
  srv.expect("query-cpus-fast", ok({{"not", "a list"}}));
  srv.expect("query-cpus-fast", ok(Json::array({{{"cpu-index", "zero"}}})));
  srv.expect("query-balloon", ok());
  auto& m = connect();
  for (int i = 0; i < 2; ++i) {
    auto s = qmp::queryStatus(m);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::OperationFailed);
    EXPECT_NE(s.error().message.find("query-status"), std::string::npos) << s.error().message;
  }
  EXPECT_FALSE(qmp::queryCpusFast(m).ok());
  EXPECT_FALSE(qmp::queryCpusFast(m).ok());
  EXPECT_FALSE(qmp::queryBalloon(m).ok());
}

TEST_F(QmpCommands, QueryCpusFast) {
  srv.expect("query-cpus-fast",
             ok(Json::array({{{"cpu-index", 0},
                              {"thread-id", 4242},
                              {"qom-path", "/machine/unattached/device[0]"},
                              {"target", "x86_64"},
                              {"props", {{"core-id", 0}, {"thread-id", 0}, {"socket-id", 0}}}},
                             {{"cpu-index", 1},
                              {"thread-id", 4243},
                              {"qom-path", "/machine/peripheral/cpu1"},
                              {"target", "x86_64"},
                              {"props", {{"core-id", 1}, {"thread-id", 0}, {"socket-id", 0}}}}})));
  auto& m = connect();
  auto cpus = qmp::queryCpusFast(m);
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  ASSERT_EQ(cpus->size(), 2u);
  EXPECT_EQ((*cpus)[0].threadId, 4242);
  EXPECT_EQ((*cpus)[1].index, 1);
  EXPECT_EQ((*cpus)[1].coreId, 1);
  EXPECT_EQ((*cpus)[1].qomPath, "/machine/peripheral/cpu1");
}

TEST_F(QmpCommands, Balloon) {
  srv.expect("query-balloon", ok({{"actual", 268435456}}));
  srv.expect("balloon", ok());
  auto& m = connect();
  auto b = qmp::queryBalloon(m);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*b, 268435456u);
  EXPECT_TRUE(qmp::balloon(m, 134217728).ok());
  EXPECT_EQ(sent(2)["arguments"]["value"], 134217728);
}

TEST_F(QmpCommands, BalloonMissingDeviceReportsQemuError) {
  srv.expect("query-balloon",
             {{"error", {{"class", "DeviceNotActive"}, {"desc", "No balloon device has been activated"}}}});
  auto& m = connect();
  auto b = qmp::queryBalloon(m);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("DeviceNotActive"), std::string::npos) << b.error().message;
}

TEST_F(QmpCommands, QueryBlockAndBlockstats) {
  srv.expect("query-block",
             ok(Json::array({{{"device", ""},
                              {"qdev", "/machine/peripheral/virtio-disk0/virtio-backend"},
                              {"removable", false},
                              {"locked", false},
                              {"io-status", "ok"},
                              {"inserted",
                               {{"node-name", "libvirt-1-format"},
                                {"file", "/var/lib/disk.qcow2"},
                                {"drv", "qcow2"},
                                {"ro", false}}}},
                             {{"device", "ide1-cd0"}, {"removable", true}, {"locked", false}}})));
  srv.expect("query-blockstats",
             ok(Json::array({{{"device", ""},
                              {"node-name", "libvirt-1-format"},
                              {"qdev", "virtio-disk0"},
                              {"stats",
                               {{"rd_bytes", 4096},
                                {"wr_bytes", 512},
                                {"rd_operations", 2},
                                {"wr_operations", 1},
                                {"flush_operations", 3},
                                {"rd_total_time_ns", 1000},
                                {"wr_highest_offset", 8192}}}}})));
  auto& m = connect();
  auto blocks = qmp::queryBlock(m);
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_TRUE((*blocks)[0].inserted);
  EXPECT_EQ((*blocks)[0].format, "qcow2");
  EXPECT_EQ((*blocks)[0].file, "/var/lib/disk.qcow2");
  EXPECT_EQ((*blocks)[0].nodeName, "libvirt-1-format");
  EXPECT_FALSE((*blocks)[1].inserted);
  EXPECT_TRUE((*blocks)[1].removable);
  auto stats = qmp::queryBlockstats(m);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].qdev, "virtio-disk0");
  EXPECT_EQ((*stats)[0].rdBytes, 4096u);
  EXPECT_EQ((*stats)[0].wrOperations, 1u);
  EXPECT_EQ((*stats)[0].flushOperations, 3u);
  EXPECT_EQ((*stats)[0].wrHighestOffset, 8192u);
}

TEST_F(QmpCommands, HumanMonitorPassthrough) {
  srv.expect("human-monitor-command", ok("VM status: paused (prelaunch)\r\n"));
  auto& m = connect();
  auto out = qmp::humanMonitorCommand(m, "info status");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "VM status: paused (prelaunch)\r\n");
  EXPECT_EQ(sent(1)["arguments"]["command-line"], "info status");
}

TEST_F(QmpCommands, MigrateAndQueryMigrate) {
  srv.expect("migrate", ok()).expect("migrate", ok());
  srv.expect("query-migrate", ok());
  srv.expect("query-migrate", ok({{"status", "active"},
                                  {"total-time", 120},
                                  {"ram", {{"total", 1000}, {"transferred", 400}, {"remaining", 600}}}}));
  srv.expect("query-migrate", ok({{"status", "failed"}, {"error-desc", "disk full"}}));
  auto& m = connect();
  EXPECT_TRUE(qmp::migrateToExec(m, "cat > /tmp/x").ok());
  EXPECT_TRUE(qmp::migrateToFd(m, "migfd").ok());
  EXPECT_EQ(sent(1)["arguments"]["uri"], "exec:cat > /tmp/x");
  EXPECT_EQ(sent(2)["arguments"]["uri"], "fd:migfd");
  auto none = qmp::queryMigrate(m);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, "");
  auto active = qmp::queryMigrate(m);
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->status, "active");
  EXPECT_EQ(active->ramRemaining, 600u);
  EXPECT_EQ(active->totalTimeMs, 120u);
  auto failed = qmp::queryMigrate(m);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->errorDesc, "disk full");
}

// --- events -------------------------------------------------------------------------

static QmpEvent ev(const std::string& name, Json data = Json::object()) {
  QmpEvent e;
  e.name = name;
  e.data = std::move(data);
  return e;
}

TEST(QmpEvents, ParsesTheEventsTheDriverUses) {
  using stratus::qemu::parseQmpEvent;
  auto s = parseQmpEvent(ev("SHUTDOWN", {{"guest", true}, {"reason", "guest-shutdown"}}));
  EXPECT_EQ(s.kind, QmpEventKind::Shutdown);
  EXPECT_TRUE(s.guest);
  EXPECT_EQ(s.reason, "guest-shutdown");

  auto r = parseQmpEvent(ev("RESET", {{"guest", false}, {"reason", "host-qmp-system-reset"}}));
  EXPECT_EQ(r.kind, QmpEventKind::Reset);
  EXPECT_FALSE(r.guest);

  EXPECT_EQ(parseQmpEvent(ev("STOP")).kind, QmpEventKind::Stop);
  EXPECT_EQ(parseQmpEvent(ev("RESUME")).kind, QmpEventKind::Resume);
  EXPECT_EQ(parseQmpEvent(ev("POWERDOWN")).kind, QmpEventKind::Powerdown);

  auto p = parseQmpEvent(ev("GUEST_PANICKED", {{"action", "pause"}}));
  EXPECT_EQ(p.kind, QmpEventKind::GuestPanicked);
  EXPECT_EQ(p.action, "pause");

  auto d = parseQmpEvent(ev("DEVICE_DELETED", {{"device", "net1"}, {"path", "/machine/peripheral/net1"}}));
  EXPECT_EQ(d.kind, QmpEventKind::DeviceDeleted);
  EXPECT_EQ(d.device, "net1");
  EXPECT_EQ(d.path, "/machine/peripheral/net1");

  auto b = parseQmpEvent(ev("BLOCK_IO_ERROR", {{"device", ""},
                                               {"node-name", "disk0-fmt"},
                                               {"operation", "write"},
                                               {"action", "stop"},
                                               {"nospace", true},
                                               {"reason", "No space left on device"}}));
  EXPECT_EQ(b.kind, QmpEventKind::BlockIoError);
  EXPECT_EQ(b.node, "disk0-fmt");
  EXPECT_EQ(b.operation, "write");
  EXPECT_EQ(b.action, "stop");
  EXPECT_TRUE(b.nospace);

  auto mig = parseQmpEvent(ev("MIGRATION", {{"status", "completed"}}));
  EXPECT_EQ(mig.kind, QmpEventKind::Migration);
  EXPECT_EQ(mig.status, "completed");
}

TEST(QmpEvents, UnknownAndMistypedEventsAreHarmless) {
  using stratus::qemu::parseQmpEvent;
  auto o = parseQmpEvent(ev("BALLOON_CHANGE", {{"actual", 1}}));
  EXPECT_EQ(o.kind, QmpEventKind::Other);
  EXPECT_EQ(o.name, "BALLOON_CHANGE");
  EXPECT_EQ(o.data["actual"], 1);
  auto bad = parseQmpEvent(ev("SHUTDOWN", {{"guest", "yes"}, {"reason", 3}}));
  EXPECT_EQ(bad.kind, QmpEventKind::Shutdown);
  EXPECT_FALSE(bad.guest);
  EXPECT_EQ(bad.reason, "");
  auto nodata = parseQmpEvent(ev("MIGRATION", Json()));
  EXPECT_EQ(nodata.status, "");
  EXPECT_STREQ(stratus::qemu::qmpEventKindName(QmpEventKind::GuestPanicked), "GUEST_PANICKED");
}
