// Unit tests for the storage XML model: the size parsers, names, the typed
// fields the node relies on, building documents in code, and robustness
// against damaged documents (truncations, flipped bytes).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "conf/storage_def.h"

using namespace stratus::conf;

namespace {

std::uint64_t sizeOf(std::string_view n, std::string_view unit) {
  auto r = parseScaledSize(n, unit, "capacity");
  EXPECT_TRUE(r.ok()) << n << " " << unit << ": " << (r ? "" : r.error().message);
  return r ? *r : 0;
}

std::uint64_t textSize(std::string_view t) {
  auto r = parseScaledSizeText(t, "capacity");
  EXPECT_TRUE(r.ok()) << t << ": " << (r ? "" : r.error().message);
  return r ? *r : 0;
}

constexpr std::uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024, PiB = TiB * 1024,
                        EiB = PiB * 1024;

}  // namespace

// ---------------------------------------------------------------- sizes

TEST(StorageSize, UnitTable) {
  EXPECT_EQ(sizeOf("7", ""), 7u);
  EXPECT_EQ(sizeOf("7", "b"), 7u);
  EXPECT_EQ(sizeOf("7", "bytes"), 7u);
  EXPECT_EQ(sizeOf("7", "byte"), 7u);
  EXPECT_EQ(sizeOf("3", "k"), 3 * KiB);
  EXPECT_EQ(sizeOf("3", "KiB"), 3 * KiB);
  EXPECT_EQ(sizeOf("3", "KB"), 3000u);
  EXPECT_EQ(sizeOf("3", "M"), 3 * MiB);
  EXPECT_EQ(sizeOf("3", "MiB"), 3 * MiB);
  EXPECT_EQ(sizeOf("3", "MB"), 3000000u);
  EXPECT_EQ(sizeOf("3", "G"), 3 * GiB);
  EXPECT_EQ(sizeOf("3", "GiB"), 3 * GiB);
  EXPECT_EQ(sizeOf("3", "GB"), 3000000000u);
  EXPECT_EQ(sizeOf("3", "T"), 3 * TiB);
  EXPECT_EQ(sizeOf("3", "TiB"), 3 * TiB);
  EXPECT_EQ(sizeOf("3", "TB"), 3000000000000u);
  EXPECT_EQ(sizeOf("3", "P"), 3 * PiB);
  EXPECT_EQ(sizeOf("3", "PiB"), 3 * PiB);
  EXPECT_EQ(sizeOf("3", "PB"), 3000000000000000u);
  EXPECT_EQ(sizeOf("7", "E"), 7 * EiB);
  EXPECT_EQ(sizeOf("7", "EiB"), 7 * EiB);
  EXPECT_EQ(sizeOf("9", "EB"), 9000000000000000000u);
  // libvirt compares units without regard to case.
  EXPECT_EQ(sizeOf("2", "gib"), 2 * GiB);
  EXPECT_EQ(sizeOf("2", "mb"), 2000000u);
}

TEST(StorageSize, LimitIsInt64Max) {
  EXPECT_EQ(sizeOf("9223372036854775807", ""), 9223372036854775807u);
  auto r = parseScaledSize("9223372036854775808", "", "capacity");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parseScaledSize("8", "EiB", "capacity").ok());
  EXPECT_FALSE(parseScaledSize("10", "EB", "capacity").ok());
  EXPECT_FALSE(parseScaledSize("99999999999999999999999", "", "capacity").ok());  // beyond uint64
  EXPECT_EQ(sizeOf("8191", "PiB"), 8191 * PiB);
  EXPECT_FALSE(parseScaledSize("8192", "PiB", "capacity").ok());
}

