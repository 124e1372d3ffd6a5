// Unit tests for the network XML model: address helpers, defaults, error
// locations, format options, net-update semantics (every command and
// section, and the unchanged-on-error rule), and a little fuzzing.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "conf/network_def.h"
#include "conf/network_update.h"

using namespace stratus;
using namespace stratus::conf;

namespace {

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A NAT network with IPv4 + IPv6 DHCP, DNS records, portgroups.
const char* kBase = R"(<network>
  <name>lab</name>
  <uuid>8192a3b4-c5d6-4172-b384-afb0c1d2e3f4</uuid>
  <forward mode='nat'/>
  <bridge name='virbr50'/>
  <mac address='52:54:00:50:50:50'/>
  <dns>
    <host ip='192.168.50.2'><hostname>gw</hostname></host>
    <srv service='ldap' protocol='tcp' target='ldap.lab' port='389'/>
    <txt name='info' value='lab network'/>
  </dns>
  <ip address='192.168.50.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.50.128' end='192.168.50.254'/>
      <host mac='52:54:00:00:00:01' name='one' ip='192.168.50.10'/>
      <host mac='52:54:00:00:00:02' name='two' ip='192.168.50.11'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='2001:db8:50::1' prefix='64'/>
  <portgroup name='eng' default='yes'/>
  <portgroup name='ops'/>
</network>
)";

NetworkDef base() {
  auto r = parseNetworkXml(kBase, "base.xml");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return r.ok() ? r->def : NetworkDef{};
}

Status update(NetworkDef& def, std::string_view cmd, std::string_view section, std::string_view xml, int parent = -1) {
  return applyNetworkUpdate(def, cmd, section, xml, parent, "<update>");
}

// The update fails with `code` and a message containing `part`, and leaves
// the definition exactly as it was.
void expectRefused(std::string_view cmd, std::string_view section, std::string_view xml, ErrorCode code,
                   const std::string& part, int parent = -1) {
  NetworkDef def = base();
  const std::string before = formatNetworkXml(def);
  auto st = update(def, cmd, section, xml, parent);
  ASSERT_FALSE(st.ok()) << cmd << " " << section << " " << xml;
  EXPECT_EQ(st.error().code, code) << st.error().describe();
  EXPECT_TRUE(contains(st.error().message, part)) << st.error().message;
  EXPECT_EQ(formatNetworkXml(def), before) << "a failed update changed the network";
}

// ---------------------------------------------------------------- helpers

TEST(NetAddress, Ipv4) {
  EXPECT_EQ(parseIpv4("192.168.122.1"), 0xc0a87a01u);
  EXPECT_EQ(parseIpv4("0.0.0.0"), 0u);
  EXPECT_EQ(parseIpv4("255.255.255.255"), 0xffffffffu);
  EXPECT_FALSE(parseIpv4("256.1.1.1"));
  EXPECT_FALSE(parseIpv4("1.2.3"));
  EXPECT_FALSE(parseIpv4("1.2.3.4.5"));
  EXPECT_FALSE(parseIpv4(" 1.2.3.4"));
  EXPECT_FALSE(parseIpv4("1.2.3.4 "));
  EXPECT_FALSE(parseIpv4(""));
  EXPECT_FALSE(parseIpv4("::1"));
  EXPECT_FALSE(parseIpv4(std::string_view("1.2.3.4\0junk", 12)));
  EXPECT_EQ(formatIpv4(0xc0a87a01u), "192.168.122.1");
  EXPECT_EQ(formatIpv4(0), "0.0.0.0");
  for (std::uint32_t a : {0u, 1u, 0x7f000001u, 0xdeadbeefu, 0xffffffffu}) EXPECT_EQ(parseIpv4(formatIpv4(a)), a);
}

TEST(NetAddress, Netmasks) {
  EXPECT_EQ(netmaskToPrefix("255.255.255.0"), 24u);
  EXPECT_EQ(netmaskToPrefix("255.255.255.255"), 32u);
  EXPECT_EQ(netmaskToPrefix("0.0.0.0"), 0u);
  EXPECT_EQ(netmaskToPrefix("255.255.128.0"), 17u);
  EXPECT_EQ(netmaskToPrefix("255.255.255.254"), 31u);
  EXPECT_FALSE(netmaskToPrefix("255.0.255.0"));
  EXPECT_FALSE(netmaskToPrefix("0.255.255.255"));
  EXPECT_FALSE(netmaskToPrefix("255.255.255.1"));
  EXPECT_FALSE(netmaskToPrefix("ffff::"));
  EXPECT_FALSE(netmaskToPrefix("junk"));
  for (unsigned p = 0; p <= 32; ++p) EXPECT_EQ(netmaskToPrefix(prefixToNetmask(p)), p);
  EXPECT_EQ(prefixToNetmask(24), "255.255.255.0");
  EXPECT_EQ(prefixToNetmask(0), "0.0.0.0");
  EXPECT_EQ(prefixToNetmask(33), "");
}

