// The QEMU driver's migration primitives against real QEMU and the project's
// test guest, both "hosts" on this machine: a source instance boots the
// guest, an incoming instance of the same definition (its own run dir)
// listens on 127.0.0.1, and the guest's `tick` counter on its serial log
// (append='on', shared by both QEMUs like a log on shared storage) must go
// on from the destination without a new GUEST-READY (no reboot).
// Failures (cancel, destination QEMU killed) must leave the source ticking.
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "conf/domain_def.h"
#include "drivers/qemu/qemu_driver.h"
#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qmp_migration.h"
#include "qmp_test_support.h"
#include "util/fd.h"
#include "util/process.h"
#include "util/uuid.h"

using namespace stratus;
using namespace stratus::drivers;
namespace dq = stratus::drivers::qemu;
namespace qmp = stratus::qemu::qmp;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using stratus::qemu::testing::SerialWatcher;

namespace {

const std::string kSource = STRATUS_SOURCE_DIR;

std::string guestDir() {
  const char* d = std::getenv("STRATUS_GUEST_DIR");
  return d ? d : "/var/tmp/stratus-guest";
}

bool ensureGuest(std::string& why) {
  if (access("/usr/bin/qemu-system-x86_64", X_OK) != 0) {
    why = "qemu-system-x86_64 not installed";
    return false;
  }
  auto r = runCapture({kSource + "/scripts/make-guest.sh"}, 300s);
  if (!r) {
    why = "cannot build the test guest: " + r.error().message;
    return false;
  }
  return true;
}

// The N of a "tick N ..." line; -1 for other lines.
long tickOf(const std::string& line) {
  static const std::regex re(R"(tick (\d+) )");
  std::smatch m;
  return std::regex_search(line, m, re) ? std::stol(m[1]) : -1;
}

// A free TCP port on 127.0.0.1 for the NBD server (the kernel picks it).
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0)
    port = ntohs(sa.sin_port);
  ::close(fd);
  return port;
}

