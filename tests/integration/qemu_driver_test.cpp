// The QEMU driver under daemon::Node, against real QEMU and the project's
// test guest: the lifecycle verbs, events, crash and reattach. The test binary
// runs in its own network namespace (created at start), so bridges and taps it
// makes never touch the host's network.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>

#include "daemon/node.h"
#include "network/host_network_backend.h"
#include "drivers/qemu/qemu_driver.h"
#include "qmp_test_support.h"
#include "util/atomic_file.h"
#include "util/process.h"

using namespace stratus;
using namespace stratus::daemon;
using namespace std::chrono_literals;
using conf::DomainState;
namespace fs = std::filesystem;

namespace {

const std::string kSource = STRATUS_SOURCE_DIR;

std::string guestDir() {
  const char* d = std::getenv("STRATUS_GUEST_DIR");
  return d ? d : "/var/tmp/stratus-guest";
}

// Builds the guest once per test binary run (make-guest.sh skips up-to-date work).
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

class Events {
 public:
  void on(const DomainEvent& e) {
    std::lock_guard lk(mu_);
    seen_.push_back(e);
    cv_.notify_all();
  }
  // Waits for an event (type, detail) after index `from`.
  bool waitFor(int type, int detail, std::chrono::milliseconds t, std::size_t from = 0) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, t, [&] {
      for (std::size_t i = from; i < seen_.size(); ++i)
        if (seen_[i].type == type && seen_[i].detail == detail) return true;
      return false;
    });
  }
  std::size_t size() {
    std::lock_guard lk(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DomainEvent> seen_;
};

class QemuDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!ensureGuest(why)) GTEST_SKIP() << why;
    dir_ = fs::temp_directory_path() / ("stratus-qd-" + Uuid::generate().str().substr(0, 8));
    fs::create_directories(dir_);
    openNode();
  }
  void TearDown() override {
    if (node_) {
      if (auto list = node_->listDomains())
        for (const auto& d : *list)
          if (d.id > 0) (void)node_->destroyDomain(d.name, {});
    }
    sub_.reset();
    node_.reset();
    for (pid_t p : strayPids_) kill(p, SIGKILL);
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void openNode(std::string kvmDevice = "/dev/kvm") {
    sub_.reset();
    node_.reset();
    NodeConfig cfg;
    cfg.root = (dir_ / "root").string();
    drivers::qemu::QemuDriverConfig qc;
    qc.runDir = cfg.root + "/run/stratus";
    qc.kvmDevice = kvmDevice;
    // Real networks (bridge, dnsmasq, nftables) inside this test's own
    // network namespace (main() unshares one).
    auto n = Node::open(cfg, drivers::qemu::makeQemuDriver(qc),
                        std::make_unique<network::HostNetworkBackend>(qc.runDir + "/network"));
    ASSERT_TRUE(n.ok()) << n.error().describe();
    node_ = std::move(n).value();
    auto s = node_->subscribeEvents([this](const DomainEvent& e) { events_.on(e); });
    ASSERT_TRUE(s.ok());
    sub_ = std::move(s).value();
  }
  std::string serialLog(const std::string& name) { return (dir_ / (name + ".serial")).string(); }
  std::string guestXml(const std::string& name, int memMiB = 128) {
    // The same instantiation of the guest's template as the README's main
    // job and the end-to-end tests use.
    std::string overlay = (dir_ / (name + ".qcow2")).string();
    auto x = runCapture({"env", "GUEST_DIR=" + guestDir(), kSource + "/scripts/guest-xml.sh", name,
                         std::to_string(memMiB), overlay, serialLog(name)});
    EXPECT_TRUE(x.ok()) << x.error().describe();
    return x.ok() ? *x : "";
  }
  DomainSummary state(const std::string& name) {
    auto s = node_->lookupDomain(name);
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : DomainSummary{};
  }
  int qemuPid(const std::string& name) {
    // The guest's QEMU, found the way a user would: by its -uuid argument.
    auto uuid = state(name).uuid;
    for (auto& e : fs::directory_iterator("/proc")) {
      std::ifstream c(e.path() / "cmdline");
      std::string args((std::istreambuf_iterator<char>(c)), std::istreambuf_iterator<char>());
      if (args.find("qemu-system") != std::string::npos && args.find(uuid) != std::string::npos)
        return std::stoi(e.path().filename().string());
    }
    return -1;
  }

  fs::path dir_;
  std::unique_ptr<Node> node_;
  std::unique_ptr<EventSubscription> sub_;
  Events events_;
  std::vector<pid_t> strayPids_;
};

constexpr int kStarted = 2, kSuspended = 3, kResumed = 4, kStopped = 5;

}  // namespace