TEST(StorageSize, ErrorsNameTheField) {
  auto bad = parseScaledSize("12", "Q", "allocation");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, stratus::ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("'Q'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("allocation"), std::string::npos);
  for (const char* n : {"", "-1", "1.5", "0x10", "ten", "1 2"}) {
    auto r = parseScaledSize(n, "", "capacity");
    EXPECT_FALSE(r.ok()) << "'" << n << "' was accepted";
    if (!r) {
      EXPECT_NE(r.error().message.find("capacity"), std::string::npos);
    }
  }
  for (const char* u : {"KiBB", "iB", "Gb2", "kilo", "GiBs", "X"})
    EXPECT_FALSE(parseScaledSize("1", u, "capacity").ok()) << u;
}

TEST(StorageSize, VirshArguments) {
  EXPECT_EQ(textSize("100"), 100u);  // a bare number is bytes
  EXPECT_EQ(textSize("1G"), GiB);    // a suffix without B is binary
  EXPECT_EQ(textSize("512M"), 512 * MiB);
  EXPECT_EQ(textSize("512MiB"), 512 * MiB);
  EXPECT_EQ(textSize("2GB"), 2000000000u);
  EXPECT_EQ(textSize("10k"), 10 * KiB);
  EXPECT_EQ(textSize("0"), 0u);
  EXPECT_EQ(textSize(" 4T "), 4 * TiB);
  for (const char* t : {"", "G", "-1G", "1.5G", "1 G", "1GG", "abc", "1e9"})
    EXPECT_FALSE(parseScaledSizeText(t, "capacity").ok()) << "'" << t << "' was accepted";
  auto r = parseScaledSizeText("9E", "capacity");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("too large"), std::string::npos);
}

// ---------------------------------------------------------------- names and types

TEST(StorageNames, PoolTypesRoundTrip) {
  const char* names[] = {"dir",  "fs",     "netfs", "logical",  "disk",    "iscsi", "iscsi-direct",
                         "scsi", "mpath",  "rbd",   "sheepdog", "gluster", "zfs",   "vstorage"};
  for (const char* n : names) {
    auto t = parsePoolType(n);
    ASSERT_TRUE(t.has_value()) << n;
    EXPECT_EQ(poolTypeName(*t), n);
  }
  EXPECT_FALSE(parsePoolType("DIR").has_value());
  EXPECT_FALSE(parsePoolType("").has_value());
  EXPECT_FALSE(parsePoolType("btrfs").has_value());
}

TEST(StorageNames, PoolNames) {
  EXPECT_TRUE(validatePoolName("default").ok());
  EXPECT_TRUE(validatePoolName("pool-1_a.b").ok());
  EXPECT_TRUE(validatePoolName("with space").ok());
  EXPECT_FALSE(validatePoolName("").ok());
  EXPECT_FALSE(validatePoolName("a/b").ok());
  EXPECT_FALSE(validatePoolName(".hidden").ok());
  EXPECT_FALSE(validatePoolName("..").ok());
  EXPECT_FALSE(validatePoolName(std::string("a\nb")).ok());
}

TEST(StorageNames, VolumeNames) {
  EXPECT_TRUE(validateVolumeName("disk.qcow2").ok());
  EXPECT_TRUE(validateVolumeName(".hidden.img").ok());  // a file name like any other inside the pool
  EXPECT_FALSE(validateVolumeName("").ok());
  EXPECT_FALSE(validateVolumeName(".").ok());
  EXPECT_FALSE(validateVolumeName("..").ok());
  EXPECT_FALSE(validateVolumeName("../x").ok());
  EXPECT_FALSE(validateVolumeName("a/b").ok());
  EXPECT_FALSE(validateVolumeName(std::string("a\tb")).ok());
}

// ---------------------------------------------------------------- pools

TEST(StoragePool, FieldsOfAnFsPool) {
  auto p = parsePoolXml(R"(<pool type='fs'>
  <name>loop</name>
  <uuid>2d3d6a0e-7f0d-4b52-9f8c-2b1c5d9e1a01</uuid>
  <capacity unit='MiB'>3</capacity>
  <source><device path='/dev/loop3'/><format type='xfs'/></source>
  <target><path>/mnt/loop/</path><permissions><mode>711</mode><owner>0</owner><group>5</group><label>l</label></permissions></target>
</pool>)",
                        "t.xml");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const PoolDef& d = p->def;
  EXPECT_EQ(d.type, PoolType::Fs);
  EXPECT_EQ(d.name, "loop");
  EXPECT_EQ(d.uuid.str(), "2d3d6a0e-7f0d-4b52-9f8c-2b1c5d9e1a01");
  EXPECT_EQ(d.capacity, 3 * MiB);
  ASSERT_EQ(d.source.devices.size(), 1u);
  EXPECT_EQ(d.source.devices[0].path, "/dev/loop3");
  EXPECT_EQ(d.source.format, "xfs");
  EXPECT_EQ(d.target.path, "/mnt/loop");
  EXPECT_EQ(d.target.perms.mode, "0711");
  EXPECT_EQ(d.target.perms.owner, "0");
  EXPECT_EQ(d.target.perms.group, "5");
  EXPECT_EQ(d.target.perms.label, "l");
  EXPECT_TRUE(p->warnings.empty());
}

