// QemuInstance's hot-plug against the scripted fake QMP server: the commands
// it sends, what it does when one fails (nothing stays half-plugged), how it
// waits for DEVICE_DELETED and what happens when the guest does not answer in
// time. The "QEMU" process is a sleep; the monitor is the fake server.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "conf/device_xml.h"
#include "drivers/qemu/qemu_instance.h"
#include "qmp_fake_server.h"

using namespace std::chrono_literals;
using namespace stratus;
using stratus::drivers::InstanceEvent;
using stratus::drivers::qemu::InstanceSetup;
using stratus::drivers::qemu::QemuInstance;
using stratus::qemu::testing::FakeQmpServer;
using Json = nlohmann::json;

namespace {

Json ok(Json value = Json::object()) { return {{"return", std::move(value)}}; }
Json qmpError(const std::string& desc) { return {{"error", {{"class", "GenericError"}, {"desc", desc}}}}; }

// query-pci with devices in `slots` of bus 0.
Json pci(std::initializer_list<unsigned> slots) {
  Json devs = Json::array();
  for (unsigned s : slots) devs.push_back({{"bus", 0}, {"slot", s}, {"function", 0}, {"qdev_id", ""}});
  return ok(Json::array({{{"bus", 0}, {"devices", devs}}}));
}

Json block(const std::string& qdev, const std::string& node) {
  Json b = {{"device", ""}, {"qdev", qdev}, {"removable", node.empty()}, {"locked", false}};
  if (!node.empty()) b["inserted"] = {{"node-name", node}, {"file", "/x"}, {"drv", "qcow2"}, {"ro", false}};
  return ok(Json::array({b}));
}

Json cpuSlot(int socket, const std::string& qomPath) {
  Json c = {{"type", "qemu64-x86_64-cpu"},
            {"vcpus-count", 1},
            {"props", {{"socket-id", socket}, {"core-id", 0}, {"thread-id", 0}}}};
  if (!qomPath.empty()) c["qom-path"] = qomPath;
  return c;
}

conf::DomainDef liveDef(const std::string& devices, const std::string& type = "qemu",
                        const std::string& machine = "pc-i440fx-7.2") {
  auto p = conf::parseDomainXml("<domain type='" + type + "'><name>g</name><memory>65536</memory>"
                                    "<vcpu current='1'>4</vcpu><os><type machine='" + machine + "'>hvm</type></os>"
                                    "<devices>" + devices + "</devices></domain>",
                                "g.xml");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return p->def;
}

const char* kVda =
    "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/g.qcow2'/><target dev='vda' bus='virtio'/>"
    "<alias name='virtio-disk0'/></disk>";
const char* kVdbPlugged =
    "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/data.qcow2'/><target dev='vdb' bus='virtio'/>"
    "<alias name='virtio-disk1'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></disk>";

conf::DiskDef diskOf(const std::string& xml) {
  auto dev = conf::parseDeviceXml(xml, "dev.xml", liveDef(""));
  EXPECT_TRUE(dev.ok()) << (dev.ok() ? "" : dev.error().describe());
  return *dev->disk();
}

class InstanceHotplug : public ::testing::Test {
 protected:
  void SetUp() override { srv.handshake(); }

  void start(conf::DomainDef live) {
    srv.start();
    SpawnOptions so;
    so.argv = {"sleep", "300"};
    auto p = Process::spawn(so);
    ASSERT_TRUE(p.ok()) << p.error().describe();
    InstanceSetup s;
    s.live = std::move(live);
    s.id = 1;
    s.process = std::move(p).value();
    s.monitorPath = srv.socketPath();
    s.logPath = "/dev/null";
    s.sink = [this](const InstanceEvent& e) {
      std::lock_guard lk(mu);
      events.push_back(e);
      cv.notify_all();
    };
    inst = std::make_unique<QemuInstance>(std::move(s));
    inst->startWatcher();
    auto c = inst->connectMonitor(5s);
    ASSERT_TRUE(c.ok()) << c.error().describe();
  }

  void TearDown() override {
    if (inst) {
      EXPECT_TRUE(srv.waitDone());
      for (const auto& f : srv.failures()) ADD_FAILURE() << "fake QMP server: " << f;
      (void)inst->destroy({});
      inst.reset();
    }
  }