TEST_F(QemuDriverTest, LifecycleOfTheTestGuest) {
  ASSERT_TRUE(node_->defineDomain(guestXml("lc"), "lc.xml").ok());
  qemu::testing::SerialWatcher serial(serialLog("lc"));
  ASSERT_TRUE(node_->startDomain("lc", {})) ;
  auto s = state("lc");
  EXPECT_EQ(s.state, DomainState::Running);
  EXPECT_EQ(s.reason, conf::reason::RunningBooted);
  EXPECT_GT(s.id, 0);
  ASSERT_TRUE(serial.waitLine("GUEST-READY", 60s).has_value()) << "guest did not boot";

  auto xml = node_->domainXml("lc", {});
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find("pc-i440fx-"), std::string::npos) << "machine alias resolved";
  EXPECT_NE(xml->find("id='" + std::to_string(s.id) + "'"), std::string::npos);
  auto info = node_->domainInfo("lc");
  ASSERT_TRUE(info.ok());
  EXPECT_GT(info->cpuTimeNs, 0u);
  EXPECT_EQ(info->maxMemKiB, 128u * 1024);

  ASSERT_TRUE(node_->suspendDomain("lc"));
  EXPECT_EQ(state("lc").state, DomainState::Paused);
  ASSERT_TRUE(node_->resumeDomain("lc"));
  EXPECT_EQ(state("lc").state, DomainState::Running);
  ASSERT_TRUE(serial.waitLine("tick", 20s).has_value()) << "guest runs again after resume";

  // reboot: the guest powers off on the ACPI button, QEMU is reset, it boots again.
  ASSERT_TRUE(node_->rebootDomain("lc"));
  ASSERT_TRUE(serial.waitLine("GUEST-READY", 60s).has_value()) << "guest came back after reboot";
  EXPECT_EQ(state("lc").state, DomainState::Running);

  std::size_t mark = events_.size();
  ASSERT_TRUE(node_->shutdownDomain("lc", {}));
  ASSERT_TRUE(events_.waitFor(kStopped, 0, 30s, mark)) << "no stopped/shutdown event";
  s = state("lc");
  EXPECT_EQ(s.state, DomainState::Shutoff);
  EXPECT_EQ(s.reason, conf::reason::ShutoffShutdown);
  EXPECT_EQ(s.id, -1);

  auto restarted = node_->startDomain("lc", {.paused = true});
  ASSERT_TRUE(restarted) << restarted.error().describe();
  EXPECT_EQ(state("lc").state, DomainState::Paused);
  int pid = qemuPid("lc");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(node_->destroyDomain("lc", {}));
  s = state("lc");
  EXPECT_EQ(s.reason, conf::reason::ShutoffDestroyed);
  EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid)) &&
               [&] { std::ifstream st("/proc/" + std::to_string(pid) + "/stat"); std::string l; std::getline(st, l); return l.find(") Z") == std::string::npos; }())
      << "QEMU still running after destroy";
  // the log has our command line and QEMU's lines
  std::ifstream log(dir_ / "root/run/stratus/log/qemu/lc.log");
  std::string logText((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(logText.find("-name guest=lc"), std::string::npos);
}

TEST_F(QemuDriverTest, QemuKilledFromOutsideIsCrashed) {
  ASSERT_TRUE(node_->defineDomain(guestXml("cr"), "cr.xml").ok());
  ASSERT_TRUE(node_->startDomain("cr", {}));
  int pid = qemuPid("cr");
  ASSERT_GT(pid, 0);
  std::size_t mark = events_.size();
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(events_.waitFor(kStopped, 5 /* failed */, 2s, mark)) << "exit not noticed within 2 s";
  auto s = state("cr");
  EXPECT_EQ(s.state, DomainState::Shutoff);
  EXPECT_EQ(s.reason, conf::reason::ShutoffCrashed);
}

TEST_F(QemuDriverTest, RestartedNodeReattaches) {
  ASSERT_TRUE(node_->defineDomain(guestXml("ra"), "ra.xml").ok());
  ASSERT_TRUE(node_->startDomain("ra", {}));
  int id = state("ra").id;
  int pid = qemuPid("ra");
  openNode();  // the old node goes away like a daemon that exits; its guest lives on
  auto s = state("ra");
  EXPECT_EQ(s.state, DomainState::Running);
  EXPECT_EQ(s.id, id);
  EXPECT_EQ(qemuPid("ra"), pid);
  // The new node controls the reattached guest.
  ASSERT_TRUE(node_->suspendDomain("ra"));
  ASSERT_TRUE(node_->resumeDomain("ra"));
  std::size_t mark = events_.size();
  kill(pid, SIGKILL);
  ASSERT_TRUE(events_.waitFor(kStopped, 5, 2s, mark)) << "reattached guest's death not noticed";
  // A guest that died while no node watched is marked shut off on open.
  ASSERT_TRUE(node_->startDomain("ra", {}));
  pid = qemuPid("ra");
  sub_.reset();
  node_.reset();
  kill(pid, SIGKILL);
  openNode();
  EXPECT_EQ(state("ra").state, DomainState::Shutoff);
}

TEST_F(QemuDriverTest, KvmWithoutDevKvmIsAClearError) {
  // Whatever this host has, the driver is shown a host without /dev/kvm.
  openNode((dir_ / "no-kvm-here").string());
  std::string x = std::regex_replace(guestXml("kv"), std::regex("type='qemu'"), "type='kvm'");
  ASSERT_TRUE(node_->defineDomain(x, "kv.xml").ok());
  auto s = node_->startDomain("kv", {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no-kvm-here, which this host does not have"), std::string::npos) << s.error().message;
  EXPECT_EQ(state("kv").state, DomainState::Shutoff);
}

TEST_F(QemuDriverTest, FailedStartReportsQemusOwnError) {
  std::string x = std::regex_replace(guestXml("bad"), std::regex(dir_.string() + "/bad.qcow2"), "/nonexistent/disk.qcow2");
  ASSERT_TRUE(node_->defineDomain(x, "bad.xml").ok());
  auto s = node_->startDomain("bad", {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/nonexistent/disk.qcow2"), std::string::npos) << s.error().message;
  EXPECT_EQ(state("bad").state, DomainState::Shutoff);
}

TEST_F(QemuDriverTest, CourseExampleKvm4StartsAsQemu) {
  // kvm4.xml from the course, switched to TCG, its files created here, and
  // its bridge br0 inside this test's own network namespace.
  if (system("ip link add br0 type bridge && ip link set br0 up") != 0) GTEST_SKIP() << "cannot create bridge br0 (needs root)";
  std::ifstream in(kSource + "/tests/data/domain/kvm4.xml");
  std::string x((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  x = std::regex_replace(x, std::regex("type='kvm'"), "type='qemu'");
  std::string img = (dir_ / "kvm4.img").string(), iso1 = (dir_ / "dvd1.iso").string(), iso2 = (dir_ / "dvd2.iso").string();
  x = std::regex_replace(x, std::regex("/var/lib/libvirt/images/kvm4.img"), img);
  x = std::regex_replace(x, std::regex("/tmp/SLES-11-DVD-i586-GM-DVD1.iso"), iso1);
  x = std::regex_replace(x, std::regex("/tmp/SLES-11-DVD-i586-GM-DVD2.iso"), iso2);
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "raw", img, "16M"}).ok());
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "raw", iso1, "1M"}).ok());
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "raw", iso2, "1M"}).ok());
  x = std::regex_replace(x, std::regex("<memory>1677721</memory>"), "<memory>262144</memory>");
  x = std::regex_replace(x, std::regex("<currentMemory>1677721</currentMemory>"), "<currentMemory>262144</currentMemory>");
  ASSERT_TRUE(node_->defineDomain(x, "kvm4.xml").ok());
  auto s = node_->startDomain("kvm4", {});
  ASSERT_TRUE(s) << s.error().describe();
  auto xml = node_->domainXml("kvm4", {});
  EXPECT_NE(xml->find("<target dev='vnet"), std::string::npos) << "tap shown in live XML";
  EXPECT_NE(xml->find("port='59"), std::string::npos) << "VNC port shown in live XML";
  ASSERT_TRUE(node_->destroyDomain("kvm4", {}));
  (void)system("ip link del br0");
}