TEST(StoragePool, DefaultsPerType) {
  auto lv = parsePoolXml("<pool type='logical'><name>vg9</name></pool>", "t.xml");
  ASSERT_TRUE(lv.ok()) << lv.error().describe();
  EXPECT_EQ(lv->def.source.name, "vg9");
  EXPECT_EQ(lv->def.target.path, "/dev/vg9");
  EXPECT_EQ(lv->def.source.format, "lvm2");
  EXPECT_FALSE(lv->def.uuid.isNull());

  auto nfs = parsePoolXml("<pool type='netfs'><name>n</name><source><host name='h'/><dir path='/e'/></source>"
                          "<target><path>/mnt/n</path></target></pool>",
                          "t.xml");
  ASSERT_TRUE(nfs.ok()) << nfs.error().describe();
  EXPECT_EQ(nfs->def.source.format, "auto");
  EXPECT_EQ(nfs->def.source.hosts.at(0).name, "h");
  EXPECT_FALSE(nfs->def.source.hosts.at(0).port.has_value());

  auto fs = parsePoolXml("<pool type='fs'><name>f</name><source><device path='/dev/x'/></source>"
                         "<target><path>/mnt/f</path></target></pool>",
                         "t.xml");
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ(fs->def.source.format, "auto");

  auto zfs = parsePoolXml("<pool type='zfs'><name>tank</name></pool>", "t.xml");
  ASSERT_TRUE(zfs.ok()) << zfs.error().describe();
  EXPECT_EQ(zfs->def.target.path, "/dev/zvol/tank");

  auto rbd = parsePoolXml("<pool type='rbd'><name>r</name><source><name>pool</name><host name='m'/></source>"
                          "<target><path>/x</path></target></pool>",
                          "t.xml");
  ASSERT_TRUE(rbd.ok()) << rbd.error().describe();
  EXPECT_TRUE(rbd->def.target.path.empty());  // network pools have no target
  EXPECT_EQ(formatPoolXml(rbd->def).find("<target>"), std::string::npos);
}

TEST(StoragePool, GeneratedUuidsDiffer) {
  const char* xml = "<pool type='dir'><name>d</name><target><path>/d</path></target></pool>";
  auto a = parsePoolXml(xml, "a.xml");
  auto b = parsePoolXml(xml, "b.xml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->def.uuid, b->def.uuid);
}

TEST(StoragePool, IscsiFields) {
  auto p = parsePoolXml(R"(<pool type='iscsi'><name>i</name><source>
  <host name='10.0.0.1' port='3261'/><device path='iqn.2026-01.test:t'/>
  <initiator><iqn name='iqn.2026-01.test:me'/></initiator>
  <auth type='chap' username='u'><secret usage='s'/></auth></source>
  <target><path>/dev/disk/by-path</path></target></pool>)",
                        "t.xml");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  const PoolSource& s = p->def.source;
  EXPECT_EQ(s.hosts.at(0).port, 3261u);
  EXPECT_EQ(s.devices.at(0).path, "iqn.2026-01.test:t");
  EXPECT_EQ(s.initiatorIqn, "iqn.2026-01.test:me");
  ASSERT_EQ(s.authExtra.elements.size(), 1u);
  EXPECT_EQ(s.authExtra.elements[0].name, "auth");
  EXPECT_NE(s.authExtra.elements[0].child("secret"), nullptr);
}

TEST(StoragePool, ScsiAdapter) {
  auto p = parsePoolXml("<pool type='scsi'><name>s</name><source><adapter type='scsi_host' name='host3'/></source>"
                        "<target><path>/dev/disk/by-path</path></target></pool>",
                        "t.xml");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->def.source.adapterType, "scsi_host");
  EXPECT_EQ(p->def.source.adapterName, "host3");
  auto bad = parsePoolXml("<pool type='scsi'><name>s</name><source><adapter type='usb'/></source>"
                          "<target><path>/dev</path></target></pool>",
                          "t.xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("usb"), std::string::npos);
}

