// daemon::Node's virtual networks with the simulated network backend:
// registry rules, persistence, the default network, transient networks,
// net-update scopes, and domains plugging into networks.
#include <gtest/gtest.h>

#include "temp_root.h"

#include <filesystem>

#include "daemon/node.h"
#include "daemon/test_node.h"
#include "drivers/test/test_driver.h"
#include "network/simulated_network_backend.h"

using namespace stratus;
using namespace stratus::daemon;
using stratus::testing::TempRoot;
namespace fs = std::filesystem;

namespace {


std::unique_ptr<Node> openNode(const std::string& root) {
  NodeConfig cfg;
  cfg.root = root;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().describe());
  return std::move(n).value();
}

std::string netXml(const std::string& name, const std::string& bridge = "", const std::string& subnet = "10.9.0") {
  std::string x = "<network><name>" + name + "</name>";
  if (!bridge.empty()) x += "<bridge name='" + bridge + "'/>";
  x += "<ip address='" + subnet + ".1' netmask='255.255.255.0'><dhcp><range start='" + subnet + ".10' end='" +
       subnet + ".20'/></dhcp></ip></network>";
  return x;
}

std::string domWithNic(const std::string& name, const std::string& network) {
  return "<domain type='test'><name>" + name +
         "</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><devices>"
         "<interface type='network'><mac address='52:54:00:11:22:33'/><source network='" +
         network + "'/></interface></devices></domain>";
}

}  // namespace

TEST(NodeNetworks, FirstStartDefinesInactiveDefaultNetworkOnce) {
  TempRoot root;
  {
    auto n = openNode(root.str());
    auto nets = n->listNetworks();
    ASSERT_TRUE(nets);
    ASSERT_EQ(nets->size(), 1u);
    EXPECT_EQ((*nets)[0].name, "default");
    EXPECT_FALSE((*nets)[0].active);
    EXPECT_FALSE((*nets)[0].autostart);
    EXPECT_EQ((*nets)[0].bridge, "virbr0");
    ASSERT_TRUE(n->undefineNetwork("default"));
  }
  // Not the first start any more: an undefined default network stays gone.
  auto n = openNode(root.str());
  EXPECT_TRUE(n->listNetworks()->empty());
}

TEST(NodeNetworks, DefinePersistsAndAssignsFreeBridgeNames) {
  TempRoot root;
  {
    auto n = openNode(root.str());
    auto a = n->defineNetwork(netXml("a"), "a.xml");
    ASSERT_TRUE(a) << a.error().describe();
    EXPECT_EQ(a->network.bridge, "virbr1");  // virbr0 belongs to default
    auto b = n->defineNetwork(netXml("b", "", "10.9.1"), "b.xml");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->network.bridge, "virbr2");
    auto dup = n->defineNetwork(netXml("c", "virbr1", "10.9.2"), "c.xml");
    ASSERT_FALSE(dup);
    EXPECT_NE(dup.error().message.find("virbr1"), std::string::npos) << dup.error().message;
    ASSERT_TRUE(n->setNetworkAutostart("a", true));
  }
  EXPECT_TRUE(fs::exists(root.str() + "/etc/stratus/qemu/networks/a.xml"));
  EXPECT_TRUE(fs::is_symlink(root.str() + "/etc/stratus/qemu/networks/autostart/a.xml"));
  NodeConfig cfg;
  cfg.root = root.str();
  cfg.runAutostart = false;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  ASSERT_TRUE(n);
  auto a = (*n)->lookupNetwork("a");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->autostart);
  EXPECT_EQ(a->bridge, "virbr1");
  auto xml = (*n)->networkXml("a", {});
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("<bridge name='virbr1'"), std::string::npos) << *xml;
}