  // The i-th command the instance sent (0 is qmp_capabilities).
  Json sent(std::size_t i) { return srv.received().at(i); }
  std::vector<std::string> commands() {
    std::vector<std::string> out;
    for (const auto& c : srv.received()) out.push_back(c.value("execute", ""));
    return out;
  }
  conf::DomainDef live() { return *inst->liveDefinition(); }
  bool waitEvent(InstanceEvent::Kind kind) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 10s, [&] {
      for (const auto& e : events)
        if (e.kind == kind) return true;
      return false;
    });
  }

  FakeQmpServer srv;
  std::unique_ptr<QemuInstance> inst;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<InstanceEvent> events;
};

using Cmds = std::vector<std::string>;

}  // namespace

TEST_F(InstanceHotplug, AttachDiskTakesTheFirstFreeSlotAndRecordsIt) {
  srv.expect("query-pci", pci({0, 1, 2, 3})).expect("blockdev-add", ok()).expect("blockdev-add", ok());
  srv.expect("device_add", ok());
  start(liveDef(kVda));
  auto s = inst->attachDisk(diskOf("<disk type='file'><driver name='qemu' type='qcow2'/><source file='/d.qcow2'/>"
                                   "<target dev='vdb'/></disk>"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(2)["arguments"]["node-name"], "drive-virtio-disk1-storage");
  EXPECT_EQ(sent(3)["arguments"]["node-name"], "drive-virtio-disk1-format");
  EXPECT_EQ(sent(4)["arguments"],
            (Json{{"driver", "virtio-blk-pci"}, {"bus", "pci.0"}, {"addr", "0x4"}, {"drive", "drive-virtio-disk1-format"},
                  {"id", "virtio-disk1"}}));
  auto l = live();
  ASSERT_EQ(l.devices.disks.size(), 2u);
  EXPECT_EQ(l.devices.disks[1].info.alias, "virtio-disk1");
  ASSERT_TRUE(l.devices.disks[1].info.address.has_value());
  EXPECT_EQ(l.devices.disks[1].info.address->slot, 4u);
}

TEST_F(InstanceHotplug, AFailedDeviceAddRemovesTheBlockNodesAgain) {
  srv.expect("query-pci", pci({0, 1})).expect("blockdev-add", ok()).expect("blockdev-add", ok());
  srv.expect("device_add", qmpError("Bus 'pci.0' does not support hotplugging"));
  srv.expect("blockdev-del", ok()).expect("blockdev-del", ok());
  start(liveDef(kVda));
  auto s = inst->attachDisk(diskOf("<disk type='file'><source file='/d.img'/><target dev='vdb'/></disk>"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("does not support hotplugging"), std::string::npos);
  EXPECT_EQ(sent(5)["arguments"]["node-name"], "drive-virtio-disk1-format");
  EXPECT_EQ(sent(6)["arguments"]["node-name"], "drive-virtio-disk1-storage");
  EXPECT_EQ(live().devices.disks.size(), 1u);
}

TEST_F(InstanceHotplug, AFailedFormatNodeRemovesTheStorageNode) {
  srv.expect("query-pci", pci({0, 1})).expect("blockdev-add", ok());
  srv.expect("blockdev-add", qmpError("Image is not in qcow2 format")).expect("blockdev-del", ok());
  start(liveDef(kVda));
  auto s = inst->attachDisk(
      diskOf("<disk type='file'><driver type='qcow2'/><source file='/raw.img'/><target dev='vdb'/></disk>"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(sent(4)["arguments"]["node-name"], "drive-virtio-disk1-storage");
  EXPECT_EQ(live().devices.disks.size(), 1u);
}

TEST_F(InstanceHotplug, WhatCannotBePluggedIsRefusedBeforeQemuIsAsked) {
  start(liveDef(kVda));
  auto scsi = inst->attachDisk(diskOf("<disk type='file'><source file='/a'/><target dev='sdb'/></disk>"));
  ASSERT_FALSE(scsi.ok());
  EXPECT_EQ(scsi.error().code, ErrorCode::Unsupported);
  auto taken = inst->attachDisk(diskOf("<disk type='file'><source file='/a'/><target dev='vda'/></disk>"));
  EXPECT_FALSE(taken.ok());
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities"}));
}

TEST_F(InstanceHotplug, Q35NeedsARootPort) {
  start(liveDef(kVda, "qemu", "pc-q35-7.2"));
  auto s = inst->attachDisk(diskOf("<disk type='file'><source file='/a'/><target dev='vdb'/></disk>"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("q35"), std::string::npos);
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities"}));
}

TEST_F(InstanceHotplug, DetachWaitsForDeviceDeletedThenDropsTheBlockNodes) {
  srv.expect("query-block", block("/machine/peripheral/virtio-disk1/virtio-backend", "drive-virtio-disk1-format"));
  srv.expect("device_del", ok());
  srv.event("DEVICE_DELETED", {{"path", "/machine/peripheral/virtio-disk1/virtio-backend"}});
  srv.event("DEVICE_DELETED", {{"device", "virtio-disk1"}, {"path", "/machine/peripheral/virtio-disk1"}});
  srv.expect("blockdev-del", ok()).expect("blockdev-del", ok());
  start(liveDef(std::string(kVda) + kVdbPlugged));
  inst->setUnplugTimeout(10s);
  auto s = inst->detachDisk(live().devices.disks[1]);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(2)["arguments"]["id"], "virtio-disk1");
  EXPECT_EQ(sent(3)["arguments"]["node-name"], "drive-virtio-disk1-format");
  EXPECT_EQ(sent(4)["arguments"]["node-name"], "drive-virtio-disk1-storage");
  EXPECT_EQ(live().devices.disks.size(), 1u);
}

TEST_F(InstanceHotplug, AGuestThatDoesNotReleaseTimesOutNamingTheDeviceAndFinishesLater) {
  std::promise<void> timedOut;
  auto later = timedOut.get_future();
  srv.expect("query-block", block("/machine/peripheral/virtio-disk1/virtio-backend", "drive-virtio-disk1-format"));
  srv.expect("device_del", ok());
  srv.run([&later] { later.wait_for(30s); });  // the guest answers only after the detach gave up
  srv.event("DEVICE_DELETED", {{"device", "virtio-disk1"}, {"path", "/machine/peripheral/virtio-disk1"}});
  srv.expect("blockdev-del", ok()).expect("blockdev-del", ok());
  start(liveDef(std::string(kVda) + kVdbPlugged));
  inst->setUnplugTimeout(300ms);
  auto vdb = live().devices.disks[1];
  auto s = inst->detachDisk(vdb);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::OperationTimeout);
  EXPECT_EQ(s.error().message,
            "Timed out during operation: the guest did not release disk 'vdb' (device 'virtio-disk1') within 300 ms; "
            "the unplug request stays pending and completes if the guest releases it later");
  EXPECT_EQ(live().devices.disks.size(), 2u);  // still there: the guest has it
  auto again = inst->detachDisk(vdb);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("still pending"), std::string::npos);
  timedOut.set_value();
  ASSERT_TRUE(waitEvent(InstanceEvent::Kind::DevicesChanged));
  EXPECT_EQ(live().devices.disks.size(), 1u);
  EXPECT_TRUE(srv.waitDone());
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities", "query-block", "device_del", "blockdev-del", "blockdev-del"}));
}

TEST_F(InstanceHotplug, ADeviceTheGuestEjectsOnItsOwnLeavesTheLiveDefinition) {
  srv.event("DEVICE_DELETED", {{"device", "virtio-disk1"}, {"path", "/machine/peripheral/virtio-disk1"}});
  srv.expect("blockdev-del", ok()).expect("blockdev-del", ok());
  start(liveDef(std::string(kVda) + kVdbPlugged));
  ASSERT_TRUE(waitEvent(InstanceEvent::Kind::DevicesChanged));
  EXPECT_EQ(live().devices.disks.size(), 1u);
  EXPECT_TRUE(srv.waitDone());
  EXPECT_EQ(sent(1)["arguments"]["node-name"], "drive-virtio-disk1-format");
}

TEST_F(InstanceHotplug, UserModeNicAndItsCleanupWhenDeviceAddFails) {
  srv.expect("query-pci", pci({0, 1, 2, 3})).expect("netdev_add", ok()).expect("device_add", ok());
  srv.expect("query-pci", pci({0, 1, 2, 3, 4})).expect("netdev_add", ok());
  srv.expect("device_add", qmpError("no free slot")).expect("netdev_del", ok());
  start(liveDef(std::string(kVda) + "<interface type='user'><mac address='52:54:00:00:00:01'/><alias name='net0'/></interface>"));
  auto dev = conf::parseDeviceXml("<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/></interface>",
                                  "n.xml", live());
  ASSERT_TRUE(dev.ok());
  auto s = inst->attachInterface(*dev->iface());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(2)["arguments"], (Json{{"type", "user"}, {"id", "hostnet1"}}));
  EXPECT_EQ(sent(3)["arguments"]["id"], "net1");
  EXPECT_EQ(sent(3)["arguments"]["addr"], "0x4");
  ASSERT_EQ(live().devices.interfaces.size(), 2u);
  EXPECT_EQ(live().devices.interfaces[1].info.alias, "net1");

  auto third = conf::parseDeviceXml("<interface type='user'><mac address='52:54:00:00:00:03'/></interface>", "n.xml", live());
  auto f = inst->attachInterface(*third->iface());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(sent(7)["arguments"]["id"], "hostnet2");
  EXPECT_EQ(live().devices.interfaces.size(), 2u);
}

TEST_F(InstanceHotplug, DetachInterfaceDropsItsNetdev) {
  srv.expect("device_del", ok());
  srv.event("DEVICE_DELETED", {{"device", "net1"}, {"path", "/machine/peripheral/net1"}});
  srv.expect("netdev_del", ok());
  start(liveDef(std::string(kVda) + "<interface type='user'><mac address='52:54:00:00:00:02'/><alias name='net1'/></interface>"));
  auto s = inst->detachInterface(live().devices.interfaces[0]);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(2)["arguments"]["id"], "hostnet1");
  EXPECT_TRUE(live().devices.interfaces.empty());
}