TEST(StoragePool, BuiltInCodeFormatsLikeLibvirt) {
  // What the node does for the 'default' pool under --root.
  PoolDef d;
  d.type = PoolType::Dir;
  d.name = "default";
  d.uuid = *stratus::Uuid::parse("11111111-2222-4333-8444-555555555555");
  d.target.path = "/root/var/lib/stratus/images";
  d.capacity = 10;
  d.allocation = 4;
  d.available = 6;
  EXPECT_EQ(formatPoolXml(d),
            "<pool type='dir'>\n"
            "  <name>default</name>\n"
            "  <uuid>11111111-2222-4333-8444-555555555555</uuid>\n"
            "  <capacity unit='bytes'>10</capacity>\n"
            "  <allocation unit='bytes'>4</allocation>\n"
            "  <available unit='bytes'>6</available>\n"
            "  <source>\n"
            "  </source>\n"
            "  <target>\n"
            "    <path>/root/var/lib/stratus/images</path>\n"
            "  </target>\n"
            "</pool>\n");
  EXPECT_EQ(formatPoolXml(d, {.inactive = true}), formatPoolXml(d));
}

TEST(StoragePool, EscapesText) {
  auto p = parsePoolXml("<pool type='dir'><name>a&amp;b&lt;c</name><target><path>/x'y</path></target></pool>", "t.xml");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->def.name, "a&b<c");
  std::string out = formatPoolXml(p->def);
  EXPECT_NE(out.find("<name>a&amp;b&lt;c</name>"), std::string::npos) << out;
  auto again = parsePoolXml(out, "again.xml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->def.name, "a&b<c");
  EXPECT_EQ(again->def.target.path, "/x'y");
}

TEST(StoragePool, ErrorsCarryFileLineAndField) {
  auto r = parsePoolXml("<pool type='dir'>\n  <name>x</name>\n  <capacity unit='zz'>1</capacity>\n</pool>", "f.xml");
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().where.has_value());
  EXPECT_EQ(r.error().where->file, "f.xml");
  EXPECT_EQ(r.error().where->line, 3);
  EXPECT_EQ(r.error().where->field, "pool/capacity/@unit");
}

TEST(StoragePool, SourcesDocument) {
  // libvirt's test driver answers `find-storage-pool-sources-as netfs localhost` with this.
  PoolSource s;
  s.hosts.push_back({"localhost", std::nullopt});
  s.dir = "/testshare";
  s.format = "nfs";
  EXPECT_EQ(formatPoolSources(PoolType::Netfs, {s}),
            "<sources>\n"
            "  <source>\n"
            "    <host name='localhost'/>\n"
            "    <dir path='/testshare'/>\n"
            "    <format type='nfs'/>\n"
            "  </source>\n"
            "</sources>\n");
  // ... and `find-storage-pool-sources logical` with this.
  PoolSource a, b;
  a.devices.push_back({"/dev/sda20", {}});
  a.name = "testvg1";
  a.format = "lvm2";
  b.devices.push_back({"/dev/sda21", {}});
  b.name = "testvg2";
  b.format = "lvm2";
  EXPECT_EQ(formatPoolSources(PoolType::Logical, {a, b}),
            "<sources>\n"
            "  <source>\n"
            "    <device path='/dev/sda20'/>\n"
            "    <name>testvg1</name>\n"
            "    <format type='lvm2'/>\n"
            "  </source>\n"
            "  <source>\n"
            "    <device path='/dev/sda21'/>\n"
            "    <name>testvg2</name>\n"
            "    <format type='lvm2'/>\n"
            "  </source>\n"
            "</sources>\n");
  EXPECT_EQ(formatPoolSources(PoolType::Iscsi, {}), "<sources>\n</sources>\n");
}

TEST(StoragePool, SourceSpec) {
  auto s = parsePoolSourceXml("<source><host name='nfs.example' port='2049'/><dir path='/e//x/'/></source>", "spec");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->hosts.at(0).name, "nfs.example");
  EXPECT_EQ(s->hosts.at(0).port, 2049u);
  EXPECT_EQ(s->dir, "/e/x");
  EXPECT_FALSE(parsePoolSourceXml("<pool type='dir'/>", "spec").ok());
  EXPECT_FALSE(parsePoolSourceXml("<source><host/></source>", "spec").ok());
  EXPECT_FALSE(parsePoolSourceXml("not xml", "spec").ok());
}

// ---------------------------------------------------------------- volumes