TEST(NodeNetworks, StateRulesAndTransientNetworks) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineNetwork(netXml("a"), "a.xml"));
  auto st = n->destroyNetwork("a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "Requested operation is not valid: network is not active");
  ASSERT_TRUE(n->startNetwork("a"));
  st = n->startNetwork("a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::OperationInvalid);
  EXPECT_TRUE(fs::exists(root.str() + "/run/stratus/network/a.xml"));
  // Undefining a running network makes it transient; destroying it then removes it.
  ASSERT_TRUE(n->undefineNetwork("a"));
  auto a = n->lookupNetwork("a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->persistent);
  EXPECT_TRUE(a->active);
  ASSERT_TRUE(n->destroyNetwork("a"));
  EXPECT_EQ(n->lookupNetwork("a").error().code, ErrorCode::NoNetwork);
  EXPECT_FALSE(fs::exists(root.str() + "/run/stratus/network/a.xml"));
  // net-create: transient and running at once.
  auto c = n->createNetwork(netXml("t", "", "10.9.5"), "t.xml");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_TRUE(c->network.active);
  EXPECT_FALSE(c->network.persistent);
  EXPECT_FALSE(n->setNetworkAutostart("t", true));
  EXPECT_FALSE(n->undefineNetwork("t"));
}

TEST(NodeNetworks, BadXmlStoresNothing) {
  TempRoot root;
  auto n = openNode(root.str());
  auto r = n->defineNetwork("<network><name>bad</name><ip address='10.0.0.300' prefix='24'/></network>", "bad.xml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.value_or(ErrorLocation{}).file, "bad.xml");
  EXPECT_FALSE(fs::exists(root.str() + "/etc/stratus/qemu/networks/bad.xml"));
  EXPECT_EQ(n->lookupNetwork("bad").error().code, ErrorCode::NoNetwork);
}

TEST(NodeNetworks, UpdateScopes) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineNetwork(netXml("a"), "a.xml"));
  NetworkUpdate u{"add", "ip-dhcp-host", "<host mac='52:54:00:00:00:07' ip='10.9.0.7'/>", -1};
  auto live = n->updateNetwork("a", u, ModifyScope{true, false});
  ASSERT_FALSE(live);  // not running
  ASSERT_TRUE(n->updateNetwork("a", u, {}));  // --current on an inactive network: config
  ASSERT_TRUE(n->startNetwork("a"));
  NetworkUpdate u2{"add", "ip-dhcp-host", "<host mac='52:54:00:00:00:08' ip='10.9.0.8'/>", -1};
  ASSERT_TRUE(n->updateNetwork("a", u2, ModifyScope{true, false}));
  auto liveXml = n->networkXml("a", {});
  auto cfgXml = n->networkXml("a", NetworkXmlOptions{true});
  EXPECT_NE(liveXml->find("52:54:00:00:00:08"), std::string::npos);
  EXPECT_EQ(cfgXml->find("52:54:00:00:00:08"), std::string::npos);
  EXPECT_NE(cfgXml->find("52:54:00:00:00:07"), std::string::npos);
  // A duplicate is refused and changes nothing.
  EXPECT_FALSE(n->updateNetwork("a", u2, ModifyScope{true, true}));
  EXPECT_EQ(n->networkXml("a", NetworkXmlOptions{true})->find("52:54:00:00:00:08"), std::string::npos);
}

TEST(NodeNetworks, DomainsNeedAnActiveNetworkAndHoldPorts) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineNetwork(netXml("a"), "a.xml"));
  ASSERT_TRUE(n->defineDomain(domWithNic("vm", "a"), "vm.xml"));
  auto st = n->startDomain("vm", {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "Requested operation is not valid: network 'a' is not active");
  ASSERT_TRUE(n->defineDomain(domWithNic("vm2", "nosuch"), "vm2.xml"));
  st = n->startDomain("vm2", {});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::NoNetwork);

  ASSERT_TRUE(n->startNetwork("a"));
  ASSERT_TRUE(n->startDomain("vm", {}));
  auto ports = n->listNetworkPorts("a");
  ASSERT_TRUE(ports);
  ASSERT_EQ(ports->size(), 1u);
  EXPECT_EQ((*ports)[0].ownerName, "vm");
  EXPECT_EQ((*ports)[0].mac, "52:54:00:11:22:33");
  // As libvirt's test driver: no connections='N' on simulated networks.
  EXPECT_EQ(n->networkXml("a", {})->find("connections="), std::string::npos);
  // Simulated networks have no bridges: the guest's XML names only the
  // network, as libvirt's test driver shows it (real ones: tests/e2e/networks.sh).
  EXPECT_EQ(n->domainXml("vm", {})->find("bridge="), std::string::npos) << *n->domainXml("vm", {});
  ASSERT_TRUE(n->destroyDomain("vm", {}));
  EXPECT_TRUE(n->listNetworkPorts("a")->empty());
}

TEST(NodeNetworks, TestDefaultHasActiveDefaultNetwork) {
  auto n = openTestNode("test:///default");
  ASSERT_TRUE(n);
  auto d = (*n)->lookupNetwork("default");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->active);
  EXPECT_EQ(d->uuid, "dd8fe884-6c02-601e-7551-cca97df1c5df");
  EXPECT_EQ((*n)->listNetworkPorts("default")->size(), 1u);  // domain 'test' is plugged in
}