// A TCP forwarder on 127.0.0.1 in front of a destination port whose
// connections can be "cut": it stops reading, so the sender's data piles up
// unacknowledged as when a cable is pulled (no RST, no FIN). Threads and
// sockets end with it.
class CuttableProxy {
 public:
  explicit CuttableProxy(int targetPort) : target_(targetPort) {
    stopFd_ = ::eventfd(0, EFD_CLOEXEC);
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && ::listen(listenFd_, 16) == 0 &&
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0)
      port_ = ntohs(sa.sin_port);
    threads_.emplace_back([this] { acceptLoop(); });
  }
  ~CuttableProxy() {
    std::uint64_t one = 1;
    (void)!::write(stopFd_, &one, sizeof one);
    {
      std::lock_guard lk(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);  // unblocks a pump stuck in write()
    }
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listenFd_);
    ::close(stopFd_);
  }
  int port() const { return port_; }
  void cut() {
    cut_ = true;
    std::uint64_t one = 1;
    (void)!::write(cutFd_.get(), &one, sizeof one);
  }

 private:
  void acceptLoop() {
    for (;;) {
      pollfd p[2] = {{listenFd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) return;
      int in = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (in < 0) continue;
      int out = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      sa.sin_port = htons(static_cast<uint16_t>(target_));
      if (::connect(out, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(in);
        ::close(out);
        continue;
      }
      std::lock_guard lk(mu_);
      fds_.push_back(in);
      fds_.push_back(out);
      threads_.emplace_back([this, in, out] { pump(in, out); });
      threads_.emplace_back([this, in, out] { pump(out, in); });
    }
  }
  void pump(int from, int to) {
    char buf[65536];
    for (;;) {
      // Once cut, only the stop request is waited for: nothing is read.
      pollfd p[3] = {{stopFd_, POLLIN, 0}, {cutFd_.get(), POLLIN, 0}, {from, POLLIN, 0}};
      if (::poll(p, cut_ ? 1 : 3, -1) < 0 || (p[0].revents & POLLIN)) return;
      if (cut_) continue;
      if (!(p[2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(from, buf, sizeof buf);
      if (n <= 0) {
        ::shutdown(to, SHUT_WR);
        return;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
        if (w <= 0) return;
        off += w;
      }
    }
  }

  int target_;
  int port_ = -1;
  int listenFd_ = -1, stopFd_ = -1;
  UniqueFd cutFd_{::eventfd(0, EFD_CLOEXEC)};  // wakes the pumps so they see cut_
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;  // the accept loop adds pumps while running: joined after stopFd_
};

// Events an instance reported, for "the source never looked paused".
struct EventLog {
  std::mutex mu;
  std::vector<InstanceEvent> events;
  InstanceEventSink sink() {
    return [this](const InstanceEvent& e) {
      std::lock_guard lk(mu);
      events.push_back(e);
    };
  }
  std::size_t count(InstanceEvent::Kind k) {
    std::lock_guard lk(mu);
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
};

// Destroys the guest's QEMU when the test ends, however it ends.
struct Guest {
  std::unique_ptr<Instance> inst;
  EventLog log;
  ~Guest() {
    if (inst) (void)inst->destroy({});
  }
  dq::QemuInstance& qemu() { return dynamic_cast<dq::QemuInstance&>(*inst); }
  std::string status() {
    auto s = qmp::queryStatus(qemu().monitor());
    return s ? s->status : "gone: " + s.error().message;
  }
};

class QemuMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!ensureGuest(why)) GTEST_SKIP() << why;
    dir_ = fs::temp_directory_path() / ("stratus-mig-" + Uuid::generate().str().substr(0, 8));
    fs::create_directories(dir_);
    src_ = makeDriver("src");
    dst_ = makeDriver("dst");
  }
  void TearDown() override {
    // Guests first (their destructors destroy QEMU), then the files.
    guests_.clear();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<HypervisorDriver> makeDriver(const std::string& host) {
    dq::QemuDriverConfig c;
    c.runDir = (dir_ / host / "run").string();
    return dq::makeQemuDriver(c);
  }

  std::string serialPath() const { return (dir_ / "serial.log").string(); }

  // The test guest's definition with its serial log appended to, not
  // truncated, by each QEMU that opens it.
  conf::DomainDef guestDef(int memMiB, const std::string& disk) {
    auto x = runCapture({"env", "GUEST_DIR=" + guestDir(), kSource + "/scripts/guest-xml.sh", "mig",
                         std::to_string(memMiB), disk, serialPath()});
    EXPECT_TRUE(x.ok()) << x.error().describe();
    std::string xml = x.ok() ? *x : "";
    std::string from = "<source path='" + serialPath() + "'/>";
    for (std::size_t p; (p = xml.find(from)) != std::string::npos;)
      xml.replace(p, from.size(), "<source path='" + serialPath() + "' append='on'/>");
    auto parsed = conf::parseDomainXml(xml, "mig.xml");
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().describe());
    conf::DomainDef def = parsed.ok() ? parsed->def : conf::DomainDef{};
    src_->applyDefaults(def);
    return def;
  }

  Guest& boot(const conf::DomainDef& def) {
    auto& g = *guests_.emplace_back(std::make_unique<Guest>());
    auto inst = src_->launch(def, {.id = 1}, g.log.sink());
    EXPECT_TRUE(inst.ok()) << inst.error().describe();
    if (inst.ok()) g.inst = std::move(inst).value();
    return g;
  }

  Guest& incoming(const conf::DomainDef& def, const MigrationParams& params, int fd = -1) {
    auto& g = *guests_.emplace_back(std::make_unique<Guest>());
    IncomingMigration in;
    in.listenAddress = "127.0.0.1";
    in.fd = fd;
    in.params = params;
    LaunchOptions o;
    o.id = 2;
    o.incoming = in;
    auto inst = dst_->launch(def, o, g.log.sink());
    if (inst.ok()) g.inst = std::move(inst).value();
    else incomingError_ = inst.error();
    return g;
  }

  // Boots the guest and waits until it ticks; returns the last tick seen.
  long bootAndTick(Guest& g, SerialWatcher& serial) {
    if (!g.inst) return -1;
    EXPECT_TRUE(serial.waitLine("GUEST-READY", 90s).has_value()) << "the guest did not boot";
    auto t = serial.waitLine("tick", 30s);
    EXPECT_TRUE(t.has_value()) << "the guest does not tick";
    return t ? tickOf(*t) : -1;
  }

  // The guest goes on ticking past `after` (on whichever side runs it),
  // without booting again in between.
  void expectTicksPast(SerialWatcher& serial, long after, const std::string& where) {
    for (;;) {
      auto line = serial.waitLine("", 30s);
      ASSERT_TRUE(line.has_value()) << "no more output from the guest " << where;
      ASSERT_EQ(line->find("GUEST-READY"), std::string::npos) << "the guest rebooted " << where;
      long n = tickOf(*line);
      if (n > after) return;
    }
  }

  fs::path dir_;
  std::unique_ptr<HypervisorDriver> src_, dst_;
  std::vector<std::unique_ptr<Guest>> guests_;
  Error incomingError_;
};

MigrationParams params(bool live = true) {
  MigrationParams p;
  p.live = live;
  return p;
}

}  // namespace

TEST_F(QemuMigration, PlainLiveMigrationKeepsTheGuestTicking) {
  auto def = guestDef(256, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);
  ASSERT_GE(before, 0);

  auto& dst = incoming(def, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  std::string uri = dst.inst->incomingUri();
  ASSERT_TRUE(std::regex_match(uri, std::regex(R"(tcp:127\.0\.0\.1:(49[12]\d\d))"))) << uri;
  EXPECT_EQ(dst.status(), "inmigrate");

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  auto t0 = std::chrono::steady_clock::now();
  auto r = src.inst->migrate({.uri = uri}, p);
  double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_FALSE(r->postcopy);
  EXPECT_GT(r->bytes, 1u << 20);
  EXPECT_GT(r->totalTimeMs, 0u);
  auto job = mon.snapshot();
  // QEMU counts the guest's RAM plus its firmware's small RAM blocks.
  EXPECT_GE(job.memTotal, 256ull << 20) << "memory total from query-migrate";
  EXPECT_LT(job.memTotal, 260ull << 20);
  EXPECT_GT(job.memProcessed, 0u);
  EXPECT_EQ(job.memRemaining, 0u);
  EXPECT_EQ(job.downtimeMs, r->downtimeMs);
  EXPECT_EQ(src.status(), "postmigrate");
  EXPECT_EQ(src.log.count(InstanceEvent::Kind::Paused), 0u) << "the switch-over is not a user pause";
  std::printf("[measure] plain live migration, 256 MiB test guest over loopback: wall %.0f ms, QEMU total %llu ms, "
              "downtime %llu ms, setup %llu ms, %llu bytes\n",
              wallMs, static_cast<unsigned long long>(r->totalTimeMs), static_cast<unsigned long long>(r->downtimeMs),
              static_cast<unsigned long long>(r->setupTimeMs), static_cast<unsigned long long>(r->bytes));
  RecordProperty("wall_ms", static_cast<int>(wallMs));
  RecordProperty("downtime_ms", static_cast<int>(r->downtimeMs));
  RecordProperty("total_ms", static_cast<int>(r->totalTimeMs));

  auto w = dst.inst->waitIncoming(30s);
  ASSERT_TRUE(w.ok()) << w.error().describe();
  EXPECT_EQ(dst.status(), "paused") << "the destination waits for the source to confirm";
  ASSERT_TRUE(dst.inst->resume().ok());
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
  EXPECT_EQ(dst.status(), "running");
  EXPECT_EQ(dst.log.count(InstanceEvent::Kind::Paused), 0u);
  EXPECT_EQ(dst.log.count(InstanceEvent::Kind::Resumed), 0u) << "our own resume is not reported as QEMU's";
}

TEST_F(QemuMigration, CancelLeavesTheSourceRunningAndTheDestinationGone) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  ASSERT_GE(bootAndTick(src, serial), 0);
  auto& dst = incoming(def, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  p.maxBandwidth = 1 << 20;  // 1 MiB/s: far from done when we cancel
  auto fut = std::async(std::launch::async, [&] { return src.inst->migrate({.uri = dst.inst->incomingUri()}, p); });
  // Cancel once data moves.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mon.snapshot().memProcessed == 0 && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(fut.wait_for(20ms), std::future_status::timeout) << "migration ended before it could be cancelled";
  auto progress = mon.snapshot();
  ASSERT_GT(progress.memProcessed, 0u);
  EXPECT_GT(progress.memRemaining, 0u);
  EXPECT_EQ(progress.dataTotal, progress.memTotal);
  EXPECT_LT(JobMonitor::percentOf(progress), 99);
  mon.requestCancel();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready);
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled) << r.error().describe();
  EXPECT_EQ(r.error().message, "operation aborted: migration out job: canceled by client");

  EXPECT_EQ(src.status(), "running");
  long now = tickOf(serial.waitLine("tick", 10s).value_or(""));
  expectTicksPast(serial, now, "on the source after the cancel");
  // The destination saw its stream break: QEMU gives up and exits.
  auto w = dst.inst->waitIncoming(30s);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("QEMU exited"), std::string::npos) << w.error().message;
  std::printf("[info] the destination after the cancel: %s\n", w.error().message.c_str());
}