TEST(StorageVolume, Fields) {
  auto v = parseVolumeXml(R"(<volume type='file'>
  <name>g.qcow2</name><key>k</key>
  <capacity unit='G'>2</capacity><allocation unit='KiB'>8</allocation>
  <target><path>/p/g.qcow2</path><format type='qcow2'/><compat>1.1</compat>
    <permissions><mode>0644</mode></permissions>
    <clusterSize unit='K'>128</clusterSize><features><lazy_refcounts/></features></target>
  <backingStore><path>/p/base</path><format type='qcow2'/><permissions><owner>107</owner></permissions></backingStore>
</volume>)",
                          "v.xml");
  ASSERT_TRUE(v.ok()) << v.error().describe();
  const VolumeDef& d = v->def;
  EXPECT_EQ(d.name, "g.qcow2");
  EXPECT_EQ(d.key, "k");
  EXPECT_EQ(d.type, "file");
  EXPECT_EQ(d.capacity, 2 * GiB);
  EXPECT_EQ(d.allocation, 8 * KiB);
  EXPECT_EQ(d.path, "/p/g.qcow2");
  EXPECT_EQ(d.format, "qcow2");
  EXPECT_EQ(d.compat, "1.1");
  EXPECT_EQ(d.perms.mode, "0644");
  EXPECT_EQ(d.clusterSize, "131072");
  EXPECT_TRUE(d.lazyRefcounts);
  ASSERT_TRUE(d.backing.has_value());
  EXPECT_EQ(d.backing->path, "/p/base");
  EXPECT_EQ(d.backing->format, "qcow2");
  EXPECT_EQ(d.backing->perms.owner, "107");
  EXPECT_TRUE(v->warnings.empty());
}

TEST(StorageVolume, UnsetAllocationFollowsCapacity) {
  auto v = parseVolumeXml("<volume><name>a</name><capacity>4096</capacity></volume>", "v.xml");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->def.allocation.has_value());  // sparse unless asked
  EXPECT_TRUE(v->def.type.empty());
  EXPECT_TRUE(v->def.format.empty());
  std::string out = formatVolumeXml(v->def);
  EXPECT_NE(out.find("<volume type='file'>"), std::string::npos) << out;
  EXPECT_NE(out.find("<allocation unit='bytes'>4096</allocation>"), std::string::npos) << out;
}

TEST(StorageVolume, CapacityOptions) {
  const char* noCap = "<volume><name>c</name><target><format type='qcow2'/></target></volume>";
  EXPECT_FALSE(parseVolumeXml(noCap, "v.xml").ok());
  auto clone = parseVolumeXml(noCap, "v.xml", {.requireCapacity = false});
  ASSERT_TRUE(clone.ok()) << clone.error().describe();
  EXPECT_EQ(clone->def.capacity, 0u);
}

TEST(StorageVolume, BuiltInCode) {
  // What the node does after a refresh of a dir pool.
  VolumeDef d;
  d.name = "a.qcow2";
  d.key = d.path = "/pool/a.qcow2";
  d.type = "file";
  d.format = "qcow2";
  d.capacity = 1 * GiB;
  d.allocation = 200704;
  d.physical = 200704;
  d.backing = VolumeBacking{"/pool/b.raw", "raw", {}};
  EXPECT_EQ(formatVolumeXml(d),
            "<volume type='file'>\n"
            "  <name>a.qcow2</name>\n"
            "  <key>/pool/a.qcow2</key>\n"
            "  <capacity unit='bytes'>1073741824</capacity>\n"
            "  <allocation unit='bytes'>200704</allocation>\n"
            "  <physical unit='bytes'>200704</physical>\n"
            "  <target>\n"
            "    <path>/pool/a.qcow2</path>\n"
            "    <format type='qcow2'/>\n"
            "  </target>\n"
            "  <backingStore>\n"
            "    <path>/pool/b.raw</path>\n"
            "    <format type='raw'/>\n"
            "  </backingStore>\n"
            "</volume>\n");
  // <physical> is output only: reading the document back drops it.
  auto again = parseVolumeXml(formatVolumeXml(d), "again.xml");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->def.physical.has_value());
  EXPECT_EQ(again->def.allocation, 200704u);
}

TEST(StorageVolume, AcceptedFormats) {
  for (const char* f : {"raw", "qcow2", "vmdk", "vdi", "vhdx", "qed", "iso", "vpc", "dir", "luks", "qcow", "ploop"}) {
    std::string xml = std::string("<volume><name>v</name><capacity>1</capacity><target><format type='") + f +
                      "'/></target></volume>";
    auto v = parseVolumeXml(xml, "v.xml");
    ASSERT_TRUE(v.ok()) << f << ": " << v.error().describe();
    EXPECT_EQ(v->def.format, f);
  }
}