// Whether we run in a network namespace of our own (main() unshares one and
// says so in the environment), so bridges and firewall rules made here
// cannot touch the host's.
bool inPrivateNetns() { return std::getenv("STRATUS_TEST_PRIVATE_NETNS") != nullptr; }

TEST_F(QemuDriverTest, CourseExampleJoomlaSchulung) {
  // The virt-manager example: IDE cdrom without media, a PCI address for the
  // IDE controller and the cirrus card, a serial pty, VNC.
  std::ifstream in(kSource + "/tests/data/domain/JoomlaSchulung.xml");
  std::string x((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  x = std::regex_replace(x, std::regex("type='kvm'"), "type='qemu'");
  std::string img = (dir_ / "joomla.img").string();
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "raw", img, "16M"}).ok());
  x = std::regex_replace(x, std::regex("/var/lib/libvirt/images/JoomlaSchulung.img"), img);
  x = std::regex_replace(x, std::regex("<memory>1048576</memory>"), "<memory>262144</memory>");
  x = std::regex_replace(x, std::regex("<currentMemory>1048576</currentMemory>"), "<currentMemory>262144</currentMemory>");
  ASSERT_TRUE(node_->defineDomain(x, "JoomlaSchulung.xml").ok());
  // Its NIC is on virtual network 'default' (defined on the node's first
  // start, inactive): refused by name until the network runs.
  auto s = node_->startDomain("JoomlaSchulung", {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("network 'default' is not active"), std::string::npos) << s.error().message;
  if (geteuid() != 0 || !inPrivateNetns())
    GTEST_SKIP() << "starting the default network needs root and this test's own network namespace";
  ASSERT_TRUE(node_->startNetwork("default")) << "default network";
  s = node_->startDomain("JoomlaSchulung", {});
  ASSERT_TRUE(s) << s.error().describe();
  auto live = node_->domainXml("JoomlaSchulung", {});
  ASSERT_TRUE(live);
  EXPECT_NE(live->find("<source network='default' bridge='virbr0'/>"), std::string::npos) << *live;
  EXPECT_EQ(node_->listNetworkPorts("default")->size(), 1u);
  EXPECT_EQ(state("JoomlaSchulung").state, DomainState::Running);
  ASSERT_TRUE(node_->destroyDomain("JoomlaSchulung", {}));
  EXPECT_TRUE(node_->listNetworkPorts("default")->empty());
  ASSERT_TRUE(node_->destroyNetwork("default"));
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (std::getenv("STRATUS_DEBUG")) spdlog::set_level(spdlog::level::debug);
  // A private network namespace: bridges and taps made here vanish with us.
  if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0) {
    (void)system("ip link set lo up");
    setenv("STRATUS_TEST_PRIVATE_NETNS", "1", 1);
  }
  return RUN_ALL_TESTS();
}