TEST(NetAddress, Ipv6) {
  EXPECT_TRUE(isIpv6("::1"));
  EXPECT_TRUE(isIpv6("2001:db8::1"));
  EXPECT_TRUE(isIpv6("FD00:0DB8:0000:0000:0000:0000:0000:0001"));
  EXPECT_TRUE(isIpv6("::ffff:192.168.1.1"));
  EXPECT_FALSE(isIpv6("192.168.1.1"));
  EXPECT_FALSE(isIpv6("2001:db8:::1"));
  EXPECT_FALSE(isIpv6("2001:db8::g"));
  EXPECT_FALSE(isIpv6(""));
}

TEST(NetAddress, PrefixLength) {
  NetIp ip;
  ip.address = "192.168.1.1";
  ip.netmask = "255.255.255.128";
  EXPECT_EQ(ip.prefixLength(), 25u);
  ip.netmask.clear();
  ip.prefix = 20;
  EXPECT_EQ(ip.prefixLength(), 20u);
  ip.prefix.reset();
  EXPECT_EQ(ip.prefixLength(), 24u);  // class C
  ip.address = "172.16.0.1";
  EXPECT_EQ(ip.prefixLength(), 16u);  // class B
  ip.address = "10.0.0.1";
  EXPECT_EQ(ip.prefixLength(), 8u);  // class A
  ip.address = "224.0.0.1";
  EXPECT_EQ(ip.prefixLength(), 0u);  // multicast: no natural prefix
  ip.family = "ipv6";
  ip.address = "2001:db8::1";
  EXPECT_EQ(ip.prefixLength(), 64u);
}

TEST(NetModel, ModeNamesAndQueries) {
  EXPECT_EQ(forwardModeName(ForwardMode::None), "");
  EXPECT_EQ(forwardModeName(ForwardMode::Nat), "nat");
  EXPECT_EQ(forwardModeName(ForwardMode::Route), "route");
  EXPECT_EQ(forwardModeName(ForwardMode::Open), "open");
  EXPECT_EQ(forwardModeName(ForwardMode::Bridge), "bridge");
  EXPECT_EQ(forwardModeName(ForwardMode::Private), "private");
  EXPECT_EQ(forwardModeName(ForwardMode::Vepa), "vepa");
  EXPECT_EQ(forwardModeName(ForwardMode::Passthrough), "passthrough");
  EXPECT_EQ(forwardModeName(ForwardMode::Hostdev), "hostdev");

  NetworkDef def = base();
  ASSERT_NE(def.ipv4(), nullptr);
  EXPECT_EQ(def.ipv4()->address, "192.168.50.1");
  ASSERT_NE(def.ipv6(), nullptr);
  EXPECT_EQ(def.ipv6()->address, "2001:db8:50::1");
  EXPECT_TRUE(def.needsBridge());
  for (auto m : {ForwardMode::None, ForwardMode::Route, ForwardMode::Open}) {
    def.forward.mode = m;
    EXPECT_TRUE(def.needsBridge());
  }
  for (auto m : {ForwardMode::Bridge, ForwardMode::Private, ForwardMode::Vepa, ForwardMode::Passthrough,
                 ForwardMode::Hostdev}) {
    def.forward.mode = m;
    EXPECT_FALSE(def.needsBridge());
  }
  NetworkDef empty;
  EXPECT_EQ(empty.ipv4(), nullptr);
  EXPECT_EQ(empty.ipv6(), nullptr);
}

TEST(NetModel, NameRules) {
  EXPECT_TRUE(validateNetworkName("default").ok());
  EXPECT_TRUE(validateNetworkName("net-1_x.y").ok());
  EXPECT_FALSE(validateNetworkName("").ok());
  EXPECT_FALSE(validateNetworkName(".hidden").ok());
  EXPECT_FALSE(validateNetworkName("a/b").ok());
  EXPECT_FALSE(validateNetworkName("a\nb").ok());
  EXPECT_EQ(validateNetworkName("a/b").error().message, "network name must not contain '/'");
}

// ---------------------------------------------------------------- parse / defaults / format