TEST_F(QemuMigration, DestinationQemuKilledMidwayLeavesTheSourceRunning) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  ASSERT_GE(bootAndTick(src, serial), 0);
  auto& dst = incoming(def, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  p.maxBandwidth = 1 << 20;
  auto fut = std::async(std::launch::async, [&] { return src.inst->migrate({.uri = dst.inst->incomingUri()}, p); });
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mon.snapshot().memProcessed == 0 && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(fut.wait_for(20ms), std::future_status::timeout);
  ASSERT_GT(dst.inst->pid(), 0);
  ASSERT_EQ(::kill(dst.inst->pid(), SIGKILL), 0);
  ASSERT_EQ(fut.wait_for(60s), std::future_status::ready);
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed) << r.error().describe();
  EXPECT_EQ(r.error().message.rfind("operation failed: migration out job: ", 0), 0u) << r.error().message;
  std::printf("[info] the source after its destination was killed: %s\n", r.error().message.c_str());
  EXPECT_EQ(src.status(), "running");
  long now = tickOf(serial.waitLine("tick", 10s).value_or(""));
  expectTicksPast(serial, now, "on the source after the destination died");
}

TEST_F(QemuMigration, CompressedMigrationUsesMultifdZstd) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);
  MigrationParams p = params();
  p.compressed = true;
  auto& dst = incoming(def, p);
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  auto r = src.inst->migrate({.uri = dst.inst->incomingUri()}, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  for (auto* g : {&src, &dst}) {
    auto mp = qmp::queryMigrateParameters(g->qemu().monitor());
    ASSERT_TRUE(mp.ok());
    EXPECT_EQ(mp->multifdCompression, "zstd");
    EXPECT_EQ(mp->multifdChannels, dq::kMultifdChannels);
  }
  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  ASSERT_TRUE(dst.inst->resume().ok());
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
}

