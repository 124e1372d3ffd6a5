// The QMP client against a real qemu-system-x86_64 (TCG, no guest: -S keeps it
// in prelaunch). Every QEMU started here is killed by PID and reaped, and the
// temp dir removed, whatever the test's outcome.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_events.h"
#include "drivers/qemu/qmp_transport.h"
#include "qmp_test_support.h"

using namespace std::chrono_literals;
using stratus::qemu::QmpEvent;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
namespace qmp = stratus::qemu::qmp;

using namespace stratus::qemu::testing;

namespace {

class QmpQemu : public ::testing::Test {
 protected:
  void SetUp() override {
    binary = findInPath("qemu-system-x86_64");
    if (binary.empty()) GTEST_SKIP() << "qemu-system-x86_64 not installed";
    ASSERT_FALSE(qemu.dir().empty()) << "mkdtemp failed";
  }

  // Spawn QEMU and connect; returns the time from spawn to negotiated QMP.
  std::chrono::microseconds start() {
    auto t0 = std::chrono::steady_clock::now();
    if (!qemu.spawnQemu(binary, {"-S", "-machine", "pc,accel=tcg", "-m", "64", "-display", "none",
                                 "-nodefaults", "-no-user-config"})) {
      ADD_FAILURE() << "cannot spawn " << binary;
      return {};
    }
    QmpOptions o;
    o.connectTimeout = 30s;
    o.commandTimeout = 30s;
    o.processAlive = [this] { return qemu.alive(); };
    auto c = QmpTransport::connect(qemu.socketPath(), o, rec.onEvent(), rec.onEof());
    auto t1 = std::chrono::steady_clock::now();
    if (!c) {
      ADD_FAILURE() << c.error().message << "\nQEMU log:\n" << qemu.log();
      return {};
    }
    conn = std::move(c).value();
    return std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0);
  }

  std::string binary;
  QemuProcess qemu;  // destroyed after conn (declared first)
  Recorder rec;
  std::unique_ptr<QmpTransport> conn;
};

}  // namespace

TEST_F(QmpQemu, LifecycleOverQmp) {
  auto ready = start();
  ASSERT_TRUE(conn);
  std::cout << "[ qemu     ] spawn -> QMP negotiated: " << ready.count() / 1000.0 << " ms (QEMU "
            << conn->qemuVersion() << ")" << std::endl;
  RecordProperty("spawn_to_qmp_ready_us", std::to_string(ready.count()));
  QmpTransport& m = *conn;

  auto s = qmp::queryStatus(m);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(s->running);
  EXPECT_EQ(s->status, "prelaunch");

  auto cpus = qmp::queryCpusFast(m);
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  ASSERT_EQ(cpus->size(), 1u);
  EXPECT_GT((*cpus)[0].threadId, 0);

  auto hmp = qmp::humanMonitorCommand(m, "info status");
  ASSERT_TRUE(hmp.ok()) << hmp.error().message;
  EXPECT_NE(hmp->find("paused"), std::string::npos) << *hmp;

  auto blocks = qmp::queryBlock(m);
  ASSERT_TRUE(blocks.ok()) << blocks.error().message;
  auto stats = qmp::queryBlockstats(m);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  auto mig = qmp::queryMigrate(m);
  ASSERT_TRUE(mig.ok()) << mig.error().message;

  // No balloon device with -nodefaults: QEMU's own error comes through.
  auto balloon = qmp::queryBalloon(m);
  ASSERT_FALSE(balloon.ok());
  EXPECT_EQ(balloon.error().code, stratus::ErrorCode::OperationFailed);
  EXPECT_NE(balloon.error().message.find("DeviceNotActive"), std::string::npos)
      << balloon.error().message;

  std::size_t mark = rec.count();
  ASSERT_TRUE(qmp::cont(m).ok());
  EXPECT_TRUE(rec.waitEvent("RESUME", mark, 10s));
  s = qmp::queryStatus(m);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->running);
  EXPECT_EQ(s->status, "running");

  mark = rec.count();
  ASSERT_TRUE(qmp::stop(m).ok());
  EXPECT_TRUE(rec.waitEvent("STOP", mark, 10s));
  s = qmp::queryStatus(m);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->running);
  EXPECT_EQ(s->status, "paused");

  mark = rec.count();
  ASSERT_TRUE(qmp::systemReset(m).ok());
  auto reset = rec.waitEvent("RESET", mark, 10s);
  ASSERT_TRUE(reset);
  auto typedReset = stratus::qemu::parseQmpEvent(*reset);
  EXPECT_FALSE(typedReset.guest);

  mark = rec.count();
  auto q = qmp::quit(m);
  EXPECT_TRUE(q.ok()) << q.error().message;
  ASSERT_TRUE(rec.waitEof(10s)) << "no EOF after quit";
  EXPECT_FALSE(m.alive());
  auto shutdown = rec.waitEvent("SHUTDOWN", mark, 1s);
  ASSERT_TRUE(shutdown);
  EXPECT_EQ(stratus::qemu::parseQmpEvent(*shutdown).reason, "host-qmp-quit");
  ASSERT_TRUE(qemu.waitExit(10s)) << "QEMU did not exit after quit";
  EXPECT_TRUE(WIFEXITED(qemu.status()) && WEXITSTATUS(qemu.status()) == 0) << qemu.log();

  auto after = qmp::queryStatus(m);
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("closed"), std::string::npos) << after.error().message;
}

TEST_F(QmpQemu, QemuKilledIsSeenAsEof) {
  start();
  ASSERT_TRUE(conn);
  ASSERT_TRUE(qmp::queryStatus(*conn).ok());
  ASSERT_EQ(::kill(qemu.pid(), SIGKILL), 0);
  ASSERT_TRUE(rec.waitEof(10s)) << "no EOF after QEMU was killed";
  ASSERT_TRUE(qemu.waitExit(10s));
  auto r = qmp::cont(*conn);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, stratus::ErrorCode::OperationFailed);
}

TEST_F(QmpQemu, ConnectFailsFastWhenQemuCannotStart) {
  // An impossible option: QEMU exits at once and never creates the socket.
  auto t0 = std::chrono::steady_clock::now();
  std::string bogus = qemu.dir() + "/not-a-qemu.sh";
  {
    std::ofstream f(bogus);
    f << "#!/bin/sh\nexit 1\n";
  }
  std::filesystem::permissions(bogus, std::filesystem::perms::owner_all);
  ASSERT_TRUE(qemu.spawn({bogus}));
  QmpOptions o;
  o.connectTimeout = 30s;
  o.processAlive = [this] { return qemu.alive(); };
  auto c = QmpTransport::connect(qemu.socketPath(), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, stratus::ErrorCode::ConnectFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}