TEST(NetDefaults, GeneratedUuidAndMac) {
  const char* xml = "<network><name>n</name><ip address='10.0.0.1' prefix='24'/></network>";
  auto a = parseNetworkXml(xml, "a.xml");
  auto b = parseNetworkXml(xml, "b.xml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->def.uuid.isNull());
  EXPECT_NE(a->def.uuid, b->def.uuid);
  EXPECT_TRUE(std::regex_match(a->def.mac, std::regex("52:54:00(:[0-9a-f]{2}){3}"))) << a->def.mac;
  EXPECT_EQ(a->def.bridge.name, "virbr%d");
  EXPECT_EQ(a->def.bridge.stp, true);
  EXPECT_EQ(a->def.bridge.delay, 0u);
}

TEST(NetDefaults, OnlyForModesThatOwnTheBridge) {
  for (const char* mode : {"nat", "route", "open"}) {
    auto r = parseNetworkXml(std::string("<network><name>n</name><forward mode='") + mode +
                                 "'/><ip address='10.0.0.1' prefix='24'/></network>",
                             "m.xml");
    ASSERT_TRUE(r.ok()) << mode << ": " << r.error().describe();
    EXPECT_FALSE(r->def.mac.empty()) << mode;
    EXPECT_EQ(r->def.bridge.name, "virbr%d") << mode;
  }
  auto br = parseNetworkXml("<network><name>n</name><forward mode='bridge'/><bridge name='br0'/></network>", "b.xml");
  ASSERT_TRUE(br.ok()) << br.error().describe();
  EXPECT_TRUE(br->def.mac.empty());
  EXPECT_FALSE(br->def.bridge.stp);
  EXPECT_FALSE(br->def.bridge.delay);
  EXPECT_EQ(formatNetworkXml(br->def).find("stp"), std::string::npos);

  // What the user wrote wins over the defaults.
  auto off = parseNetworkXml("<network><name>n</name><bridge name='virbr9' stp='off' delay='3'/>"
                             "<mac address='52:54:00:AA:BB:CC'/></network>",
                             "o.xml");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->def.bridge.stp, false);
  EXPECT_EQ(off->def.bridge.delay, 3u);
  EXPECT_EQ(off->def.mac, "52:54:00:aa:bb:cc");
}

TEST(NetDefaults, ForwardDevAndPoolAgree) {
  auto a = parseNetworkXml("<network><name>n</name><forward mode='nat' dev='eth0'/>"
                           "<ip address='10.0.0.1' prefix='24'/></network>",
                           "a.xml");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->def.forward.interfaces, std::vector<std::string>{"eth0"});
  auto b = parseNetworkXml("<network><name>n</name><forward mode='vepa'><interface dev='eth3'/>"
                           "<interface dev='eth4'/></forward></network>",
                           "b.xml");
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_EQ(b->def.forward.dev, "eth3");
}