TEST_F(QemuMigration, TunnelledThroughADescriptor) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd ours(sv[0]);
  auto& dst = incoming(def, params(), sv[1]);  // the destination takes sv[1]
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  EXPECT_EQ(dst.inst->incomingUri(), "");
  auto r = src.inst->migrate({.fd = ours.get()}, params());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ours.reset();
  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  ASSERT_TRUE(dst.inst->resume().ok());
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
}

TEST_F(QemuMigration, CompressedTunnelUsesSingleStreamCompression) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd ours(sv[0]);
  MigrationParams p = params();
  p.compressed = true;
  auto& dst = incoming(def, p, sv[1]);
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  auto r = src.inst->migrate({.fd = ours.get()}, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ours.reset();
  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  ASSERT_TRUE(dst.inst->resume().ok());
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
}

TEST_F(QemuMigration, CopyStorageMirrorsTheDiskOverNbd) {
  std::string srcDisk = (dir_ / "src-disk.qcow2").string(), dstDisk = (dir_ / "dst-disk.qcow2").string();
  auto def = guestDef(128, srcDisk);
  // Data the destination's empty disk lacks until the mirror copies it.
  ASSERT_TRUE(runCapture({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 3M", srcDisk}, 30s).ok());
  auto size = runCapture({"qemu-img", "info", "--output=json", srcDisk}, 30s);
  ASSERT_TRUE(size.ok());
  auto vsize = nlohmann::json::parse(*size)["virtual-size"].get<std::uint64_t>();
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "qcow2", dstDisk, std::to_string(vsize)}, 30s).ok());
  auto differ = runCapture({"qemu-img", "compare", "-q", srcDisk, dstDisk}, 30s);
  ASSERT_FALSE(differ.ok()) << "the destination disk must start out different";

  conf::DomainDef dstDef = def;
  dstDef.devices.disks.at(0).sourceFile = dstDisk;
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);
  auto& dst = incoming(dstDef, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  int nbdPort = freePort();
  ASSERT_GT(nbdPort, 0);
  std::vector<std::pair<std::string, std::string>> exports = {{"vda", "drive-virtio-disk0"}};
  auto ns = dst.inst->startNbdServer("127.0.0.1", nbdPort, exports);
  ASSERT_TRUE(ns.ok()) << ns.error().describe();

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  MigrationTarget to{.uri = dst.inst->incomingUri(), .nbdHost = "127.0.0.1", .nbdPort = nbdPort, .nbdMirrors = exports};
  auto r = src.inst->migrate(to, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto job = mon.snapshot();
  EXPECT_EQ(job.diskTotal, vsize) << "the mirror's length is the disk's size";
  EXPECT_EQ(job.diskProcessed, job.diskTotal);
  EXPECT_EQ(job.dataTotal, job.memTotal + job.diskTotal);
  EXPECT_GT(r->bytes, vsize / 2) << "memory plus the disk's data";
  // The mirror and its NBD node are gone from the source.
  auto jobs = qmp::queryBlockJobs(src.qemu().monitor());
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty());

  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  ASSERT_TRUE(dst.inst->stopNbdServer().ok());
  ASSERT_TRUE(dst.inst->resume().ok());
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
  ASSERT_TRUE(dst.inst->destroy({}).ok());
  auto same = runCapture({"qemu-img", "compare", srcDisk, dstDisk}, 60s);
  EXPECT_TRUE(same.ok()) << "the destination disk holds what the source had: "
                         << (same.ok() ? *same : same.error().message);
}

