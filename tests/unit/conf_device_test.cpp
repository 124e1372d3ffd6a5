// One device element: parsing (lines of the input, defaults, refusals) and
// the attach/detach/update edits on a definition.
#include <gtest/gtest.h>

#include "conf/device_xml.h"

using namespace stratus;
using namespace stratus::conf;

namespace {

DomainDef domain(const std::string& devices = "") {
  auto p = parseDomainXml("<domain type='qemu'><name>d</name><memory>65536</memory><devices>" + devices +
                              "</devices></domain>",
                          "d.xml");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return p->def;
}

DeviceDef device(const std::string& xml, const DomainDef& d, bool defaults = true) {
  auto dev = parseDeviceXml(xml, "dev.xml", d, defaults);
  EXPECT_TRUE(dev.ok()) << (dev.ok() ? "" : dev.error().describe());
  return dev.ok() ? *dev : DeviceDef{};
}

const char* kDiskVdb = "<disk type='file'><source file='/x.qcow2'/><target dev='vdb'/></disk>";
const char* kDiskVda = "<disk type='file'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>";

}  // namespace

TEST(DeviceXml, ParsesOneDiskWithDomainDefaults) {
  auto d = domain();
  auto dev = device(kDiskVdb, d);
  ASSERT_NE(dev.disk(), nullptr);
  EXPECT_EQ(dev.element, "disk");
  EXPECT_EQ(dev.disk()->targetBus, "virtio");    // from the target's name, as libvirt
  EXPECT_EQ(dev.disk()->driverName, "qemu");     // a qemu domain's default driver
  EXPECT_EQ(describeDevice(dev), "disk 'vdb'");
}

TEST(DeviceXml, InterfaceGetsAMacUnlessDetachIsAsking) {
  auto d = domain();
  auto withDefaults = device("<interface type='network'><source network='n'/></interface>", d);
  ASSERT_NE(withDefaults.iface(), nullptr);
  EXPECT_EQ(withDefaults.iface()->mac.size(), 17u);
  EXPECT_FALSE(withDefaults.macGiven);
  auto given = device("<interface type='network'><mac address='52:54:00:AA:00:01'/><source network='n'/></interface>", d);
  EXPECT_TRUE(given.macGiven);
  EXPECT_EQ(given.iface()->mac, "52:54:00:aa:00:01");
}

TEST(DeviceXml, ErrorsKeepTheLinesOfTheInput) {
  auto d = domain();
  auto r = parseDeviceXml("<?xml version='1.0'?>\n<!-- a disk -->\n<disk type='file'>\n  <target dev='vdb' bogus='1'>\n"
                          "  <driver cache='sometimes'/>\n</disk>\n",
                          "dev.xml", d);
  // target not closed: a syntax error on the input's own line
  ASSERT_FALSE(r.ok());
  r = parseDeviceXml("<?xml version='1.0'?>\n\n<disk type='file'>\n  <driver cache='sometimes'/>\n  <target dev='vdb'/>\n</disk>\n",
                     "dev.xml", d);
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().where.has_value());
  EXPECT_EQ(r.error().where->line, 4);
  EXPECT_EQ(r.error().where->file, "dev.xml");
}

TEST(DeviceXml, RefusesWhatIsNotOneKnownDevice) {
  auto d = domain();
  EXPECT_EQ(parseDeviceXml("<frobnicator/>", "x", d).error().message, "XML error: unknown device type 'frobnicator'");
  EXPECT_EQ(parseDeviceXml("<domain type='qemu'/>", "x", d).error().message, "XML error: unknown device type 'domain'");
  EXPECT_FALSE(parseDeviceXml("<disk type='file'><target dev='vdb'/></disk><disk/>", "x", d).ok());
  EXPECT_FALSE(parseDeviceXml("", "x", d).ok());
  EXPECT_FALSE(parseDeviceXml("<disk type='file'>", "x", d).ok());
  EXPECT_FALSE(parseDeviceXml("<disk type='file'/>", "x", d).ok());  // no target
}

TEST(DeviceXml, FormatsTheElementAlone) {
  auto d = domain();
  auto dev = device(kDiskVdb, d);
  EXPECT_EQ(formatDeviceXml(dev),
            "<disk type='file' device='disk'>\n"
            "  <driver name='qemu'/>\n"
            "  <source file='/x.qcow2'/>\n"
            "  <target dev='vdb' bus='virtio'/>\n"
            "</disk>\n");
}

TEST(DeviceEdit, AttachInsertsDisksInLibvirtsOrderAndRefusesATakenTarget) {
  auto d = domain(std::string(kDiskVda) + "<disk type='file'><source file='/c'/><target dev='vdc'/></disk>");
  ASSERT_TRUE(attachDeviceToDef(d, device(kDiskVdb, d)).ok());
  ASSERT_EQ(d.devices.disks.size(), 3u);
  EXPECT_EQ(d.devices.disks[1].targetDev, "vdb");
  auto again = attachDeviceToDef(d, device(kDiskVdb, d));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "Requested operation is not valid: target vdb already exists");
}

