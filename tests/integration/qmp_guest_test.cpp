// The project's test guest (scripts/make-guest.sh) under bare QEMU, driven over
// QMP: boot to GUEST-READY, see ticks, balloon and hot-plug a vCPU and see the
// guest notice, then press the ACPI power button and see QEMU exit.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>

#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_events.h"
#include "drivers/qemu/qmp_transport.h"
#include "qmp_test_support.h"

using namespace std::chrono_literals;
using stratus::qemu::Json;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
namespace qmp = stratus::qemu::qmp;
using namespace stratus::qemu::testing;

namespace {

// Under TCG on a loaded 2-core machine a boot can take a while.
constexpr auto kBootTimeout = 180s;

bool haveCloudKernel() {
  for (const auto& e : std::filesystem::directory_iterator("/boot")) {
    std::string n = e.path().filename().string();
    if (n.rfind("vmlinuz-", 0) == 0 && n.find("-cloud-amd64") != std::string::npos) return true;
  }
  return false;
}

long field(const std::string& line, const std::string& key) {
  std::smatch m;
  std::regex re(key + "=([0-9]+)");
  return std::regex_search(line, m, re) ? std::stol(m[1]) : -1;
}

}  // namespace

TEST(QmpGuest, BootTicksBalloonHotplugAndPowerButton) {
  std::string binary = findInPath("qemu-system-x86_64");
  if (binary.empty()) GTEST_SKIP() << "qemu-system-x86_64 not installed";
  if (!haveCloudKernel()) GTEST_SKIP() << "no /boot/vmlinuz-*-cloud-amd64 (linux-image-cloud-amd64)";

  const char* envDir = std::getenv("GUEST_DIR");
  std::string guestDir = envDir && *envDir ? envDir : "/var/tmp/stratus-guest";
  std::string script = std::string(STRATUS_SOURCE_DIR) + "/scripts/make-guest.sh";
  std::string cmd = "GUEST_DIR='" + guestDir + "' '" + script + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "make-guest.sh failed";
  // A second run with unchanged inputs rebuilds nothing.
  {
    std::string again;
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) again += buf;
    ASSERT_EQ(::pclose(p), 0);
    EXPECT_NE(again.find("up to date"), std::string::npos) << again;
  }

  QemuProcess qemu;
  ASSERT_FALSE(qemu.dir().empty());
  std::string serial = qemu.dir() + "/serial.log";
  SerialWatcher console(serial);
  Recorder rec;

  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(qemu.spawnQemu(
      binary, {"-machine", "pc,accel=tcg", "-m", "256", "-smp", "1,maxcpus=2", "-display", "none",
               "-nodefaults", "-no-user-config", "-kernel", guestDir + "/vmlinuz", "-initrd",
               guestDir + "/initrd.gz", "-append", "console=ttyS0", "-serial", "file:" + serial,
               "-drive", "file=" + guestDir + "/disk.qcow2,if=virtio,format=qcow2,snapshot=on",
               "-device", "virtio-balloon-pci,id=balloon0"}));
  QmpOptions o;
  o.connectTimeout = 30s;
  o.processAlive = [&] { return qemu.alive(); };
  auto c = QmpTransport::connect(qemu.socketPath(), o, rec.onEvent(), rec.onEof());
  ASSERT_TRUE(c.ok()) << c.error().message << "\n" << qemu.log();
  QmpTransport& m = **c;

  auto ready = console.waitLine("GUEST-READY", kBootTimeout);
  ASSERT_TRUE(ready) << "no GUEST-READY; console:\n" << console.seen() << "\nQEMU:\n" << qemu.log();
  auto bootMs = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  std::cout << "[ qemu     ] spawn -> GUEST-READY: " << bootMs.count() << " ms" << std::endl;
  RecordProperty("spawn_to_guest_ready_ms", std::to_string(bootMs.count()));

  auto tick = console.waitLine("tick ", 30s);
  ASSERT_TRUE(tick) << console.seen();
  EXPECT_NE(tick->find("cpus=1 "), std::string::npos) << *tick;
  EXPECT_NE(tick->find("disks=vda "), std::string::npos) << *tick;
  EXPECT_NE(tick->find("ip=none"), std::string::npos) << *tick;
  long memBefore = field(*tick, "mem_kib");
  EXPECT_GT(memBefore, 150000) << *tick;

  // Balloon down to 128 MiB: the guest's MemTotal follows.
  ASSERT_TRUE(qmp::balloon(m, 128ull << 20).ok());
  std::optional<std::string> shrunk;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       std::chrono::steady_clock::now() < deadline;) {
    auto t = console.waitLine("tick ", 30s);
    if (t && field(*t, "mem_kib") > 0 && field(*t, "mem_kib") < 140000) {
      shrunk = t;
      break;
    }
  }
  EXPECT_TRUE(shrunk) << "guest memory did not shrink; console:\n" << console.seen();
  auto actual = qmp::queryBalloon(m);
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  EXPECT_LE(*actual, 130ull << 20);

  // Hot-plug a second vCPU: the guest onlines it.
  auto add = m.execute("device_add", {{"driver", "qemu64-x86_64-cpu"},
                                      {"id", "vcpu1"},
                                      {"socket-id", 0},
                                      {"core-id", 1},
                                      {"thread-id", 0}});
  ASSERT_TRUE(add.ok()) << add.error().message;
  auto twoCpus = console.waitLine("cpus=2 ", 60s);
  EXPECT_TRUE(twoCpus) << console.seen();
  auto cpus = qmp::queryCpusFast(m);
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  EXPECT_EQ(cpus->size(), 2u);

  // ACPI power button: the guest powers itself off, QEMU exits.
  std::size_t mark = rec.count();
  ASSERT_TRUE(qmp::systemPowerdown(m).ok());
  EXPECT_TRUE(rec.waitEvent("POWERDOWN", mark, 10s));
  EXPECT_TRUE(console.waitLine("GUEST-POWERDOWN", 60s)) << console.seen();
  auto shutdown = rec.waitEvent("SHUTDOWN", mark, 60s);
  ASSERT_TRUE(shutdown);
  auto typed = stratus::qemu::parseQmpEvent(*shutdown);
  EXPECT_TRUE(typed.guest);
  EXPECT_EQ(typed.reason, "guest-shutdown");
  EXPECT_TRUE(rec.waitEof(30s));
  ASSERT_TRUE(qemu.waitExit(30s)) << "QEMU did not exit after the power button";
}
