// Golden data: one device element in -> the QMP commands that plug it out
// (tests/data/hotplug/README.md); and the vCPU and address builders.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "conf/device_xml.h"
#include "drivers/qemu/qemu_block_network.h"
#include "drivers/qemu/qemu_hotplug_args.h"

using namespace stratus;
using namespace stratus::drivers::qemu;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = STRATUS_HOTPLUG_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

conf::DomainDef runningDomain() {
  conf::DomainDef d;
  d.type = "qemu";
  d.name = "g";
  d.memoryKiB = 65536;
  return d;
}

std::string line(const char* command, const Json& args) {
  return Json{{"execute", command}, {"arguments", args}}.dump() + "\n";
}

// The commands QemuInstance::attachDisk / attachInterface send, as text.
Result<std::string> render(const fs::path& xmlPath) {
  auto dev = conf::parseDeviceXml(slurp(xmlPath), xmlPath.filename().string(), runningDomain());
  if (!dev) return std::move(dev).error();
  const unsigned slot = 5;
  std::string out;
  if (auto* d = dev->disk()) {
    if (!d->info.alias.starts_with("ua-")) d->info.alias = "virtio-disk" + std::to_string(d->targetDev.back() - 'a');
    auto nodes = diskBlockNodes(*d, blockNodePrefix(d->info.alias));
    if (!nodes) return std::move(nodes).error();
    auto dev = diskDeviceArgs(*d, pciBus0Name(false), slot, *nodes ? (*nodes)->formatNode : "");
    if (!dev) return std::move(dev).error();
    out += line("blockdev-add", (*nodes)->storage);
    out += line("blockdev-add", (*nodes)->format);
    out += line("device_add", *dev);
  } else if (auto* n = dev->iface()) {
    n->info.alias = "net1";
    bool tap = n->type != "user";
    auto netdev = netdevArgs(*n, tap ? "fd-net1" : "");
    if (!netdev) return std::move(netdev).error();
    auto nic = nicDeviceArgs(*n, pciBus0Name(false), slot);
    if (!nic) return std::move(nic).error();
    out += line("netdev_add", *netdev);
    out += line("device_add", *nic);
  } else {
    return Error(ErrorCode::Unsupported, "not a disk or interface");
  }
  return out;
}

bool regenerate() { return std::getenv("STRATUS_REGENERATE") != nullptr; }

}  // namespace

TEST(QemuHotplugGolden, EveryCaseMatches) {
  int cases = 0;
  std::set<std::string> used = {"README.md"};
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".xml") continue;
    ++cases;
    used.insert(e.path().filename().string());
    std::string stem = e.path().stem().string();
    bool isErr = stem.rfind("err-", 0) == 0;
    fs::path expected = kDir / (stem + (isErr ? ".err" : ".json"));
    used.insert(expected.filename().string());
    auto r = render(e.path());
    std::string got = r ? *r : "error: " + r.error().describe() + "\n";
    if (regenerate()) {
      std::ofstream(expected) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected)) << "missing " << expected << "; run with STRATUS_REGENERATE=1";
    EXPECT_EQ(got, slurp(expected)) << "case " << stem;
    EXPECT_EQ(isErr, !r.ok()) << stem << (r ? " should fail" : " should plug: " + got);
  }
  EXPECT_GE(cases, 10);
  for (const auto& e : fs::directory_iterator(kDir))
    EXPECT_TRUE(used.count(e.path().filename().string())) << "unused data file " << e.path();
}

TEST(QemuHotplugArgs, CpuDeviceCopiesTheSlotsTopology) {
  ::stratus::qemu::qmp::HotpluggableCpu slot;
  slot.type = "qemu64-x86_64-cpu";
  slot.props = {{"socket-id", 1}, {"core-id", 0}, {"thread-id", 0}};
  Json args = cpuDeviceArgs(slot, "vcpu1");
  EXPECT_EQ(args, (Json{{"driver", "qemu64-x86_64-cpu"}, {"id", "vcpu1"}, {"socket-id", 1}, {"core-id", 0},
                        {"thread-id", 0}}));
}

