// Unit tests for the domain XML model: units, names, defaults, round trip,
// error locations, format options, and a little fuzzing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

using namespace stratus;
using namespace stratus::conf;

namespace {

std::string domainWith(const std::string& body, const std::string& type = "qemu") {
  return "<domain type='" + type + "'>\n  <name>t</name>\n" + body + "\n</domain>\n";
}

std::string minimal(const std::string& extra = "") {
  return domainWith("  <memory>1024</memory>\n  <os><type>hvm</type></os>\n" + extra);
}

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ConfUnits, Table) {
  EXPECT_EQ(unitScale(""), 1024u);
  EXPECT_EQ(unitScale("b"), 1u);
  EXPECT_EQ(unitScale("bytes"), 1u);
  EXPECT_EQ(unitScale("KB"), 1000u);
  EXPECT_EQ(unitScale("k"), 1024u);
  EXPECT_EQ(unitScale("KiB"), 1024u);
  EXPECT_EQ(unitScale("MB"), 1000000u);
  EXPECT_EQ(unitScale("M"), 1048576u);
  EXPECT_EQ(unitScale("MiB"), 1048576u);
  EXPECT_EQ(unitScale("GB"), 1000000000u);
  EXPECT_EQ(unitScale("G"), 1073741824u);
  EXPECT_EQ(unitScale("GiB"), 1073741824u);
  EXPECT_EQ(unitScale("TB"), 1000000000000u);
  EXPECT_EQ(unitScale("TiB"), 1099511627776u);
  EXPECT_EQ(unitScale("PiB"), 1125899906842624u);
  EXPECT_EQ(unitScale("EiB"), 1152921504606846976u);
  EXPECT_FALSE(unitScale("Q"));
  EXPECT_FALSE(unitScale("KiBB"));
  EXPECT_FALSE(unitScale("mb2"));
}