TEST_F(QemuMigration, PostcopyFinishesOnTheRunningDestination) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  MigrationParams p = params();
  p.postcopy = true;
  // The destination is where userfaultfd is needed: ask it first.
  auto& dst = incoming(def, p);
  if (!dst.inst && incomingError_.code == ErrorCode::Unsupported)
    GTEST_SKIP() << "post-copy is not available here: " << incomingError_.message;
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  long before = bootAndTick(src, serial);

  JobMonitor mon("migration-out");
  p.monitor = &mon;
  p.maxBandwidth = 2 << 20;  // slow pre-copy, so post-copy has memory left to pull
  auto fut = std::async(std::launch::async, [&] { return src.inst->migrate({.uri = dst.inst->incomingUri()}, p); });
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mon.snapshot().memProcessed == 0 && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(fut.wait_for(20ms), std::future_status::timeout);
  ASSERT_TRUE(src.inst->startPostcopy().ok());
  ASSERT_EQ(fut.wait_for(60s), std::future_status::ready);
  auto r = fut.get();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->postcopy);
  EXPECT_TRUE(mon.snapshot().postcopy);
  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  ASSERT_TRUE(dst.inst->resume().ok());  // runs while the rest of memory arrives
  auto done = src.inst->waitMigration(&mon);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_FALSE(src.inst->resumeAfterFailedMigration().ok()) << "memory is on the destination now";
  ASSERT_TRUE(src.inst->destroy({}).ok());
  expectTicksPast(serial, before, "on the destination");
}