// A <disk type='volume'> runs as what the node resolved it to (here a qcow2
// file of a dir pool), straight through the QEMU driver: the guest sees the
// volume, domblkinfo reads the image, the live XML still names pool and
// volume; unresolved, the driver refuses it naming both.
TEST_F(QemuDriverTest, VolumeDiskRunsAsWhatTheNodeResolved) {
  fs::create_directories(dir_ / "pool");
  std::string image = (dir_ / "pool" / "data.qcow2").string();
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "qcow2", image, "48M"}).ok());
  auto parsed = conf::parseDomainXml(guestXml("vol"), "vol.xml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  conf::DomainDef def = parsed->def;
  conf::DiskDef vol;
  vol.type = "volume";
  vol.hasSource = true;
  vol.sourcePool = "images";
  vol.sourceVolume = "data.qcow2";
  vol.targetDev = "vdb";
  vol.targetBus = "virtio";
  def.devices.disks.push_back(vol);

  drivers::qemu::QemuDriverConfig qc;
  qc.runDir = (dir_ / "drv").string();
  auto driver = drivers::qemu::makeQemuDriver(qc);
  auto refused = driver->checkStartable(def);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("storage volume 'data.qcow2' of pool 'images' is not resolved"),
            std::string::npos)
      << refused.error().message;

  auto& d = def.devices.disks.back();
  d.volumeType = "file";
  d.volumePath = image;
  d.volumeFormat = "qcow2";
  ASSERT_TRUE(driver->checkStartable(def).ok());
  qemu::testing::SerialWatcher serial(serialLog("vol"));
  drivers::LaunchOptions lo;
  lo.id = 1;
  auto inst = driver->launch(def, lo, [](const drivers::InstanceEvent&) {});
  ASSERT_TRUE(inst.ok()) << inst.error().describe();
  ASSERT_TRUE(serial.waitLine("disks=vda,vdb", 90s).has_value()) << "the guest does not see the volume as vdb";

  auto live = (*inst)->liveDefinition();
  ASSERT_TRUE(live.has_value());
  const conf::DiskDef* liveVol = nullptr;
  for (const auto& x : live->devices.disks)
    if (x.targetDev == "vdb") liveVol = &x;
  ASSERT_NE(liveVol, nullptr);
  auto info = (*inst)->blockInfo(*liveVol);
  ASSERT_TRUE(info.ok()) << info.error().describe();
  EXPECT_EQ(info->capacity, 48u << 20);
  // physical: the qcow2 file's own size, read from the resolved path (a
  // fresh image holds only metadata).
  EXPECT_LT(info->physical, 8u << 20);
  EXPECT_GT(info->physical, 0u);
  std::string xml = conf::formatDomainXml(*live);
  EXPECT_NE(xml.find("<source pool='images' volume='data.qcow2'/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find(image), std::string::npos) << "the resolved path leaked into the XML";
  ASSERT_TRUE((*inst)->destroy({}).ok());
}