TEST(ConfUnits, MemoryStoredInKiB) {
  auto r = parseDomainXml(domainWith("<memory unit='GiB'>2</memory><currentMemory unit='MB'>1000</currentMemory>"
                                     "<os><type>hvm</type></os>"),
                          "t.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->def.memoryKiB, 2u * 1024 * 1024);
  EXPECT_EQ(r->def.currentMemoryKiB, 976563u);  // 10^9 bytes rounded up to KiB
  auto x = formatDomainXml(r->def);
  EXPECT_NE(x.find("<memory unit='KiB'>2097152</memory>"), std::string::npos) << x;
}

TEST(ConfUnits, BadUnitAndNumber) {
  auto r = parseDomainXml(domainWith("  <memory unit='parsecs'>2</memory>"), "u.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlInvalid);
  EXPECT_EQ(r.error().where->line, 3);
  EXPECT_EQ(r.error().where->field, "domain/memory/@unit");
  r = parseDomainXml(domainWith("  <memory>-5</memory>"), "u.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where->field, "domain/memory");
  r = parseDomainXml(domainWith("  <memory unit='EiB'>99999</memory>"), "u.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too large"), std::string::npos);
}

TEST(ConfNames, Rules) {
  EXPECT_TRUE(validateDomainName("kvm4").ok());
  EXPECT_TRUE(validateDomainName("a b-c_d.e").ok());
  EXPECT_FALSE(validateDomainName("").ok());
  EXPECT_FALSE(validateDomainName(".hidden").ok());
  EXPECT_FALSE(validateDomainName("a/b").ok());
  EXPECT_FALSE(validateDomainName(std::string("a\x01") + "b").ok());
  EXPECT_FALSE(validateDomainName("tab\there").ok());
  EXPECT_EQ(validateDomainName("a/b").error().code, ErrorCode::XmlInvalid);
}

TEST(ConfNames, InDocumentNamesLine) {
  auto r = parseDomainXml("<domain type='qemu'>\n  <name>bad/name</name>\n  <memory>1</memory>\n</domain>", "n.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), "n.xml:2: domain/name: domain name must not contain '/'");
}

TEST(ConfDefaults, UuidGeneratedWhenAbsent) {
  auto a = parseDomainXml(minimal(), "a.xml");
  auto b = parseDomainXml(minimal(), "b.xml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->def.uuid.isNull());
  EXPECT_NE(a->def.uuid, b->def.uuid);
  // and kept once written
  auto again = parseDomainXml(formatDomainXml(a->def), "a2.xml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->def.uuid, a->def.uuid);
}

TEST(ConfDefaults, Generic) {
  auto r = parseDomainXml(minimal("<devices><interface type='network'><source network='default'/></interface>"
                                  "</devices>"),
                          "d.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const auto& d = r->def;
  EXPECT_EQ(d.currentMemoryKiB, 1024u);
  EXPECT_EQ(d.vcpus, 1u);
  EXPECT_EQ(d.currentVcpus, 1u);
  EXPECT_EQ(d.vcpuPlacement, "static");
  ASSERT_EQ(d.os.bootDevs.size(), 1u);
  EXPECT_EQ(d.os.bootDevs[0], "hd");
  EXPECT_EQ(d.onPoweroff, "destroy");
  EXPECT_EQ(d.onReboot, "restart");
  EXPECT_EQ(d.onCrash, "destroy");
  ASSERT_EQ(d.devices.interfaces.size(), 1u);
  EXPECT_EQ(d.devices.interfaces[0].mac.substr(0, 9), "52:54:00:");
  EXPECT_EQ(d.devices.interfaces[0].mac.size(), 17u);
}

TEST(ConfDefaults, NoBootDevWithDeviceBootOrder) {
  auto r = parseDomainXml(minimal("<devices><disk type='file'><source file='/a'/><target dev='vda'/>"
                                  "<boot order='1'/></disk></devices>"),
                          "d.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->def.os.bootDevs.empty());
  EXPECT_EQ(r->def.devices.disks[0].driverName, "qemu");
}

TEST(ConfValidate, VcpuAndMemory) {
  auto r = parseDomainXml(domainWith("  <memory>1024</memory>\n  <vcpu current='4'>2</vcpu>"), "v.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), "v.xml:4: domain/vcpu/@current: current vcpus (4) must not exceed the maximum (2)");
  r = parseDomainXml(domainWith("  <memory>1024</memory>\n  <currentMemory>2048</currentMemory>"), "m.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where->line, 4);
  EXPECT_EQ(r.error().where->field, "domain/currentMemory");
}

TEST(ConfValidate, BadUuidAndEnum) {
  auto r = parseDomainXml(domainWith("  <uuid>not-a-uuid</uuid>"), "u.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where->line, 3);
  r = parseDomainXml(minimal("<on_crash>explode</on_crash>"), "e.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where->field, "domain/on_crash");
}

TEST(ConfMalformed, CourseExample) {
  std::string text = readFile(std::filesystem::path(STRATUS_DOMAIN_DATA_DIR) / "kvm4-as-printed.xml");
  ASSERT_FALSE(text.empty());
  auto r = parseDomainXml(text, "kvm4-as-printed.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlSyntax);
  EXPECT_EQ(r.error().describe(),
            "kvm4-as-printed.xml:10: element <boot> opened at line 9 is not closed (found </os>)");
}

TEST(ConfMalformed, Truncated) {
  auto r = parseDomainXml("<domain type='qemu'>\n  <name>t</name>\n  <os>\n", "t.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlSyntax);
  EXPECT_NE(r.error().message.find("<os> opened at line 3"), std::string::npos) << r.error().describe();
}

TEST(ConfWarnings, UnknownKeptWithLines) {
  std::string x = minimal("<devices>\n<disk type='file' device='disk' frobnicate='1'>\n<source file='/a'/>\n"
                          "<target dev='vda'/>\n<sparkle level='3'><x/></sparkle>\n</disk>\n</devices>\n<zzz/>");
  auto r = parseDomainXml(x, "w.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->warnings.size(), 3u);
  EXPECT_EQ(r->warnings[0].where.field, "domain/devices/disk/@frobnicate");
  EXPECT_EQ(r->warnings[0].where.line, 6);
  EXPECT_EQ(r->warnings[1].message, "unknown element <sparkle> in domain/devices/disk kept verbatim");
  EXPECT_EQ(r->warnings[1].where.line, 9);
  auto out = formatDomainXml(r->def);
  EXPECT_NE(out.find("frobnicate='1'"), std::string::npos);
  EXPECT_NE(out.find("<sparkle level='3'>"), std::string::npos);
  EXPECT_NE(out.find("<zzz/>"), std::string::npos);
}

TEST(ConfFormat, Options) {
  auto r = parseDomainXml(minimal("<devices><graphics type='vnc' port='5901' autoport='yes' passwd='s3cret'/>"
                                  "</devices>"),
                          "f.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto plain = formatDomainXml(r->def);
  EXPECT_EQ(plain.find("passwd"), std::string::npos);
  EXPECT_EQ(plain.find(" id="), std::string::npos);
  FormatOptions o;
  o.securityInfo = true;
  o.id = 7;
  auto live = formatDomainXml(r->def, o);
  EXPECT_NE(live.find("passwd='s3cret'"), std::string::npos);
  EXPECT_EQ(live.rfind("<domain type='qemu' id='7'>", 0), 0u) << live;
  EXPECT_NE(live.find("port='5901'"), std::string::npos);
  o.inactive = true;
  auto inactive = formatDomainXml(r->def, o);
  EXPECT_EQ(inactive.find(" id="), std::string::npos);
  EXPECT_NE(inactive.find("port='-1'"), std::string::npos);
}

TEST(ConfFormat, InactiveOmitsLiveOnlyData) {
  auto r = parseDomainXml(minimal("<devices><serial type='pty' tty='/dev/pts/4'><source path='/dev/pts/4'/>"
                                  "<alias name='serial0'/></serial><disk type='file'><source file='/a'/>"
                                  "<target dev='vda'/><alias name='ua-root'/></disk>"
                                  "<interface type='network'><mac address='52:54:00:00:00:01'/>"
                                  "<source network='default'/><target dev='vnet3'/></interface></devices>"),
                          "i.xml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto live = formatDomainXml(r->def);
  EXPECT_NE(live.find("tty='/dev/pts/4'"), std::string::npos);
  EXPECT_NE(live.find("<alias name='serial0'/>"), std::string::npos);
  EXPECT_NE(live.find("vnet3"), std::string::npos);
  FormatOptions o;
  o.inactive = true;
  auto cfg = formatDomainXml(r->def, o);
  EXPECT_EQ(cfg.find("/dev/pts/4"), std::string::npos) << cfg;
  EXPECT_EQ(cfg.find("serial0"), std::string::npos) << cfg;
  EXPECT_EQ(cfg.find("vnet3"), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("<alias name='ua-root'/>"), std::string::npos) << cfg;
}

TEST(ConfRoundTrip, DataFilesAreFixedPoints) {
  for (const auto& e : std::filesystem::directory_iterator(STRATUS_DOMAIN_DATA_DIR)) {
    std::string f = e.path().filename().string();
    if (f.size() < 8 || f.substr(f.size() - 8) != ".out.xml") continue;
    auto a = parseDomainXml(readFile(e.path()), f);
    ASSERT_TRUE(a.ok()) << f << ": " << a.error().describe();
    std::string once = formatDomainXml(a->def);
    auto b = parseDomainXml(once, f);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(formatDomainXml(b->def), once) << f;
    EXPECT_EQ(once, readFile(e.path())) << f << " is not canonical";
  }
}

TEST(ConfFuzz, NeverCrashes) {
  std::string base = readFile(std::filesystem::path(STRATUS_DOMAIN_DATA_DIR) / "JoomlaSchulung.xml");
  ASSERT_FALSE(base.empty());
  std::mt19937 rng(12345);
  // every truncation
  for (std::size_t n = 0; n <= base.size(); n += 3) (void)parseDomainXml(base.substr(0, n), "trunc.xml");
  // random byte flips
  for (int i = 0; i < 2000; ++i) {
    std::string s = base;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    auto r = parseDomainXml(s, "flip.xml");
    if (r) {
      auto out = formatDomainXml(r->def);
      auto again = parseDomainXml(out, "flip2.xml");
      EXPECT_TRUE(again.ok()) << out;
    }
  }
  // random garbage
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 256);
    (void)parseDomainXml(s, "garbage.xml");
  }
  // absurd nesting
  std::string deep = "<domain type='qemu'><name>d</name><metadata>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto r = parseDomainXml(deep, "deep.xml");
  EXPECT_FALSE(r.ok());
  deep = "<domain type='qemu'><name>d</name><memory>1</memory><metadata>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  deep += "</metadata></domain>";
  r = parseDomainXml(deep, "deep.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nested deeper"), std::string::npos);
  SUCCEED();
}

}  // namespace