TEST_F(QemuMigration, OfflineMigrationPausesTheGuestAndResumesItOnFailure) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  ASSERT_GE(bootAndTick(src, serial), 0);
  // Nobody listens there: the migration fails at once, the guest runs again.
  int port = freePort();
  auto r = src.inst->migrate({.uri = "tcp:127.0.0.1:" + std::to_string(port)}, params(false));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("operation failed: migration out job: "), std::string::npos) << r.error().message;
  EXPECT_EQ(src.status(), "running");
  EXPECT_EQ(src.log.count(InstanceEvent::Kind::Paused), 0u);
  EXPECT_EQ(src.log.count(InstanceEvent::Kind::Resumed), 0u);

  auto& dst = incoming(def, params(false));
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  auto ok = src.inst->migrate({.uri = dst.inst->incomingUri()}, params(false));
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  ASSERT_TRUE(dst.inst->waitIncoming(30s).ok());
  // The destination failed after all (say its daemon died): back to the source.
  ASSERT_TRUE(dst.inst->destroy({}).ok());
  ASSERT_TRUE(src.inst->resumeAfterFailedMigration().ok());
  EXPECT_EQ(src.status(), "running");
  long now = tickOf(serial.waitLine("tick", 10s).value_or(""));
  expectTicksPast(serial, now, "on the source after resuming it");
}

TEST_F(QemuMigration, IncomingPortsSkipWhatIsTaken) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  // Two incoming guests of one driver, and a port taken by someone else;
  // below the kernel's ephemeral range, so no outgoing connection of a
  // test running beside us takes one of the three ports meanwhile.
  auto portFree = [](int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  };
  int taken = 20000 + static_cast<int>(::getpid() % 5000) * 2;
  while (taken < 32000 && !(portFree(taken) && portFree(taken + 1) && portFree(taken + 2))) taken += 3;
  ASSERT_LT(taken, 32000) << "no three free ports in a row below 32000";
  int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  UniqueFd hold(blocker);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(taken));
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);

  auto launchIn = [&](int from, int to) -> Result<std::unique_ptr<Instance>> {
    IncomingMigration in;
    in.listenAddress = "127.0.0.1";
    in.portMin = from;
    in.portMax = to;
    LaunchOptions o;
    o.incoming = in;
    conf::DomainDef d = def;
    d.name = "mig" + std::to_string(from) + "-" + std::to_string(guests_.size());
    d.uuid = Uuid::generate();
    auto& g = *guests_.emplace_back(std::make_unique<Guest>());
    auto r = dst_->launch(d, o, g.log.sink());
    if (r.ok()) g.inst = std::move(*r);
    if (!r.ok()) return r.error();
    return std::unique_ptr<Instance>();
  };
  ASSERT_TRUE(launchIn(taken, taken + 2).ok());
  ASSERT_TRUE(launchIn(taken, taken + 2).ok());
  EXPECT_EQ(guests_[0]->inst->incomingUri(), "tcp:127.0.0.1:" + std::to_string(taken + 1));
  EXPECT_EQ(guests_[1]->inst->incomingUri(), "tcp:127.0.0.1:" + std::to_string(taken + 2));
  auto none = launchIn(taken, taken + 2);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no free port for the incoming migration"), std::string::npos)
      << none.error().message;
}

