// daemon::Node's device verbs with the simulated driver: which definitions
// --live / --config / --current change, what is persisted, network ports of
// hot-plugged NICs, and the errors (nothing changes when one part fails).
#include <gtest/gtest.h>

#include <filesystem>

#include "daemon/node.h"
#include "drivers/test/test_driver.h"

using namespace stratus;
using namespace stratus::daemon;
namespace fs = std::filesystem;

namespace {

class TempRoot {
 public:
  TempRoot() : path_(fs::temp_directory_path() / ("stratus-nodedev-" + Uuid::generate().str())) {
    fs::create_directories(path_);
  }
  ~TempRoot() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

std::unique_ptr<Node> openNode(const std::string& root) {
  NodeConfig cfg;
  cfg.root = root;
  cfg.runAutostart = false;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().describe());
  return std::move(n).value();
}

const char* kDomain =
    "<domain type='test'><name>vm</name><memory unit='MiB'>64</memory><vcpu current='1'>2</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='file' device='disk'><source file='/vm.img'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>"
    "</devices></domain>";
const char* kVdb = "<disk type='file'><source file='/data.img'/><target dev='vdb'/></disk>";

ModifyScope scope(bool live, bool config) {
  ModifyScope s;
  s.live = live;
  s.config = config;
  return s;
}

std::string xml(Node& n, bool inactive) {
  XmlOptions o;
  o.inactive = inactive;
  auto x = n.domainXml("vm", o);
  EXPECT_TRUE(x.ok());
  return x.ok() ? *x : "";
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

class NodeDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    node = openNode(root.str());
    ASSERT_TRUE(node->defineDomain(kDomain, "vm.xml").ok());
  }
  void start() { ASSERT_TRUE(node->startDomain("vm", {}).ok()); }
  TempRoot root;
  std::unique_ptr<Node> node;
};

}  // namespace

TEST_F(NodeDevices, ConfigAttachOfAnInactiveDomainIsPersisted) {
  ASSERT_TRUE(node->attachDevice("vm", kVdb, "vdb.xml", {}).ok());  // --current: the config
  EXPECT_TRUE(has(xml(*node, true), "<target dev='vdb' bus='virtio'/>"));
  node.reset();
  node = openNode(root.str());
  EXPECT_TRUE(has(xml(*node, true), "dev='vdb'"));
  ASSERT_TRUE(node->detachDevice("vm", "<disk><target dev='vdb'/></disk>", "x", {}).ok());
  EXPECT_FALSE(has(xml(*node, true), "dev='vdb'"));
}

TEST_F(NodeDevices, LiveConfigAndCurrentOnARunningDomain) {
  start();
  ASSERT_TRUE(node->attachDevice("vm", kVdb, "vdb.xml", {}).ok());  // --current: live
  EXPECT_TRUE(has(xml(*node, false), "dev='vdb'"));
  EXPECT_FALSE(has(xml(*node, true), "dev='vdb'"));
  const char* vdc = "<disk type='file'><source file='/c.img'/><target dev='vdc'/></disk>";
  ASSERT_TRUE(node->attachDevice("vm", vdc, "vdc.xml", scope(false, true)).ok());
  EXPECT_FALSE(has(xml(*node, false), "dev='vdc'"));
  EXPECT_TRUE(has(xml(*node, true), "dev='vdc'"));
  const char* vdd = "<disk type='file'><source file='/d.img'/><target dev='vdd'/></disk>";
  ASSERT_TRUE(node->attachDevice("vm", vdd, "vdd.xml", scope(true, true)).ok());
  EXPECT_TRUE(has(xml(*node, false), "dev='vdd'"));
  EXPECT_TRUE(has(xml(*node, true), "dev='vdd'"));
  ASSERT_TRUE(node->detachDevice("vm", vdd, "vdd.xml", scope(true, false)).ok());
  EXPECT_FALSE(has(xml(*node, false), "dev='vdd'"));
  EXPECT_TRUE(has(xml(*node, true), "dev='vdd'"));
  // the config keeps what the guest stops with
  ASSERT_TRUE(node->destroyDomain("vm", {}).ok());
  EXPECT_TRUE(has(xml(*node, false), "dev='vdd'"));
  EXPECT_FALSE(has(xml(*node, false), "dev='vdb'"));
}

