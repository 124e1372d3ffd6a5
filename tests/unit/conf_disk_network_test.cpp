// Network and volume disks in the domain model: the typed network source,
// what --security-info shows, defaults, and the resolved volume fields that
// are never written.
#include <gtest/gtest.h>

#include "conf/domain_def.h"

using namespace stratus;
using namespace stratus::conf;

namespace {

std::string domainWithDisk(const std::string& disk) {
  return "<domain type='qemu'><name>t</name><memory>1024</memory><os><type>hvm</type></os><devices>" + disk +
         "</devices></domain>";
}

DomainDef parse(const std::string& disk) {
  auto p = parseDomainXml(domainWithDisk(disk), "t.xml");
  EXPECT_TRUE(p.ok()) << (p ? "" : p.error().describe());
  return p ? p->def : DomainDef{};
}

const char* kHttps =
    "<disk type='network' device='cdrom'><source protocol='https' name='/a.iso' query='x=1'>"
    "<host name='h.example.org'/><ssl verify='no'/><cookies><cookie name='session'>abc</cookie>"
    "<cookie name='b'>2</cookie></cookies><readahead size='4096'/><timeout seconds='9'/></source>"
    "<target dev='hdc' bus='ide'/><readonly/></disk>";

}  // namespace

TEST(ConfDiskNetwork, TypedSource) {
  auto def = parse(kHttps);
  ASSERT_EQ(def.devices.disks.size(), 1u);
  const auto& d = def.devices.disks[0];
  EXPECT_EQ(d.sourceProtocol, "https");
  EXPECT_EQ(d.net.query, "x=1");
  EXPECT_EQ(d.net.sslVerify, "no");
  ASSERT_EQ(d.net.cookies.size(), 2u);
  EXPECT_EQ(d.net.cookies[1], (DiskCookie{"b", "2"}));
  EXPECT_EQ(d.net.readahead, 4096u);
  EXPECT_EQ(d.net.timeout, 9u);
  ASSERT_EQ(d.sourceHosts.size(), 1u);
  EXPECT_EQ(d.sourceHosts[0].port, "443");  // https's default port
}

TEST(ConfDiskNetwork, CookiesOnlyWithSecurityInfo) {
  auto def = parse(kHttps);
  std::string plain = formatDomainXml(def);
  EXPECT_EQ(plain.find("cookie"), std::string::npos) << plain;
  FormatOptions sec;
  sec.securityInfo = true;
  std::string full = formatDomainXml(def, sec);
  EXPECT_NE(full.find("<cookie name='session'>abc</cookie>"), std::string::npos) << full;
  // The persisted form (with security info) reads back to the same model.
  auto again = parseDomainXml(full, "again.xml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->def.devices.disks[0], def.devices.disks[0]);
}

TEST(ConfDiskNetwork, AuthKeepsItsPlace) {
  auto inDisk = parse(
      "<disk type='network'><auth username='u'><secret type='iscsi' usage='x'/></auth>"
      "<source protocol='iscsi' name='iqn.2004-04.org.example:t'><host name='192.0.2.1'/></source>"
      "<target dev='vda' bus='virtio'/></disk>");
  const auto& d = inDisk.devices.disks[0];
  ASSERT_TRUE(d.auth);
  EXPECT_FALSE(d.auth->inSource);
  EXPECT_EQ(d.auth->username, "u");
  EXPECT_EQ(d.auth->secretUsage, "x");
  EXPECT_EQ(d.sourceName, "iqn.2004-04.org.example:t/0");  // no LUN: LUN 0, as libvirt
  std::string xml = formatDomainXml(inDisk);
  EXPECT_LT(xml.find("<auth username='u'>"), xml.find("<source protocol='iscsi'")) << xml;
}

TEST(ConfDiskNetwork, BadInputIsAnError) {
  auto bad = [](const std::string& disk) { return !parseDomainXml(domainWithDisk(disk), "t.xml").ok(); };
  EXPECT_TRUE(bad("<disk type='network'><source protocol='http' name='/a'><host name='h'/>"
                  "<cookies><cookie name='a;b'>1</cookie></cookies></source><target dev='vda'/></disk>"));
  EXPECT_TRUE(bad("<disk type='network'><source protocol='http' name='/a'><host name='h'/>"
                  "<timeout seconds='soon'/></source><target dev='vda'/></disk>"));
  EXPECT_TRUE(bad("<disk type='network'><source protocol='iscsi' name='i/1'><host name='h'/>"
                  "<auth username='u'><secret type='iscsi' usage='a' uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>"
                  "</auth></source><target dev='vda'/></disk>"));
  EXPECT_TRUE(bad("<disk type='network'><source protocol='gopher' name='/a'/><target dev='vda'/></disk>"));
}

TEST(ConfDiskNetwork, ResolvedVolumeIsNeverWritten) {
  auto def = parse(
      "<disk type='volume'><driver name='qemu' type='qcow2'/><source pool='default' volume='v1.qcow2'/>"
      "<target dev='vda' bus='virtio'/></disk>");
  auto& d = def.devices.disks[0];
  d.volumeType = "network";
  d.volumePath = "iscsi://192.0.2.1:3260/iqn.2004-04.org.example:t/1";
  d.volumeFormat = "raw";
  std::string xml = formatDomainXml(def);
  EXPECT_NE(xml.find("<source pool='default' volume='v1.qcow2'/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("iscsi://"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("type='network'"), std::string::npos) << xml;
}