// ---------------------------------------------------------------- robustness

namespace {

const char* const kSeedPool = R"(<pool type='iscsi' xmlns:x='urn:x'>
  <name>fuzz</name>
  <uuid>2d3d6a0e-7f0d-4b52-9f8c-2b1c5d9e1a01</uuid>
  <capacity unit='G'>1</capacity>
  <source>
    <host name='10.0.0.1' port='3260'/>
    <device path='iqn.2026-01.test:fuzz'><freeExtent start='1' end='2'/></device>
    <initiator><iqn name='iqn.x:y'/></initiator>
    <auth type='chap' username='u'><secret usage='s'/></auth>
    <adapter type='fc_host' wwnn='1' wwpn='2'/>
    <protocol ver='4'/>
    <vendor name='v'/><product name='p'/>
  </source>
  <target><path>/dev/disk/by-path</path><permissions><mode>0700</mode><owner>1</owner></permissions></target>
  <x:opt a='b'/>
</pool>
)";

const char* const kSeedVolume = R"(<volume type='file'>
  <name>fuzz.qcow2</name>
  <capacity unit='G'>1</capacity>
  <allocation>0</allocation>
  <target><format type='qcow2'/><compat>1.1</compat><clusterSize unit='K'>64</clusterSize>
    <features><lazy_refcounts/><extended_l2/></features><nocow/></target>
  <backingStore><path>/b</path><format type='raw'/></backingStore>
</volume>
)";

// Every document the parsers accept must format, and the output must parse
// again to the same text.
void parseAnything(const std::string& text) {
  if (auto p = parsePoolXml(text, "fuzz.xml")) {
    std::string out = formatPoolXml(p->def);
    auto again = parsePoolXml(out, "fuzz.out.xml");
    ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << out;
    EXPECT_EQ(formatPoolXml(again->def), out);
  }
  if (auto v = parseVolumeXml(text, "fuzz.xml")) {
    std::string out = formatVolumeXml(v->def);
    auto again = parseVolumeXml(out, "fuzz.out.xml");
    ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << out;
    EXPECT_EQ(formatVolumeXml(again->def), out);
  }
  (void)parsePoolSourceXml(text, "fuzz.xml");
}

}  // namespace

TEST(StorageFuzz, SeedsAreValid) {
  auto p = parsePoolXml(kSeedPool, "seed");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  auto v = parseVolumeXml(kSeedVolume, "seed");
  ASSERT_TRUE(v.ok()) << v.error().describe();
}

TEST(StorageFuzz, TruncationsNeverCrash) {
  for (const std::string& seed : {std::string(kSeedPool), std::string(kSeedVolume)})
    for (std::size_t n = 0; n <= seed.size(); ++n) parseAnything(seed.substr(0, n));
}

TEST(StorageFuzz, FlippedBytesNeverCrash) {
  std::mt19937 rng(20260601);  // fixed seed: failures reproduce
  const char alphabet[] = "<>/='\"&;: \n\tabcxyz019-._\x80\xff";
  for (const std::string& seed : {std::string(kSeedPool), std::string(kSeedVolume)}) {
    for (int round = 0; round < 3000; ++round) {
      std::string s = seed;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips; ++i) {
        std::size_t at = rng() % s.size();
        switch (rng() % 3) {
          case 0: s[at] = alphabet[rng() % (sizeof(alphabet) - 1)]; break;
          case 1: s.erase(at, 1 + rng() % 8); break;
          default: s.insert(at, 1, alphabet[rng() % (sizeof(alphabet) - 1)]); break;
        }
        if (s.empty()) s = "<";
      }
      parseAnything(s);
    }
  }
}

TEST(StorageFuzz, SizeParsersNeverCrash) {
  std::mt19937 rng(7);
  const char alphabet[] = "0123456789kKmMgGtTpPeEiIbB -.x";
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    for (int n = static_cast<int>(rng() % 24); n > 0; --n) s += alphabet[rng() % (sizeof(alphabet) - 1)];
    auto a = parseScaledSizeText(s, "size");
    if (a) {
      EXPECT_LE(*a, static_cast<std::uint64_t>(INT64_MAX)) << s;
    }
    auto b = parseScaledSize(s, s.substr(0, s.size() / 3), "size");
    if (b) {
      EXPECT_LE(*b, static_cast<std::uint64_t>(INT64_MAX)) << s;
    }
  }
}