TEST_F(NodeDevices, AFailedPartChangesNothing) {
  start();
  ASSERT_TRUE(node->attachDevice("vm", kVdb, "vdb.xml", scope(true, false)).ok());
  // live already has vdb, config does not: --live --config fails and config stays as it was
  auto r = node->attachDevice("vm", kVdb, "vdb.xml", scope(true, true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Requested operation is not valid: target vdb already exists");
  EXPECT_FALSE(has(xml(*node, true), "dev='vdb'"));
  auto sound = node->attachDevice("vm", "<sound model='ich6'/>", "s.xml", scope(true, true));
  ASSERT_FALSE(sound.ok());
  EXPECT_EQ(sound.error().message, "Operation not supported: live attach of device 'sound' is not supported");
  EXPECT_FALSE(has(xml(*node, true), "<sound"));
  ASSERT_TRUE(node->attachDevice("vm", "<sound model='ich6'/>", "s.xml", scope(false, true)).ok());
  EXPECT_TRUE(has(xml(*node, true), "<sound model='ich6'/>"));
}

TEST_F(NodeDevices, ScopeErrors) {
  auto live = node->attachDevice("vm", kVdb, "vdb.xml", scope(true, false));
  EXPECT_EQ(live.error().message, "Requested operation is not valid: domain is not running");
  auto missing = node->detachDevice("vm", "<disk><target dev='vdq'/></disk>", "x", {});
  EXPECT_EQ(missing.error().code, ErrorCode::DeviceMissing);
  auto bad = node->attachDevice("vm", "<disk><target dev='vdb'", "bad.xml", {});
  EXPECT_EQ(bad.error().code, ErrorCode::XmlSyntax);
  auto nodom = node->attachDevice("nosuch", kVdb, "vdb.xml", {});
  EXPECT_EQ(nodom.error().code, ErrorCode::NoDomain);
  std::string transientXml = kDomain;
  transientXml.replace(transientXml.find(">vm<"), 4, ">tr<");
  ASSERT_TRUE(node->createDomain(transientXml, "tr.xml", {}).ok());
  auto transient = node->attachDevice("tr", kVdb, "vdb.xml", scope(false, true));
  EXPECT_EQ(transient.error().message,
            "Requested operation is not valid: cannot change persistent config of a transient domain");
}

TEST_F(NodeDevices, UpdateChangesTheCdromsMediumLiveOrPersistently) {
  start();
  const char* media = "<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>";
  ASSERT_TRUE(node->updateDevice("vm", media, "m.xml", {}, false).ok());
  EXPECT_TRUE(has(xml(*node, false), "<source file='/a.iso'/>"));
  EXPECT_FALSE(has(xml(*node, true), "/a.iso"));
  ASSERT_TRUE(node->updateDevice("vm", media, "m.xml", scope(false, true), false).ok());
  EXPECT_TRUE(has(xml(*node, true), "<source file='/a.iso'/>"));
  // a plain disk's source cannot change under a running guest
  auto frozen = node->updateDevice("vm", "<disk type='file'><source file='/other.img'/><target dev='vda'/></disk>",
                                   "d.xml", {}, false);
  ASSERT_FALSE(frozen.ok());
  EXPECT_EQ(frozen.error().message,
            "Operation not supported: cannot modify field 'source' of disk 'vda' of a running domain");
}

TEST_F(NodeDevices, HotPluggedNicsHoldANetworkPort) {
  ASSERT_TRUE(node->startNetwork("default").ok());
  start();
  const char* nic = "<interface type='network'><mac address='52:54:00:00:00:aa'/><source network='default'/></interface>";
  ASSERT_TRUE(node->attachDevice("vm", nic, "n.xml", {}).ok());
  auto ports = node->listNetworkPorts("default");
  ASSERT_TRUE(ports.ok());
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].mac, "52:54:00:00:00:aa");
  auto dup = node->attachDevice("vm", nic, "n.xml", {});
  EXPECT_EQ(dup.error().message, "invalid argument: mac 52:54:00:00:00:aa already exists");
  ASSERT_TRUE(node->detachDevice("vm", "<interface type='network'><mac address='52:54:00:00:00:AA'/></interface>", "n", {}).ok());
  EXPECT_TRUE(node->listNetworkPorts("default")->empty());
  auto inactiveNet = node->attachDevice(
      "vm", "<interface type='network'><source network='nosuch'/></interface>", "n.xml", {});
  EXPECT_EQ(inactiveNet.error().code, ErrorCode::NoNetwork);
}

TEST_F(NodeDevices, BlockResizeNeedsARunningDomainAndAKnownDisk) {
  EXPECT_EQ(node->blockResize("vm", "vda", 1 << 30).error().message,
            "Requested operation is not valid: domain is not running");
  start();
  EXPECT_TRUE(node->blockResize("vm", "vda", 1 << 30).ok());
  EXPECT_TRUE(node->blockResize("vm", "/vm.img", 1 << 30).ok());
  EXPECT_EQ(node->blockResize("vm", "vdz", 1 << 30).error().message,
            "invalid argument: disk 'vdz' was not found in the domain config");
}

TEST_F(NodeDevices, SetVcpusSpeaksLikeLibvirtsTestDriver) {
  start();
  auto r = node->setVcpus("vm", 3, {}, false);
  EXPECT_EQ(r.error().message, "invalid argument: requested cpu amount exceeds maximum (3 > 2)");
  ASSERT_TRUE(node->setVcpus("vm", 2, {}, false).ok());
  EXPECT_TRUE(has(xml(*node, false), "<vcpu placement='static'>2</vcpu>"));
  EXPECT_TRUE(has(xml(*node, true), "current='1'"));
}
