// The QMP commands of save/restore (getfd, migrate, migrate-incoming,
// migrate_cancel, max-bandwidth, query-migrate) against the fake server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "drivers/qemu/qmp_commands.h"
#include "qmp_fake_server.h"

using namespace std::chrono_literals;
using stratus::ErrorCode;
using stratus::qemu::Json;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
using stratus::qemu::testing::FakeQmpServer;
namespace qmp = stratus::qemu::qmp;

namespace {

Json ok(Json value = Json::object()) { return {{"return", std::move(value)}}; }

class QmpMigration : public ::testing::Test {
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

TEST_F(QmpMigration, SaveCommandsCarryTheirArguments) {
  srv.expect("migrate-set-parameters", ok()).expect("getfd", ok()).expect("migrate", ok());
  srv.expect("migrate_cancel", ok()).expect("closefd", ok()).expect("migrate-incoming", ok());
  auto& m = connect();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  EXPECT_TRUE(qmp::migrateSetMaxBandwidth(m, 1u << 20).ok());
  EXPECT_TRUE(qmp::getfd(m, "stratus-save", p[1]).ok());
  EXPECT_TRUE(qmp::migrate(m, "fd:stratus-save").ok());
  EXPECT_TRUE(qmp::migrateCancel(m).ok());
  EXPECT_TRUE(qmp::closefd(m, "stratus-save").ok());
  EXPECT_TRUE(qmp::migrateIncoming(m, "fd:stratus-restore").ok());
  ::close(p[0]);
  ::close(p[1]);
  EXPECT_EQ(sent(1)["arguments"]["max-bandwidth"], 1u << 20);
  EXPECT_EQ(sent(2)["arguments"]["fdname"], "stratus-save");
  EXPECT_EQ(sent(3)["arguments"]["uri"], "fd:stratus-save");
  EXPECT_EQ(sent(4)["execute"], "migrate_cancel");
  EXPECT_EQ(sent(5)["arguments"]["fdname"], "stratus-save");
  EXPECT_EQ(sent(6)["arguments"]["uri"], "fd:stratus-restore");
}

TEST_F(QmpMigration, GetfdWithoutADescriptorIsRefused) {
  auto& m = connect();
  auto r = qmp::getfd(m, "x", -1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

TEST_F(QmpMigration, QueryMigrateReadsRamStatistics) {
  srv.expect("query-migrate", ok({{"status", "active"},
                                  {"total-time", 56},
                                  {"ram",
                                   {{"total", 268967936},
                                    {"transferred", 95697469},
                                    {"remaining", 1000},
                                    {"duplicate", 42441},
                                    {"normal", 23225},
                                    {"normal-bytes", 95129600},
                                    {"page-size", 4096},
                                    {"dirty-sync-count", 2},
                                    {"mbps", 13936.16}}}}));
  srv.expect("query-migrate", ok({{"status", "failed"}, {"error-desc", "No space left on device"}}));
  srv.expect("query-migrate", ok({{"status", "active"}, {"ram", {{"total", "lots"}, {"mbps", "fast"}}}}));
  auto& m = connect();
  auto i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok()) << i.error().message;
  EXPECT_EQ(i->status, "active");
  EXPECT_FALSE(qmp::migrationFinished(i->status));
  EXPECT_EQ(i->ramTotal, 268967936u);
  EXPECT_EQ(i->ramRemaining, 1000u);
  EXPECT_EQ(i->ramDuplicate, 42441u);
  EXPECT_EQ(i->ramNormal, 23225u);
  EXPECT_EQ(i->ramNormalBytes, 95129600u);
  EXPECT_EQ(i->ramPageSize, 4096u);
  EXPECT_EQ(i->dirtySyncCount, 2u);
  EXPECT_NEAR(i->ramMbps, 13936.16, 0.01);
  i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(qmp::migrationFinished(i->status));
  EXPECT_EQ(i->errorDesc, "No space left on device");
  // Wrongly typed numbers read as 0, never a crash.
  i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->ramTotal, 0u);
  EXPECT_EQ(i->ramMbps, 0.0);
}

TEST_F(QmpMigration, QueryMigrateReadsLiveMigrationTimesAndBlockers) {
  srv.expect("query-migrate", ok({{"status", "active"},
                                  {"expected-downtime", 120},
                                  {"setup-time", 3},
                                  {"ram", {{"dirty-pages-rate", 800}, {"postcopy-requests", 7}}}}));
  srv.expect("query-migrate", ok({{"status", "completed"}, {"downtime", 25}, {"total-time", 900}}));
  srv.expect("query-migrate", ok({{"blocked-reasons", {"device a is not migratable", 5, "b"}}}));
  auto& m = connect();
  auto i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->expectedDowntimeMs, 120u);
  EXPECT_EQ(i->setupTimeMs, 3u);
  EXPECT_EQ(i->dirtyPagesRate, 800u);
  EXPECT_EQ(i->postcopyRequests, 7u);
  EXPECT_TRUE(i->blockedReasons.empty());
  i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->downtimeMs, 25u);
  EXPECT_EQ(i->totalTimeMs, 900u);
  i = qmp::queryMigrate(m);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->status, "");
  EXPECT_EQ(i->blockedReasons, (std::vector<std::string>{"device a is not migratable", "b"}));
}

TEST_F(QmpMigration, QemuRefusingAMigrationIsAnError) {
  srv.expect("migrate", {{"error", {{"class", "GenericError"}, {"desc", "There's a migration process in progress"}}}});
  auto& m = connect();
  auto r = qmp::migrate(m, "fd:x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(r.error().message.find("migration process in progress"), std::string::npos);
}