TEST_F(InstanceHotplug, SetVcpusPlugsTheNextEmptySlots) {
  srv.expect("query-hotpluggable-cpus",
             ok(Json::array({cpuSlot(3, ""), cpuSlot(1, ""), cpuSlot(0, "/machine/unattached/device[0]"), cpuSlot(2, "")})));
  srv.expect("device_add", ok()).expect("device_add", ok());
  start(liveDef(kVda));
  ASSERT_TRUE(inst->setVcpus(3).ok());
  EXPECT_EQ(sent(2)["arguments"],
            (Json{{"driver", "qemu64-x86_64-cpu"}, {"id", "vcpu1"}, {"socket-id", 1}, {"core-id", 0}, {"thread-id", 0}}));
  EXPECT_EQ(sent(3)["arguments"]["id"], "vcpu2");
  EXPECT_EQ(live().currentVcpus, 3u);
}

TEST_F(InstanceHotplug, VcpuUnplugIsRefusedUnderTcg) {
  srv.expect("query-hotpluggable-cpus",
             ok(Json::array({cpuSlot(0, "/machine/unattached/device[0]"), cpuSlot(1, "/machine/peripheral/vcpu1")})));
  start(liveDef(kVda));
  auto s = inst->setVcpus(1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::Unsupported);
  EXPECT_NE(s.error().message.find("under TCG"), std::string::npos);
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities", "query-hotpluggable-cpus"}));
}