TEST(QemuHotplugArgs, AddressAndNames) {
  auto a = pciAddress(0x1f);
  EXPECT_EQ(a.type, "pci");
  EXPECT_EQ(a.slot, 0x1fu);
  EXPECT_EQ(a.bus, 0u);
  EXPECT_EQ(a.function, 0u);
  EXPECT_EQ(blockNodePrefix("ide0-1-0"), "drive-ide0-1-0");
  EXPECT_EQ(blockNodePrefix("ide0-1-0", 2), "drive-ide0-1-0-m2");
  EXPECT_EQ(pciBus0Name(true), "pcie.0");
  EXPECT_EQ(nicDevice(""), "rtl8139");
  EXPECT_EQ(nicDevice("virtio"), "virtio-net-pci");
  EXPECT_EQ(nicDevice("vmxnet3"), "");
}

TEST(QemuHotplugArgs, EmptyCdromHasNoBlockNodes) {
  conf::DiskDef d;
  d.device = "cdrom";
  d.targetDev = "hdc";
  d.targetBus = "ide";
  auto nodes = diskBlockNodes(d, "drive-ide0-1-0");
  ASSERT_TRUE(nodes.ok());
  EXPECT_FALSE(nodes->has_value());
  d.sourceFile = "/srv/x.iso";
  nodes = diskBlockNodes(d, "drive-ide0-1-0-m1");
  ASSERT_TRUE(nodes.ok());
  ASSERT_TRUE(nodes->has_value());
  EXPECT_EQ((*nodes)->format["read-only"], true);  // a cdrom's medium is read-only
  EXPECT_EQ((*nodes)->formatNode, "drive-ide0-1-0-m1-format");
}

// The URL an iSCSI pool gives its volumes, as the node passes it on.
TEST(QemuBlockNetwork, IscsiVolumeUrl) {
  conf::DiskDef d;
  d.targetDev = "vda";
  ASSERT_TRUE(applyIscsiUrl("iscsi://192.0.2.30:3261/iqn.2004-04.org.example:san/3", d).ok());
  EXPECT_EQ(d.type, "network");
  EXPECT_EQ(d.sourceProtocol, "iscsi");
  EXPECT_EQ(d.sourceName, "iqn.2004-04.org.example:san/3");
  ASSERT_EQ(d.sourceHosts.size(), 1u);
  EXPECT_EQ(d.sourceHosts[0].name, "192.0.2.30");
  EXPECT_EQ(d.sourceHosts[0].port, "3261");
  conf::DiskDef v6;
  ASSERT_TRUE(applyIscsiUrl("iscsi://[2001:db8::1]/iqn.2004-04.org.example:san/0", v6).ok());
  EXPECT_EQ(v6.sourceHosts[0].name, "2001:db8::1");
  EXPECT_EQ(v6.sourceHosts[0].port, "");
  for (const char* bad : {"http://h/iqn/1", "iscsi://h", "iscsi://h/iqn-without-lun", "iscsi://[::1/iqn/1",
                          "iscsi:///iqn/1", "iscsi://[::1]x/iqn/1"}) {
    conf::DiskDef b;
    EXPECT_FALSE(applyIscsiUrl(bad, b).ok()) << bad;
  }
}

TEST(QemuBlockNetwork, BadPortsAndTransportsAreRefused) {
  conf::DiskDef d;
  d.type = "network";
  d.targetDev = "vda";
  d.sourceProtocol = "nbd";
  d.sourceHosts = {conf::DiskHost{"192.0.2.1", "99999", "", ""}};
  EXPECT_FALSE(networkStorageProps(d).ok());
  d.sourceHosts = {conf::DiskHost{"192.0.2.1", "10809", "rdma", ""}};
  EXPECT_FALSE(networkStorageProps(d).ok());
  d.sourceHosts = {conf::DiskHost{"", "", "unix", ""}};  // unix without a socket
  EXPECT_FALSE(networkStorageProps(d).ok());
  d.sourceHosts = {conf::DiskHost{"192.0.2.1", "10809", "", ""}};
  auto ok = networkStorageProps(d);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["server"]["port"], "10809");
}
