// The host side of virtual networks as text: dnsmasq's files and the
// nftables script per network (golden data in tests/data/netruntime:
// NAME.xml in -> NAME.dnsmasq and NAME.nft out; STRATUS_REGENERATE=1
// rewrites them, a stale output file fails), dnsmasq's lease file, and the
// Open vSwitch helpers that need no running Open vSwitch
// (tests/e2e/networks_ovs.sh runs one).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "conf/network_def.h"
#include "network/dnsmasq_config.h"
#include "network/dnsmasq_leases.h"
#include "network/firewall_rules.h"
#include "network/ovs.h"

using namespace stratus;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = STRATUS_NETRUNTIME_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool regenerate() { return std::getenv("STRATUS_REGENERATE") != nullptr; }

void check(const fs::path& expected, const std::string& actual, std::set<fs::path>& used) {
  used.insert(expected);
  if (regenerate()) {
    std::ofstream(expected) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected << " missing (STRATUS_REGENERATE=1 writes it)";
  EXPECT_EQ(slurp(expected), actual) << expected;
}

}  // namespace

TEST(NetworkRuntimeGolden, DnsmasqAndFirewallPerNetwork) {
  std::set<fs::path> used;
  int cases = 0;
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".xml") continue;
    ++cases;
    used.insert(e.path());
    auto parsed = conf::parseNetworkXml(slurp(e.path()), e.path().filename().string());
    ASSERT_TRUE(parsed) << parsed.error().describe();
    const auto& def = parsed->def;
    auto stem = e.path().parent_path() / e.path().stem();
    auto paths = network::DnsmasqPaths::under("/run/stratus/network", def.name);
    std::string dns = "# needs dnsmasq: " + std::string(network::needsDnsmasq(def) ? "yes" : "no") + "\n";
    auto files = network::buildDnsmasqFiles(def, def.bridge.name, paths);
    dns += files.conf + "# --- dhcp-hostsfile\n" + files.hostsFile + "# --- addn-hosts\n" + files.addnHosts;
    check(stem.string() + ".dnsmasq", dns, used);
    std::string nft = "# forwarding: " + std::string(network::needsIpForwarding(def) ? "on" : "off") + "\n" +
                      network::buildFirewallScript(def, def.bridge.name);
    check(stem.string() + ".nft", nft, used);
  }
  EXPECT_GE(cases, 5);
  for (const auto& e : fs::directory_iterator(kDir))
    EXPECT_TRUE(used.count(e.path())) << e.path() << " is not used by any case";
}

TEST(DnsmasqLeases, ParsesV4AndV6AndSkipsJunk) {
  auto leases = network::parseDnsmasqLeases(
      "1700000000 52:54:00:aa:bb:cc 192.168.122.45 guest1 01:52:54:00:aa:bb:cc\n"
      "0 52:54:00:aa:bb:cd 192.168.122.46 * *\n"
      "garbage line\n"
      "notanumber 52:54:00:aa:bb:ce 192.168.122.47 x y\n"
      "duid 00:01:00:01:2c:aa:bb:cc:52:54:00:00:00:01\n"
      "1700000100 12345 2001:db8::10 guest6 00:04:aa\n");
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(leases[0].expiry, 1700000000);
  EXPECT_EQ(leases[0].mac, "52:54:00:aa:bb:cc");
  EXPECT_EQ(leases[0].hostname, "guest1");
  EXPECT_EQ(leases[0].clientId, "01:52:54:00:aa:bb:cc");
  EXPECT_EQ(leases[1].expiry, 0);
  EXPECT_EQ(leases[1].hostname, "");
  EXPECT_TRUE(leases[2].v6);
  EXPECT_EQ(leases[2].ip, "2001:db8::10");
  EXPECT_EQ(leases[2].mac, "");
}

TEST(FirewallRules, RemoveScriptOnlyTouchesTheNetworksChains) {
  std::string s = network::buildFirewallRemoveScript("virbr7");
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_TRUE(line.find("inet stratus") != std::string::npos) << line;
    EXPECT_EQ(line.find("flush ruleset"), std::string::npos);
    if (line.rfind("delete", 0) == 0) EXPECT_NE(line.find("_virbr7"), std::string::npos) << line;
  }
}

TEST(Ovs, InterfaceIdIsTheGivenOneElseANewOneRecordedInTheXml) {
  conf::XmlElement given("virtualport");
  given.set("type", "openvswitch");
  given.add("parameters").set("interfaceid", "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f");
  const conf::XmlElement before = given;
  EXPECT_EQ(network::ovsInterfaceId(given), "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f");
  EXPECT_EQ(given, before);

  conf::XmlElement bare("virtualport");
  bare.set("type", "openvswitch");
  std::string id = network::ovsInterfaceId(bare);
  EXPECT_EQ(id.size(), 36u) << id;
  ASSERT_NE(bare.child("parameters"), nullptr);
  EXPECT_EQ(*bare.child("parameters")->attr("interfaceid"), id);
  EXPECT_EQ(network::ovsInterfaceId(bare), id);  // recorded: asked again, the same
  EXPECT_EQ(bare.children.size(), 1u);

  // <parameters profileid='x'/> without an interfaceid: the id joins it.
  conf::XmlElement profile("virtualport");
  profile.add("parameters").set("profileid", "sales");
  id = network::ovsInterfaceId(profile);
  ASSERT_EQ(profile.children.size(), 1u);
  EXPECT_EQ(*profile.children[0].attr("profileid"), "sales");
  EXPECT_EQ(*profile.children[0].attr("interfaceid"), id);
  EXPECT_NE(conf::XmlElement("virtualport"), profile);
}

TEST(Ovs, VsctlFailuresSayWhatIsMissing) {
  auto notRunning = network::explainOvsVsctlFailure(
      "ovs-vsctl failed (exit code 1): ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed "
      "(No such file or directory)");
  EXPECT_EQ(notRunning.rfind("Open vSwitch is not running (", 0), 0u) << notRunning;
  EXPECT_NE(notRunning.find("unix:/var/run/openvswitch/db.sock"), std::string::npos) << notRunning;
  EXPECT_NE(notRunning.find("OVS_RUNDIR"), std::string::npos) << notRunning;

  auto noVswitchd = network::explainOvsVsctlFailure("ovs-vsctl failed (killed by signal 14 (Alarm clock)): ");
  EXPECT_NE(noVswitchd.find("is ovs-vswitchd running?"), std::string::npos) << noVswitchd;

  const std::string other = "ovs-vsctl failed (exit code 1): ovs-vsctl: no bridge named nosuch";
  EXPECT_EQ(network::explainOvsVsctlFailure(other), other);
}