TEST_F(InstanceHotplug, VcpuUnplugUnderKvmWaitsForEachCpu) {
  srv.expect("query-hotpluggable-cpus",
             ok(Json::array({cpuSlot(0, "/machine/unattached/device[0]"), cpuSlot(1, "/machine/peripheral/vcpu1"),
                             cpuSlot(2, "/machine/peripheral/vcpu2")})));
  srv.expect("device_del", ok()).event("DEVICE_DELETED", {{"device", "vcpu2"}, {"path", "/machine/peripheral/vcpu2"}});
  srv.expect("device_del", ok()).event("DEVICE_DELETED", {{"path", "/machine/peripheral/vcpu1"}});
  start(liveDef(kVda, "kvm"));
  inst->setUnplugTimeout(10s);
  auto s = inst->setVcpus(1);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(2)["arguments"]["id"], "vcpu2");
  EXPECT_EQ(sent(3)["arguments"]["id"], "vcpu1");
  EXPECT_EQ(live().currentVcpus, 1u);
}

TEST_F(InstanceHotplug, ChangeMediaInsertsThenEjects) {
  // insert: the new medium's nodes first, then the tray
  srv.expect("blockdev-add", ok()).expect("blockdev-add", ok()).expect("query-block", block("ide0-1-0", ""));
  srv.expect("blockdev-open-tray", ok()).expect("blockdev-insert-medium", ok()).expect("blockdev-close-tray", ok());
  // eject: the old medium goes, its nodes too; the tray stays open
  srv.expect("query-block", block("ide0-1-0", "drive-ide0-1-0-m1-format"));
  srv.expect("blockdev-open-tray", ok()).expect("blockdev-remove-medium", ok());
  srv.expect("blockdev-del", ok()).expect("blockdev-del", ok());
  start(liveDef(std::string(kVda) +
                "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/><alias name='ide0-1-0'/></disk>"));
  auto s = inst->changeMedia(diskOf("<disk type='file' device='cdrom'><source file='/x.iso'/><target dev='hdc' bus='ide'/></disk>"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(1)["arguments"]["node-name"], "drive-ide0-1-0-m1-storage");
  EXPECT_EQ(sent(2)["arguments"]["read-only"], true);
  EXPECT_EQ(sent(5)["arguments"], (Json{{"id", "ide0-1-0"}, {"node-name", "drive-ide0-1-0-m1-format"}}));
  auto cd = live().devices.disks[1];
  EXPECT_EQ(cd.sourceFile, "/x.iso");
  EXPECT_EQ(cd.info.alias, "ide0-1-0");

  s = inst->changeMedia(diskOf("<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(10)["arguments"]["node-name"], "drive-ide0-1-0-m1-format");
  EXPECT_EQ(sent(11)["arguments"]["node-name"], "drive-ide0-1-0-m1-storage");
  cd = live().devices.disks[1];
  EXPECT_TRUE(cd.sourceFile.empty());
  EXPECT_EQ(cd.targetTray, "open");
  auto notCd = inst->changeMedia(diskOf("<disk type='file'><source file='/y'/><target dev='vda'/></disk>"));
  EXPECT_EQ(notCd.error().code, ErrorCode::Unsupported);
}

TEST_F(InstanceHotplug, BlockResizeResizesTheFormatNode) {
  srv.expect("query-block", block("/machine/peripheral/virtio-disk1/virtio-backend", "drive-virtio-disk1-format"));
  srv.expect("block_resize", ok());
  start(liveDef(std::string(kVda) + kVdbPlugged));
  ASSERT_TRUE(inst->blockResize(live().devices.disks[1], 128ull << 20).ok());
  EXPECT_EQ(sent(2)["arguments"], (Json{{"node-name", "drive-virtio-disk1-format"}, {"size", 128ull << 20}}));
}

TEST_F(InstanceHotplug, LinkStateReachesQemuAndTheLiveDefinition) {
  srv.expect("set_link", ok());
  start(liveDef(std::string(kVda) + "<interface type='user'><mac address='52:54:00:00:00:02'/><alias name='net0'/></interface>"));
  ASSERT_TRUE(inst->setInterfaceLink(live().devices.interfaces[0], false).ok());
  EXPECT_EQ(sent(1)["arguments"], (Json{{"name", "net0"}, {"up", false}}));
  EXPECT_EQ(live().devices.interfaces[0].linkState, "down");
}

TEST_F(InstanceHotplug, ChangeMediaTakesANetworkMedium) {
  srv.expect("blockdev-add", ok()).expect("blockdev-add", ok()).expect("query-block", block("ide0-1-0", ""));
  srv.expect("blockdev-open-tray", ok()).expect("blockdev-insert-medium", ok()).expect("blockdev-close-tray", ok());
  start(liveDef(std::string(kVda) +
                "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/><alias name='ide0-1-0'/></disk>"));
  auto s = inst->changeMedia(diskOf(
      "<disk type='network' device='cdrom'><source protocol='https' name='/isos/boot.iso'>"
      "<host name='mirror.example.org'/><ssl verify='no'/></source><target dev='hdc' bus='ide'/></disk>"));
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(sent(1)["arguments"]["driver"], "https");
  EXPECT_EQ(sent(1)["arguments"]["url"], "https://mirror.example.org:443/isos/boot.iso");
  EXPECT_EQ(sent(1)["arguments"]["sslverify"], false);
  auto cd = live().devices.disks[1];
  EXPECT_EQ(cd.type, "network");
  EXPECT_EQ(cd.sourceProtocol, "https");
  EXPECT_EQ(cd.net.sslVerify, "no");
  EXPECT_NE(conf::formatDomainXml(live()).find("<source protocol='https' name='/isos/boot.iso'>"), std::string::npos);
}