TEST_F(QemuMigration, NetworkCutDuringMemoryThenCancelKeepsTheSourceRunning) {
  auto def = guestDef(128, (dir_ / "disk.qcow2").string());
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  ASSERT_GE(bootAndTick(src, serial), 0);
  auto& dst = incoming(def, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  std::string uri = dst.inst->incomingUri();
  CuttableProxy link(std::stoi(uri.substr(uri.rfind(':') + 1)));
  ASSERT_GT(link.port(), 0);

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  p.maxBandwidth = 1 << 20;
  auto fut = std::async(std::launch::async,
                        [&] { return src.inst->migrate({.uri = "tcp:127.0.0.1:" + std::to_string(link.port())}, p); });
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mon.snapshot().memProcessed == 0 && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(fut.wait_for(20ms), std::future_status::timeout);
  link.cut();
  // The daemons notice the silence and cancel: QEMU's blocked send must give up.
  mon.requestCancel();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready) << "migrate() hangs on the cut connection";
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled) << r.error().describe();
  EXPECT_EQ(src.status(), "running");
  long now = tickOf(serial.waitLine("tick", 10s).value_or(""));
  expectTicksPast(serial, now, "on the source after the cut");
}

TEST_F(QemuMigration, NetworkCutDuringDiskCopyThenCancelRemovesTheMirror) {
  std::string srcDisk = (dir_ / "src-disk.qcow2").string(), dstDisk = (dir_ / "dst-disk.qcow2").string();
  auto def = guestDef(128, srcDisk);
  ASSERT_TRUE(runCapture({"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 8M", srcDisk}, 30s).ok());
  auto size = runCapture({"qemu-img", "info", "--output=json", srcDisk}, 30s);
  ASSERT_TRUE(size.ok());
  auto vsize = nlohmann::json::parse(*size)["virtual-size"].get<std::uint64_t>();
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "qcow2", dstDisk, std::to_string(vsize)}, 30s).ok());
  conf::DomainDef dstDef = def;
  dstDef.devices.disks.at(0).sourceFile = dstDisk;
  SerialWatcher serial(serialPath());
  auto& src = boot(def);
  ASSERT_TRUE(src.inst);
  ASSERT_GE(bootAndTick(src, serial), 0);
  auto& dst = incoming(dstDef, params());
  ASSERT_TRUE(dst.inst) << incomingError_.describe();
  int nbdPort = freePort();
  std::vector<std::pair<std::string, std::string>> exports = {{"vda", "drive-virtio-disk0"}};
  ASSERT_TRUE(dst.inst->startNbdServer("127.0.0.1", nbdPort, exports).ok());
  CuttableProxy link(nbdPort);

  JobMonitor mon("migration-out");
  MigrationParams p = params();
  p.monitor = &mon;
  p.maxBandwidth = 1 << 20;  // the mirror too: 8 MiB take seconds
  MigrationTarget to{.uri = dst.inst->incomingUri(), .nbdHost = "127.0.0.1", .nbdPort = link.port(),
                     .nbdMirrors = exports};
  auto fut = std::async(std::launch::async, [&] { return src.inst->migrate(to, p); });
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mon.snapshot().diskProcessed == 0 && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(fut.wait_for(20ms), std::future_status::timeout);
  EXPECT_EQ(mon.snapshot().memTotal, 0u) << "memory waits for the disks";
  link.cut();
  mon.requestCancel();
  ASSERT_EQ(fut.wait_for(30s), std::future_status::ready) << "migrate() hangs on the cut NBD connection";
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled) << r.error().describe();
  auto jobs = qmp::queryBlockJobs(src.qemu().monitor());
  ASSERT_TRUE(jobs.ok());
  EXPECT_TRUE(jobs->empty()) << "the mirror is gone";
  auto nodes = src.qemu().monitor().execute("query-named-block-nodes");
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->dump().find("migrate-vda-nbd"), std::string::npos) << "and so is its NBD node";
  EXPECT_EQ(src.status(), "running");
  long now = tickOf(serial.waitLine("tick", 10s).value_or(""));
  expectTicksPast(serial, now, "on the source after the cut");
}