TEST(DeviceEdit, AttachRefusesADuplicateMac) {
  auto d = domain("<interface type='user'><mac address='52:54:00:00:00:01'/></interface>");
  auto dup = device("<interface type='network'><mac address='52:54:00:00:00:01'/><source network='n'/></interface>", d);
  auto r = attachDeviceToDef(d, dup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid argument: mac 52:54:00:00:00:01 already exists");
  EXPECT_EQ(d.devices.interfaces.size(), 1u);
}

TEST(DeviceEdit, AttachValidatesTheWholeDefinition) {
  auto d = domain();
  d.os.bootDevs = {"hd"};
  auto dev = device("<disk type='file'><source file='/x'/><target dev='vdb'/><boot order='1'/></disk>", d);
  EXPECT_FALSE(attachDeviceToDef(d, dev).ok());  // per-device boot with <os><boot dev>
}

TEST(DeviceEdit, DetachFindsDisksByTargetAndInterfacesByMac) {
  auto d = domain(std::string(kDiskVda) + kDiskVdb +
                  "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>"
                  "<interface type='user'><mac address='52:54:00:00:00:02'/></interface>");
  auto removed = detachDeviceFromDef(d, device("<disk><target dev='vdb'/></disk>", d, false));
  ASSERT_TRUE(removed.ok());
  ASSERT_NE(removed->disk(), nullptr);
  EXPECT_EQ(removed->disk()->sourceFile, "/x.qcow2");
  EXPECT_EQ(d.devices.disks.size(), 1u);
  auto missing = detachDeviceFromDef(d, device("<disk><target dev='vdz'/></disk>", d, false));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::DeviceMissing);
  EXPECT_EQ(missing.error().message, "device not found: no target device vdz");

  auto ambiguous = detachDeviceFromDef(d, device("<interface type='user'/>", d));
  ASSERT_FALSE(ambiguous.ok());  // two user NICs and no MAC
  auto byMac = detachDeviceFromDef(d, device("<interface type='user'><mac address='52:54:00:00:00:02'/></interface>", d));
  ASSERT_TRUE(byMac.ok());
  EXPECT_EQ(d.devices.interfaces.size(), 1u);
  auto only = detachDeviceFromDef(d, device("<interface type='user'/>", d));
  ASSERT_TRUE(only.ok());  // the only one of its type
  EXPECT_TRUE(d.devices.interfaces.empty());
  auto none = detachDeviceFromDef(d, device("<interface type='user'><mac address='52:54:00:00:00:09'/></interface>", d));
  EXPECT_EQ(none.error().message, "device not found: no device matching MAC address 52:54:00:00:00:09 found");
}

TEST(DeviceEdit, OtherKindsMatchByContent) {
  auto d = domain("<sound model='ich6'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>");
  auto wrong = detachDeviceFromDef(d, device("<sound model='ac97'/>", d));
  EXPECT_EQ(wrong.error().code, ErrorCode::DeviceMissing);
  ASSERT_TRUE(detachDeviceFromDef(d, device("<sound model='ich6'/>", d)).ok());
  EXPECT_TRUE(d.devices.sounds.empty());
  ASSERT_TRUE(attachDeviceToDef(d, device("<watchdog model='i6300esb'/>", d)).ok());
  EXPECT_EQ(d.devices.watchdogs.size(), 1u);
  auto balloon = attachDeviceToDef(d, device("<memballoon model='virtio'/>", d));
  EXPECT_EQ(balloon.error().code, ErrorCode::Unsupported);
}

TEST(DeviceEdit, UpdateReplacesTheDeviceKeepingAliasAndAddress) {
  auto d = domain("<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='hdc' bus='ide'/>"
                  "<readonly/><alias name='ide0-1-0'/><address type='drive' controller='0' bus='1' unit='0'/></disk>");
  auto next = device("<disk type='file' device='cdrom'><source file='/b.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>", d);
  ASSERT_TRUE(updateDeviceInDef(d, next).ok());
  EXPECT_EQ(d.devices.disks[0].sourceFile, "/b.iso");
  EXPECT_EQ(d.devices.disks[0].info.alias, "ide0-1-0");
  EXPECT_TRUE(d.devices.disks[0].info.address.has_value());
  auto missing = updateDeviceInDef(d, device(kDiskVdb, d));
  EXPECT_EQ(missing.error().message, "invalid argument: target vdb doesn't exist.");
}

TEST(DeviceEdit, FindDiskByTargetOrSourcePath) {
  auto d = domain(std::string(kDiskVda) + kDiskVdb);
  EXPECT_EQ(findDisk(d, "vdb"), std::optional<std::size_t>(1));
  EXPECT_EQ(findDisk(d, "/a.img"), std::optional<std::size_t>(0));
  EXPECT_FALSE(findDisk(d, "vdq").has_value());
  EXPECT_FALSE(findDisk(d, "").has_value());
}

TEST(DomainDefaults, DiskBusFromTheTargetName) {
  auto d = domain("<disk type='file'><source file='/a'/><target dev='hdc'/></disk>"
                  "<disk type='file'><source file='/b'/><target dev='sdb'/></disk>"
                  "<disk type='file'><source file='/c'/><target dev='xyz'/></disk>");
  EXPECT_EQ(d.devices.disks[0].targetBus, "ide");
  EXPECT_EQ(d.devices.disks[1].targetBus, "scsi");
  EXPECT_EQ(d.devices.disks[2].targetBus, "");  // unknown prefix: left to the driver to refuse
}

TEST(DeviceXml, NeverCrashesOnBrokenInput) {
  auto d = domain();
  const std::string good =
      "<?xml version='1.0'?>\n<interface type='bridge'>\n  <mac address='52:54:00:00:00:01'/>\n"
      "  <source bridge='br0'/>\n  <model type='virtio'/>\n  <address type='pci' slot='0x05'/>\n</interface>\n";
  for (std::size_t n = 0; n <= good.size(); ++n) (void)parseDeviceXml(good.substr(0, n), "cut.xml", d);
  unsigned seed = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string x = good;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1103515245u + 12345u;
      x[(seed >> 8) % x.size()] = static_cast<char>((seed >> 16) & 0xff);
    }
    auto r = parseDeviceXml(x, "fuzz.xml", d);
    if (r) (void)formatDeviceXml(*r);
  }
  SUCCEED();
}