TEST(NetParse, CanonicalAddresses) {
  auto r = parseNetworkXml("<network><name>n</name><ip family='ipv6' address='2001:DB8:0:0::0001' prefix='64'>"
                           "<dhcp><range start='2001:db8::0:10' end='2001:0db8::ff'/></dhcp></ip></network>",
                           "c.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->def.ips[0].address, "2001:db8::1");
  EXPECT_EQ(r->def.ips[0].ranges[0].start, "2001:db8::10");
  EXPECT_EQ(r->def.ips[0].ranges[0].end, "2001:db8::ff");
}

TEST(NetParse, ErrorLocations) {
  // parse stage
  auto r = parseNetworkXml("<network>\n<name>n</name>\n<ip address='10.0.0.1'\n prefix='x'/>\n</network>", "p.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlInvalid);
  EXPECT_EQ(r.error().where->file, "p.xml");
  EXPECT_EQ(r.error().where->line, 3);
  EXPECT_EQ(r.error().where->field, "network/ip/@prefix");
  // validate stage names the element's line too
  r = parseNetworkXml("<network>\n<name>n</name>\n<ip address='10.0.0.1' prefix='24'>\n<dhcp>\n"
                      "<range start='10.0.0.5' end='10.0.0.9'/>\n<range start='10.0.1.5' end='10.0.1.9'/>\n"
                      "</dhcp>\n</ip>\n</network>",
                      "v.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where->line, 6);
  EXPECT_EQ(r.error().where->field, "network/ip/dhcp/range");
  // syntax errors
  r = parseNetworkXml("<network>\n<name>n</name>\n<bridge name='a'>\n</network>", "s.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlSyntax);
  EXPECT_EQ(r.error().describe(), "s.xml:4: element <bridge> opened at line 3 is not closed (found </network>)");
}

TEST(NetParse, WarningsForUnknownButNotForKnownExtensions) {
  auto r = parseNetworkXml(
      "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>\n"
      "<name>n</name>\n<metadata><x:y xmlns:x='urn:x'/></metadata>\n<bandwidth><inbound average='1'/></bandwidth>\n"
      "<port isolated='yes'/>\n<dnsmasq:options><dnsmasq:option value='a=b'/></dnsmasq:options>\n<bogus/>\n"
      "</network>",
      "w.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0].where.line, 7);
  EXPECT_EQ(r->warnings[0].message, "unknown element <bogus> in network kept verbatim");
  std::string out = formatNetworkXml(r->def);
  EXPECT_TRUE(contains(out, "<bandwidth>")) << out;
  EXPECT_TRUE(contains(out, "<port isolated='yes'/>")) << out;
  EXPECT_TRUE(contains(out, "<bogus/>")) << out;
  EXPECT_LT(out.find("<bandwidth>"), out.find("<ip")) << out;
}

TEST(NetFormat, ConnectionsAndInactive) {
  NetworkDef def = base();
  NetworkFormatOptions live;
  live.connections = 3;
  EXPECT_TRUE(contains(formatNetworkXml(def, live), "<network connections='3'>"));
  NetworkFormatOptions inactive = live;
  inactive.inactive = true;
  EXPECT_TRUE(contains(formatNetworkXml(def, inactive), "<network>\n"));
  live.connections = 0;
  EXPECT_TRUE(contains(formatNetworkXml(def, live), "<network>\n"));
  // connections in an input is live data: never stored
  auto r = parseNetworkXml("<network connections='9'><name>n</name></network>", "c.xml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_FALSE(contains(formatNetworkXml(r->def), "connections"));
}

TEST(NetFormat, LeaseUnits) {
  NetworkDef def = base();
  def.ips[0].ranges[0].leaseSeconds = 7200;
  def.ips[0].hosts[0].leaseSeconds = 150;
  def.ips[0].hosts[1].leaseSeconds = 0;
  std::string out = formatNetworkXml(def);
  EXPECT_TRUE(contains(out, "<lease expiry='2' unit='hours'/>")) << out;
  EXPECT_TRUE(contains(out, "<lease expiry='150' unit='seconds'/>")) << out;
  EXPECT_TRUE(contains(out, "<lease expiry='0'/>")) << out;
}

// ---------------------------------------------------------------- net-update

TEST(NetUpdate, DhcpHostAddFirstAndLast) {
  NetworkDef def = base();
  ASSERT_TRUE(update(def, "add-last", "ip-dhcp-host", "<host mac='52:54:00:00:00:03' name='three' ip='192.168.50.12'/>").ok());
  ASSERT_TRUE(update(def, "add", "ip-dhcp-host", "<host mac='52:54:00:00:00:04' ip='192.168.50.13'/>").ok());
  auto st = update(def, "add-first", "ip-dhcp-host", "<host mac='52:54:00:00:00:00' name='zero' ip='192.168.50.9'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  const auto& hosts = def.ips[0].hosts;
  ASSERT_EQ(hosts.size(), 5u);
  EXPECT_EQ(hosts[0].name, "zero");
  EXPECT_EQ(hosts[3].name, "three");
  EXPECT_EQ(hosts[4].ip, "192.168.50.13");
}

TEST(NetUpdate, DhcpHostPicksTheIpByAddress) {
  NetworkDef def = base();
  auto st = update(def, "add", "ip-dhcp-host", "<host id='0:3:0:1:0:16:3e:11:22:33' name='v6' ip='2001:db8:50::20'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.ips[0].hosts.size(), 2u);
  ASSERT_EQ(def.ips[1].hosts.size(), 1u);
  EXPECT_TRUE(def.ips[1].hasDhcp);
  EXPECT_TRUE(contains(formatNetworkXml(def), "<host id='0:3:0:1:0:16:3e:11:22:33' name='v6' ip='2001:db8:50::20'/>"));
  // explicit parent index
  st = update(def, "add", "ip-dhcp-host", "<host name='v6b' ip='2001:db8:50::21'/>", 1);
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.ips[1].hosts.size(), 2u);
}

TEST(NetUpdate, DhcpHostDuplicateAndMissing) {
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:01' name='new' ip='192.168.50.20'/>",
                ErrorCode::OperationInvalid,
                "there is an existing dhcp host entry in network 'lab' that matches \"<host mac='52:54:00:00:00:01' "
                "name='new' ip='192.168.50.20'/>\"");
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' name='one' ip='192.168.50.20'/>",
                ErrorCode::OperationInvalid, "there is an existing dhcp host entry");
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' ip='192.168.50.11'/>",
                ErrorCode::OperationInvalid, "there is an existing dhcp host entry");
  expectRefused("delete", "ip-dhcp-host", "<host mac='52:54:00:00:00:09'/>", ErrorCode::OperationInvalid,
                "couldn't locate a matching dhcp host entry in network 'lab'");
  expectRefused("modify", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' ip='192.168.50.30'/>",
                ErrorCode::OperationInvalid,
                "couldn't locate an existing dhcp host entry with \"mac='52:54:00:00:00:09'\" \"name=''\" "
                "\"ip='192.168.50.30'\" in network 'lab'");
}

TEST(NetUpdate, DhcpHostDeleteAndModify) {
  NetworkDef def = base();
  // delete: every attribute given must match; a MAC alone is enough
  expectRefused("delete", "ip-dhcp-host", "<host mac='52:54:00:00:00:01' name='two'/>", ErrorCode::OperationInvalid,
                "couldn't locate");
  auto st = update(def, "delete", "ip-dhcp-host", "<host mac='52:54:00:00:00:01'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.ips[0].hosts.size(), 1u);
  EXPECT_EQ(def.ips[0].hosts[0].name, "two");
  // modify: found by MAC, replaced whole
  st = update(def, "modify", "ip-dhcp-host", "<host mac='52:54:00:00:00:02' name='deux' ip='192.168.50.40'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.ips[0].hosts[0].name, "deux");
  EXPECT_EQ(def.ips[0].hosts[0].ip, "192.168.50.40");
  // delete by name only
  st = update(def, "delete", "ip-dhcp-host", "<host name='deux'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_TRUE(def.ips[0].hosts.empty());
}

TEST(NetUpdate, DhcpHostRefusedByValidation) {
  // outside every subnet: falls back to the <ip> with DHCP, whose subnet refuses it
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' ip='10.9.9.9'/>", ErrorCode::XmlInvalid,
                "is not within network 192.168.50.1/24");
  expectRefused("add", "ip-dhcp-host", "<host name='x' ip='2001:db8:50::9'/>", ErrorCode::OperationInvalid,
                "the address family of a host entry IP must match", 0);
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' ip='192.168.50.99'/>",
                ErrorCode::OperationInvalid, "no <ip> element found at index 5", 5);
  expectRefused("add", "ip-dhcp-host", "<host ip='192.168.50.99'/>", ErrorCode::XmlInvalid,
                "must have mac or name attribute");
  expectRefused("add", "ip-dhcp-host", "<host mac='zz' ip='192.168.50.99'/>", ErrorCode::XmlInvalid,
                "Cannot parse MAC address 'zz' in network 'lab'");
  expectRefused("add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' name='x'/>", ErrorCode::XmlInvalid,
                "Missing IP address in static host definition");
  expectRefused("delete", "ip-dhcp-host", "<host/>", ErrorCode::XmlInvalid, "At least one of name, mac, or ip");
}

TEST(NetUpdate, DhcpRange) {
  NetworkDef def = base();
  auto st = update(def, "add-first", "ip-dhcp-range", "<range start='192.168.50.20' end='192.168.50.30'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.ips[0].ranges.size(), 2u);
  EXPECT_EQ(def.ips[0].ranges[0].start, "192.168.50.20");
  st = update(def, "delete", "ip-dhcp-range", "<range start='192.168.50.128' end='192.168.50.254'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.ips[0].ranges.size(), 1u);
  // an IPv6 range goes to the IPv6 <ip>
  st = update(def, "add", "ip-dhcp-range", "<range start='2001:db8:50::100' end='2001:db8:50::1ff'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.ips[1].ranges.size(), 1u);

  expectRefused("add", "ip-dhcp-range", "<range start='192.168.50.128' end='192.168.50.254'/>",
                ErrorCode::OperationInvalid,
                "there is an existing dhcp range entry in network 'lab' that matches \"<range start='192.168.50.128' "
                "end='192.168.50.254'/>\"");
  expectRefused("delete", "ip-dhcp-range", "<range start='192.168.50.2' end='192.168.50.9'/>",
                ErrorCode::OperationInvalid, "couldn't locate a matching dhcp range entry in network 'lab'");
  expectRefused("modify", "ip-dhcp-range", "<range start='192.168.50.2' end='192.168.50.9'/>",
                ErrorCode::Unsupported, "dhcp ranges cannot be modified, only added or deleted");
  expectRefused("add", "ip-dhcp-range", "<range start='192.168.50.90' end='192.168.50.80'/>", ErrorCode::XmlInvalid,
                "is reversed");
  expectRefused("add", "ip-dhcp-range", "<range start='192.168.50.90' end='192.168.51.80'/>", ErrorCode::XmlInvalid,
                "is not entirely within network");
  expectRefused("add", "ip-dhcp-range", "<range start='192.168.50.90'/>", ErrorCode::XmlInvalid,
                "Missing 'end' attribute in dhcp range for network 'lab'");
}

TEST(NetUpdate, OneDhcpPerFamily) {
  auto r = parseNetworkXml("<network><name>two</name><ip address='10.0.1.1' prefix='24'><dhcp>"
                           "<range start='10.0.1.10' end='10.0.1.20'/></dhcp></ip>"
                           "<ip address='10.0.2.1' prefix='24'/></network>",
                           "two.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  NetworkDef def = r->def;
  auto st = update(def, "add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' ip='10.0.2.9'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "dhcp is supported only for a single IPv4 address on each network");
  EXPECT_TRUE(def.ips[1].hosts.empty());
}

TEST(NetUpdate, DnsHost) {
  NetworkDef def = base();
  auto st = update(def, "add-first", "dns-host", "<host ip='192.168.50.3'><hostname>ns</hostname></host>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.dns.hosts.size(), 2u);
  EXPECT_EQ(def.dns.hosts[0].hostnames[0], "ns");
  // the same name on a second address is fine
  st = update(def, "add", "dns-host", "<host ip='192.168.50.4'><hostname>ns</hostname></host>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  // ...but deleting by that name is now ambiguous
  st = update(def, "delete", "dns-host", "<host><hostname>ns</hostname></host>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "multiple matching DNS HOST records were found in network lab");
  st = update(def, "delete", "dns-host", "<host ip='192.168.50.4'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.dns.hosts.size(), 2u);

  expectRefused("add", "dns-host", "<host ip='192.168.50.2'><hostname>other</hostname></host>",
                ErrorCode::OperationInvalid,
                "there is already at least one DNS HOST record with a matching field in network lab");
  expectRefused("delete", "dns-host", "<host ip='192.168.50.99'/>", ErrorCode::OperationInvalid,
                "couldn't locate a matching DNS HOST record in network lab");
  expectRefused("modify", "dns-host", "<host ip='192.168.50.2'><hostname>x</hostname></host>", ErrorCode::Unsupported,
                "DNS HOST records cannot be modified, only added or deleted");
  expectRefused("add", "dns-host", "<host ip='192.168.50.9'/>", ErrorCode::XmlInvalid,
                "Missing hostname in network 'lab' DNS HOST record");
}

TEST(NetUpdate, DnsTxt) {
  NetworkDef def = base();
  auto st = update(def, "add", "dns-txt", "<txt name='more' value='x,y'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.dns.txts.size(), 2u);
  st = update(def, "delete", "dns-txt", "<txt name='info'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.dns.txts.size(), 1u);
  EXPECT_EQ(def.dns.txts[0].name, "more");

  expectRefused("add", "dns-txt", "<txt name='info' value='again'/>", ErrorCode::OperationInvalid,
                "there is already a DNS TXT record with name 'info' in network lab");
  expectRefused("delete", "dns-txt", "<txt name='nope'/>", ErrorCode::OperationInvalid,
                "couldn't locate a matching DNS TXT record in network lab");
  expectRefused("modify", "dns-txt", "<txt name='info' value='x'/>", ErrorCode::Unsupported,
                "DNS TXT records cannot be modified");
  expectRefused("add", "dns-txt", "<txt name='has space' value='x'/>", ErrorCode::XmlInvalid,
                "prohibited character in DNS TXT record name 'has space' of network lab");
}

TEST(NetUpdate, DnsSrv) {
  NetworkDef def = base();
  auto st = update(def, "add", "dns-srv", "<srv service='ldap' protocol='udp' target='ldap.lab' port='389'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.dns.srvs.size(), 2u);
  st = update(def, "delete", "dns-srv", "<srv service='ldap'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "multiple DNS SRV records matching all specified fields were found in network lab");
  st = update(def, "delete", "dns-srv", "<srv service='ldap' protocol='udp'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.dns.srvs.size(), 1u);
  EXPECT_EQ(def.dns.srvs[0].protocol, "tcp");

  expectRefused("add", "dns-srv", "<srv service='ldap' protocol='tcp'/>", ErrorCode::OperationInvalid,
                "there is already at least one DNS SRV record matching all specified fields in network lab");
  expectRefused("delete", "dns-srv", "<srv service='kerberos'/>", ErrorCode::OperationInvalid,
                "couldn't locate a matching DNS SRV record in network lab");
  expectRefused("modify", "dns-srv", "<srv service='ldap' protocol='tcp'/>", ErrorCode::Unsupported,
                "DNS SRV records cannot be modified");
  expectRefused("add", "dns-srv", "<srv service='x' protocol='tcp' port='53'/>", ErrorCode::XmlInvalid,
                "DNS SRV port attribute not permitted without target for service 'x' in network 'lab'");
}

TEST(NetUpdate, Portgroup) {
  NetworkDef def = base();
  auto st = update(def, "add-first", "portgroup", "<portgroup name='dev'><bandwidth><inbound average='10'/>"
                                                  "</bandwidth></portgroup>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  ASSERT_EQ(def.portgroups.size(), 3u);
  EXPECT_EQ(def.portgroups[0].name, "dev");
  EXPECT_TRUE(contains(formatNetworkXml(def), "<inbound average='10'/>"));
  // modify may keep the default on the same portgroup
  st = update(def, "modify", "portgroup", "<portgroup name='eng' default='yes'><virtualport type='openvswitch'/>"
                                          "</portgroup>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.portgroups[1].virtualportType, "openvswitch");
  st = update(def, "delete", "portgroup", "<portgroup name='ops'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.portgroups.size(), 2u);

  expectRefused("add", "portgroup", "<portgroup name='ops'/>", ErrorCode::OperationInvalid,
                "there is an existing portgroup entry in network 'lab' that matches \"<portgroup name='ops'>\"");
  expectRefused("modify", "portgroup", "<portgroup name='qa'/>", ErrorCode::OperationInvalid,
                "couldn't find a portgroup entry in network 'lab' matching <portgroup name='qa'>");
  expectRefused("delete", "portgroup", "<portgroup name='qa'/>", ErrorCode::OperationInvalid,
                "couldn't find a portgroup entry");
  expectRefused("add", "portgroup", "<portgroup name='qa' default='yes'/>", ErrorCode::OperationInvalid,
                "a different portgroup entry in network 'lab' is already set as the default. Only one default is "
                "allowed.");
  expectRefused("add", "portgroup", "<portgroup/>", ErrorCode::XmlInvalid,
                "Missing required name attribute in portgroup");
}

TEST(NetUpdate, ForwardInterface) {
  auto r = parseNetworkXml("<network><name>pool</name><forward mode='passthrough'><interface dev='eth1'/>"
                           "<interface dev='eth2' note='x'/></forward></network>",
                           "pool.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  NetworkDef def = r->def;
  auto st = update(def, "add-first", "forward-interface", "<interface dev='eth0'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.forward.interfaces, (std::vector<std::string>{"eth0", "eth1", "eth2"}));
  EXPECT_EQ(def.forward.dev, "eth0");  // <forward dev> follows the pool's first entry
  // the unknown attribute stays with its interface
  std::string out = formatNetworkXml(def);
  EXPECT_TRUE(contains(out, "<interface dev='eth2' note='x'/>")) << out;
  EXPECT_TRUE(contains(out, "<forward dev='eth0' mode='passthrough'>")) << out;
  st = update(def, "delete", "forward-interface", "<interface dev='eth0'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  EXPECT_EQ(def.forward.dev, "eth1");
  st = update(def, "delete", "forward-interface", "<interface dev='eth1'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  out = formatNetworkXml(def);
  EXPECT_TRUE(contains(out, "<interface dev='eth2' note='x'/>")) << out;
  EXPECT_FALSE(contains(out, "eth1")) << out;
  // the last one cannot go: a passthrough network needs a pool
  st = update(def, "delete", "forward-interface", "<interface dev='eth2'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(contains(st.error().message, "has no forward dev and no interface pool")) << st.error().message;
  EXPECT_EQ(def.forward.interfaces.size(), 1u);

  st = update(def, "add", "forward-interface", "<interface dev='eth2'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "there is an existing interface entry in network 'pool' that matches \"<interface dev='eth2'>\"");
  st = update(def, "delete", "forward-interface", "<interface dev='eth7'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "couldn't find an interface entry in network 'pool' matching <interface dev='eth7'>");
  st = update(def, "modify", "forward-interface", "<interface dev='eth2'/>");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::Unsupported);
}

TEST(NetUpdate, CommandsSectionsAndFragments) {
  expectRefused("replace", "ip-dhcp-host", "<host/>", ErrorCode::InvalidArgument, "unrecognized command name 'replace'");
  expectRefused("add", "ip-dhcp-lease", "<host/>", ErrorCode::InvalidArgument,
                "unrecognized section name 'ip-dhcp-lease'");
  expectRefused("add", "bridge", "<bridge name='x'/>", ErrorCode::Unsupported,
                "can't update 'bridge' section of network 'lab'");
  expectRefused("add", "forward-pf", "<pf dev='x'/>", ErrorCode::Unsupported,
                "can't update 'forward pf' section of network 'lab'");
  expectRefused("add", "ip-dhcp-host", "<range start='192.168.50.2' end='192.168.50.3'/>", ErrorCode::XmlInvalid,
                "unexpected element <range>, expecting <host>, while updating network 'lab'");
  expectRefused("add", "dns-txt", "<txt name='a' value='b'>", ErrorCode::XmlSyntax, "");
  expectRefused("add", "dns-txt", "", ErrorCode::XmlSyntax, "");
}

TEST(NetUpdate, LeafExtrasFollowTheirEntries) {
  // What the model does not hold (here unknown attributes of <lease> and
  // <txt>) is kept by position; it must move with its entry.
  NetworkDef def = base();
  auto st = update(def, "add-last", "ip-dhcp-host",
                   "<host mac='52:54:00:00:00:05' name='five' ip='192.168.50.15' rack='r1'>"
                   "<lease expiry='5' note='n'/></host>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  st = update(def, "add-first", "ip-dhcp-host", "<host mac='52:54:00:00:00:06' name='six' ip='192.168.50.16'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  st = update(def, "add-first", "dns-txt", "<txt name='first' value='1'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  auto r = parseNetworkXml(formatNetworkXml(def), "mid.xml");
  ASSERT_TRUE(r.ok());
  def = r->def;
  st = update(def, "add", "dns-txt", "<txt name='tagged' value='2' colour='red'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  st = update(def, "add-first", "dns-txt", "<txt name='zeroth' value='0'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  st = update(def, "delete", "ip-dhcp-host", "<host name='one'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  std::string out = formatNetworkXml(def);
  EXPECT_TRUE(contains(out, "<host mac='52:54:00:00:00:05' name='five' ip='192.168.50.15' rack='r1'>\n"
                            "        <lease expiry='5' unit='minutes' note='n'/>"))
      << out;
  EXPECT_TRUE(contains(out, "<txt name='tagged' value='2' colour='red'/>")) << out;
  EXPECT_EQ(out.find("note="), out.rfind("note=")) << out;
  EXPECT_EQ(out.find("colour="), out.rfind("colour=")) << out;
  st = update(def, "delete", "dns-txt", "<txt name='tagged'/>");
  ASSERT_TRUE(st.ok()) << st.error().describe();
  out = formatNetworkXml(def);
  EXPECT_FALSE(contains(out, "colour")) << out;
  // the result parses back to the same document
  auto again = parseNetworkXml(out, "again.xml");
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(formatNetworkXml(again->def), out);
}

// ---------------------------------------------------------------- robustness

std::vector<std::string> goldenInputs() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(STRATUS_NETWORK_DATA_DIR)) {
    std::string f = e.path().filename().string();
    if (f.size() > 4 && f.ends_with(".xml") && !f.ends_with(".out.xml")) out.push_back(readFile(e.path()));
  }
  return out;
}

// A document that parses must format to something that parses to the same
// text. Counts the inputs that parsed, so the test can tell it reached the
// model and did not only exercise the XML parser's error path.
void expectStable(const std::string& input, int& parsed) {
  auto r = parseNetworkXml(input, "fuzz.xml");
  if (!r) return;
  ++parsed;
  std::string out = formatNetworkXml(r->def);
  auto again = parseNetworkXml(out, "fuzz2.xml");
  ASSERT_TRUE(again.ok()) << again.error().describe() << "\ninput:\n" << input << "\noutput:\n" << out;
  EXPECT_EQ(formatNetworkXml(again->def), out) << "input:\n" << input;
}

TEST(NetFuzz, GoldenInputsTruncatedAndFlipped) {
  auto inputs = goldenInputs();
  ASSERT_GE(inputs.size(), 25u);
  std::mt19937 rng(4242);
  int parsed = 0, tried = 0;
  for (const auto& base : inputs) {
    for (std::size_t n = 0; n <= base.size(); ++n, ++tried) expectStable(base.substr(0, n), parsed);
    for (int i = 0; i < 300; ++i) {
      std::string s = base;
      int flips = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < flips; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
      expectStable(s, parsed);
      ++tried;
    }
    // printable mutations reach deeper than random bytes
    const std::string alphabet = "<>/='\" 0123456789.:abcdefx-%\n";
    for (int i = 0; i < 1000; ++i) {
      std::string s = base;
      s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
      expectStable(s, parsed);
      ++tried;
    }
  }
  EXPECT_GT(parsed, tried / 20) << parsed << " of " << tried << " mutated inputs parsed";
  std::cout << "[          ] " << parsed << " of " << tried << " mutated inputs parsed\n";
}

TEST(NetFuzz, UpdatesNeverCrashOrHalfApply) {
  const std::vector<std::pair<std::string, std::string>> fragments = {
      {"ip-dhcp-host", "<host mac='52:54:00:00:00:07' name='seven' ip='192.168.50.17'/>"},
      {"ip-dhcp-range", "<range start='192.168.50.20' end='192.168.50.30'/>"},
      {"dns-host", "<host ip='192.168.50.5'><hostname>h</hostname></host>"},
      {"dns-txt", "<txt name='t' value='v'/>"},
      {"dns-srv", "<srv service='s' protocol='tcp' target='t' port='1'/>"},
      {"portgroup", "<portgroup name='p'><vlan><tag id='4'/></vlan></portgroup>"},
      {"forward-interface", "<interface dev='eth9'/>"},
  };
  const char* commands[] = {"add", "add-first", "delete", "modify"};
  std::mt19937 rng(777);
  for (int i = 0; i < 3000; ++i) {
    const auto& [section, xml] = fragments[rng() % fragments.size()];
    std::string s = xml;
    int flips = static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    NetworkDef def = base();
    std::string before = formatNetworkXml(def);
    auto st = update(def, commands[rng() % 4], section, s, static_cast<int>(rng() % 4) - 1);
    std::string after = formatNetworkXml(def);
    if (!st.ok()) {
      EXPECT_EQ(after, before) << section << " " << s;
    } else {
      auto again = parseNetworkXml(after, "after.xml");
      EXPECT_TRUE(again.ok()) << again.error().describe() << "\n" << after;
    }
  }
}

TEST(NetFuzz, GarbageAndNesting) {
  std::mt19937 rng(99);
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 256);
    (void)parseNetworkXml(s, "garbage.xml");
  }
  std::string deep = "<network><name>d</name><metadata>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto r = parseNetworkXml(deep, "deep.xml");
  EXPECT_FALSE(r.ok());
  deep = "<network><name>d</name><metadata>";
  for (int i = 0; i < 200; ++i) deep += "<a>";
  for (int i = 0; i < 200; ++i) deep += "</a>";
  deep += "</metadata></network>";
  r = parseNetworkXml(deep, "deep.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "nested deeper")) << r.error().describe();
}

}  // namespace
