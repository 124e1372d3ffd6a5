// The device commands and vcpucount on an in-process test:///default node:
// what the golden data from virsh cannot show (libvirt's test driver refuses
// device changes), --print-xml of the element virsh would send, and the
// placement of the commands in the table.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/cmd_devices.h"
#include "cli/ctl.h"
#include "cli/device_xml.h"
#include "cli/readonly_node.h"
#include "daemon/test_node.h"

using namespace stratus;
using namespace stratus::cli;
namespace fs = std::filesystem;

namespace {

struct Captured {
  bool ok;
  std::string out, err;
};

class CliDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stratus-clidev-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto n = daemon::openTestNode("test:///default");
    ASSERT_TRUE(n.ok());
    node_ = std::move(n).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  Captured run(std::string_view line, bool quiet = false, bool readonly = false) {
    char* outBuf = nullptr;
    char* errBuf = nullptr;
    std::size_t outLen = 0, errLen = 0;
    FILE* out = open_memstream(&outBuf, &outLen);
    FILE* err = open_memstream(&errBuf, &errLen);
    Captured c;
    {
      Ctl ctl("test:///default", out, err);
      ctl.quiet = quiet;
      std::unique_ptr<daemon::NodeService> borrowed = std::make_unique<Borrowed>(*node_);
      if (readonly) borrowed = makeReadonly(std::move(borrowed));
      ctl.setConnection(std::move(borrowed), "test:///default");
      c.ok = ctl.runLine(line);
    }
    std::fclose(out);
    std::fclose(err);
    c.out.assign(outBuf, outLen);
    c.err.assign(errBuf, errLen);
    std::free(outBuf);
    std::free(errBuf);
    return c;
  }
  std::string file(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string dumpxml(const std::string& dom, bool inactive = false) {
    return run("dumpxml " + dom + (inactive ? " --inactive" : "")).out;
  }

  // The connection of one command line; the node lives on across lines.
  class Borrowed final : public daemon::NodeService {
   public:
    explicit Borrowed(daemon::NodeService& n) : n_(n) {}
    std::string uri() override { return n_.uri(); }
    Result<std::string> hostname() override { return n_.hostname(); }
    Result<daemon::VersionInfo> version() override { return n_.version(); }
    Result<daemon::NodeInfo> nodeInfo() override { return n_.nodeInfo(); }
    Result<std::vector<daemon::DomainSummary>> listDomains() override { return n_.listDomains(); }
    Result<daemon::DomainSummary> lookupDomain(const std::string& k) override { return n_.lookupDomain(k); }
    Result<daemon::DefineResult> defineDomain(const std::string& x, const std::string& s) override {
      return n_.defineDomain(x, s);
    }
    Status undefineDomain(const std::string& k, const daemon::UndefineOptions& o) override {
      return n_.undefineDomain(k, o);
    }
    Result<std::string> domainXml(const std::string& k, const daemon::XmlOptions& o) override {
      return n_.domainXml(k, o);
    }
    Result<daemon::DomainInfo> domainInfo(const std::string& k) override { return n_.domainInfo(k); }
    Status setAutostart(const std::string& k, bool e) override { return n_.setAutostart(k, e); }
    Status setMetadata(const std::string& k, daemon::MetadataKind m, const std::string& t,
                       const daemon::ModifyScope& s) override {
      return n_.setMetadata(k, m, t, s);
    }
    Result<std::string> getMetadata(const std::string& k, daemon::MetadataKind m, const daemon::ModifyScope& s) override {
      return n_.getMetadata(k, m, s);
    }
    Status renameDomain(const std::string& k, const std::string& n) override { return n_.renameDomain(k, n); }
    Result<daemon::DefineResult> createDomain(const std::string& x, const std::string& s,
                                              const daemon::StartOptions& o) override {
      return n_.createDomain(x, s, o);
    }
    Status startDomain(const std::string& k, const daemon::StartOptions& o) override { return n_.startDomain(k, o); }
    Status shutdownDomain(const std::string& k, const daemon::ShutdownOptions& o) override {
      return n_.shutdownDomain(k, o);
    }
    Status destroyDomain(const std::string& k, const daemon::DestroyOptions& o) override {
      return n_.destroyDomain(k, o);
    }
    Status suspendDomain(const std::string& k) override { return n_.suspendDomain(k); }
    Status resumeDomain(const std::string& k) override { return n_.resumeDomain(k); }
    Status rebootDomain(const std::string& k) override { return n_.rebootDomain(k); }
    Status resetDomain(const std::string& k) override { return n_.resetDomain(k); }
    Status saveDomain(const std::string& k, const std::string& f, const daemon::SaveOptions& o) override {
      return n_.saveDomain(k, f, o);
    }
    Result<daemon::DomainSummary> restoreDomain(const std::string& f, const daemon::SaveOptions& o) override {
      return n_.restoreDomain(f, o);
    }
    Status managedSave(const std::string& k, const daemon::SaveOptions& o) override { return n_.managedSave(k, o); }
    Status managedSaveRemove(const std::string& k) override { return n_.managedSaveRemove(k); }
    Status setMemory(const std::string& k, std::uint64_t v, const daemon::ModifyScope& s) override {
      return n_.setMemory(k, v, s);
    }
    Status setMaxMemory(const std::string& k, std::uint64_t v, const daemon::ModifyScope& s) override {
      return n_.setMaxMemory(k, v, s);
    }
    Status setVcpus(const std::string& k, unsigned c, const daemon::ModifyScope& s, bool m) override {
      return n_.setVcpus(k, c, s, m);
    }
    Status attachDevice(const std::string& k, const std::string& x, const std::string& s,
                        const daemon::ModifyScope& sc) override {
      return n_.attachDevice(k, x, s, sc);
    }
    Status detachDevice(const std::string& k, const std::string& x, const std::string& s,
                        const daemon::ModifyScope& sc) override {
      return n_.detachDevice(k, x, s, sc);
    }
    Status updateDevice(const std::string& k, const std::string& x, const std::string& s, const daemon::ModifyScope& sc,
                        bool f) override {
      return n_.updateDevice(k, x, s, sc, f);
    }
    Status blockResize(const std::string& k, const std::string& d, std::uint64_t b) override {
      return n_.blockResize(k, d, b);
    }
    Result<std::unique_ptr<daemon::EventSubscription>> subscribeEvents(daemon::EventCallback cb) override {
      return n_.subscribeEvents(std::move(cb));
    }

   private:
    daemon::NodeService& n_;
  };

  fs::path dir_;
  std::unique_ptr<daemon::NodeService> node_;
};

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

const char* kCdromDomain =
    "<domain type='test'><name>cd</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <source file='/tmp/a.iso'/>\n"
    "      <target dev='hdc' bus='ide'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <target dev='hdd' bus='ide'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "  </devices>\n</domain>\n";

}  // namespace

TEST_F(CliDevices, AttachAndDetachDiskOnTheRunningTestDomain) {
  auto a = run("attach-disk test /tmp/data.img vdb --driver qemu --subdriver qcow2");
  EXPECT_TRUE(a.ok) << a.err;
  EXPECT_EQ(a.out, "Disk attached successfully\n\n");
  EXPECT_TRUE(has(dumpxml("test"), "<target dev='vdb' bus='virtio'/>"));
  EXPECT_FALSE(has(dumpxml("test", true), "dev='vdb'"));
  auto d = run("detach-disk test vdb");
  EXPECT_EQ(d.out, "Disk detached successfully\n\n");
  EXPECT_FALSE(has(dumpxml("test"), "dev='vdb'"));
  auto q = run("attach-disk test /tmp/data.img vdb", true);
  EXPECT_EQ(q.out, "");  // -q
}

TEST_F(CliDevices, PersistentMeansBothOnARunningDomainAndConfigOnAnInactiveOne) {
  EXPECT_TRUE(run("attach-disk test /tmp/p.img vdc --persistent").ok);
  EXPECT_TRUE(has(dumpxml("test"), "dev='vdc'"));
  EXPECT_TRUE(has(dumpxml("test", true), "dev='vdc'"));
  EXPECT_TRUE(run("detach-disk test vdc --persistent").ok);
  EXPECT_FALSE(has(dumpxml("test"), "dev='vdc'"));
  EXPECT_FALSE(has(dumpxml("test", true), "dev='vdc'"));
  auto c = run("attach-disk test /tmp/p.img vdc --persistent --current");
  EXPECT_EQ(c.err, "error: Options --persistent and --current are mutually exclusive\n");
  auto l = run("detach-disk test vda --live --current");
  EXPECT_EQ(l.err, "error: Options --current and --live are mutually exclusive\n");
}

TEST_F(CliDevices, DeviceFilesAndTheirErrors) {
  std::string nic = file("nic.xml", "<interface type='network'><mac address='52:54:00:00:00:42'/>"
                                    "<source network='default'/></interface>");
  auto a = run("attach-device test " + nic + " --config");
  EXPECT_EQ(a.out, "Device attached successfully\n\n");
  EXPECT_TRUE(has(dumpxml("test", true), "52:54:00:00:00:42"));
  EXPECT_FALSE(has(dumpxml("test"), "52:54:00:00:00:42"));
  auto again = run("attach-device test " + nic + " --config");
  EXPECT_EQ(again.err, "error: Failed to attach device from " + nic +
                           "\nerror: invalid argument: mac 52:54:00:00:00:42 already exists\n");
  EXPECT_EQ(run("detach-device test " + nic + " --config").out, "Device detached successfully\n\n");
  auto gone = run("detach-device test " + nic + " --config");
  EXPECT_EQ(gone.err, "error: Failed to detach device from " + nic +
                          "\nerror: device not found: no device matching MAC address 52:54:00:00:00:42 found\n");
  std::string bad = file("bad.xml", "<disk type='file'><target dev='vdb'/>\n<source file=/x/>\n</disk>");
  auto b = run("attach-device test " + bad);
  EXPECT_TRUE(has(b.err, "error: Failed to attach device from " + bad + "\n"));
  EXPECT_TRUE(has(b.err, ":2:")) << b.err;  // the line of the file
  auto ro = run("attach-device test " + nic, false, true);
  EXPECT_EQ(ro.err, "error: Failed to attach device from " + nic +
                        "\nerror: operation forbidden: read only access prevents virDomainAttachDeviceFlags\n");
}

TEST_F(CliDevices, InterfacesAttachDetachAndUserMode) {
  EXPECT_EQ(run("attach-interface test network default --mac 52:54:00:00:00:01").out,
            "Interface attached successfully\n\n");
  EXPECT_EQ(run("attach-interface test user none --mac 52:54:00:00:00:02 --model virtio").out,
            "Interface attached successfully\n\n");
  EXPECT_TRUE(has(dumpxml("test"), "<interface type='user'>"));
  auto many = run("detach-interface test network");
  EXPECT_EQ(many.err,
            "error: Domain has 2 interfaces. Please specify which one to detach using --mac\n"
            "error: Failed to detach interface\n");
  EXPECT_EQ(run("detach-interface test network --mac 52:54:00:00:00:01").out, "Interface detached successfully\n\n");
  EXPECT_EQ(run("detach-interface test user").out, "Interface detached successfully\n\n");
  auto p = run("attach-interface test user - --print-xml");
  EXPECT_EQ(p.out, "<interface type='user'>\n</interface>\n\n");
}

TEST_F(CliDevices, ChangeMediaBuildsVirshsXmlAndUpdatesTheDrive) {
  std::string xml = file("cd.xml", kCdromDomain);
  ASSERT_TRUE(run("define " + xml).ok);
  auto eject = run("change-media cd hdc --eject --config --print-xml");
  EXPECT_EQ(eject.out,
            "<disk type=\"file\" device=\"cdrom\">\n      \n      <target dev=\"hdc\" bus=\"ide\"/>\n"
            "      <readonly/>\n    </disk>\n");
  auto insert = run("change-media cd hdd /tmp/b.iso --insert --config --print-xml");
  EXPECT_TRUE(has(insert.out, "<source file=\"/tmp/b.iso\"/>\n      <target dev=\"hdd\"")) << insert.out;
  auto block = run("change-media cd hdd /dev/sr0 --insert --block --config --print-xml");
  EXPECT_TRUE(has(block.out, "<disk type=\"block\" device=\"cdrom\">")) << block.out;
  EXPECT_TRUE(has(block.out, "<source dev=\"/dev/sr0\"/>")) << block.out;

  EXPECT_EQ(run("change-media cd hdd /tmp/b.iso --insert --config").out, "Successfully inserted media.\n\n");
  EXPECT_TRUE(has(dumpxml("cd", true), "<source file='/tmp/b.iso'/>"));
  EXPECT_EQ(run("change-media cd hdd /tmp/c.iso --config").out, "Successfully updated media.\n\n");
  EXPECT_TRUE(has(dumpxml("cd", true), "<source file='/tmp/c.iso'/>"));
  EXPECT_EQ(run("change-media cd hdd --eject --config").out, "Successfully ejected media.\n\n");
  EXPECT_FALSE(has(dumpxml("cd", true), "/tmp/c.iso"));

  EXPECT_EQ(run("change-media cd hdd --eject").err, "error: The disk device 'hdd' doesn't have media\n");
  EXPECT_EQ(run("change-media cd hdc /tmp/x.iso --insert").err, "error: The disk device 'hdc' already has media\n");
  EXPECT_EQ(run("change-media cd hdd --insert").err, "error: New disk media source was not specified\n");
  EXPECT_EQ(run("change-media cd /tmp/a.iso --eject --print-xml").ok, true);  // found by its source
  EXPECT_EQ(run("change-media cd hdc --eject --update").err, "error: Options --eject and --update are mutually exclusive\n");
  ASSERT_TRUE(run("start cd").ok);
  EXPECT_EQ(run("change-media cd hdc --eject").out, "Successfully ejected media.\n\n");
  EXPECT_FALSE(has(dumpxml("cd"), "/tmp/a.iso"));
  EXPECT_TRUE(has(dumpxml("cd", true), "/tmp/a.iso"));
}

TEST_F(CliDevices, VcpucountFollowsSetvcpus) {
  EXPECT_EQ(run("vcpucount test").out,
            "maximum      config         2\nmaximum      live           2\n"
            "current      config         2\ncurrent      live           2\n\n");
  ASSERT_TRUE(run("setvcpus test 1 --live").ok);
  EXPECT_EQ(run("vcpucount test --active").out, "1\n\n");
  EXPECT_EQ(run("vcpucount test --active --config").out, "2\n\n");
  EXPECT_EQ(run("vcpucount test --maximum --live").out, "2\n\n");
  EXPECT_EQ(run("vcpucount test --guest").err,
            "error: Failed to retrieve vCPU count from the guest\n"
            "error: Operation not supported: counting the guest's vCPUs needs a guest agent\n");
  ASSERT_TRUE(run("create " + file("t.xml", "<domain type='test'><name>t</name><memory>65536</memory><vcpu>3</vcpu>"
                                            "<os><type>hvm</type></os></domain>"))
                  .ok);
  EXPECT_EQ(run("vcpucount t").out, "maximum      live           3\ncurrent      live           3\n\n");
  EXPECT_EQ(run("vcpucount t --config").err,
            "error: Requested operation is not valid: transient domains do not have any persistent config\n");
}

TEST_F(CliDevices, BlockresizeMessages) {
  EXPECT_EQ(run("blockresize test vda 2G").out, "Block device 'vda' is resized\n\n");
  auto r = run("blockresize test vdz 1G");
  EXPECT_EQ(r.err, "error: Failed to resize block device 'vdz'\n"
                   "error: invalid argument: disk 'vdz' was not found in the domain config\n");
}

TEST(CliDeviceXml, AttachDiskAndInterfaceXml) {
  const CmdDef* disk = findCommand("attach-disk");
  ASSERT_NE(disk, nullptr);
  auto pc = parseCommand(*disk, std::vector<std::string>{"d", "/x.img", "vdb", "--cache", "none", "--mode", "readonly",
                                                          "--address", "pci:0.0.7.0"});
  ASSERT_TRUE(pc.ok());
  auto x = attachDiskXml(*pc, false);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(*x, "<disk type='file'>\n  <driver cache='none'/>\n  <source file='/x.img'/>\n  <target dev='vdb'/>\n"
                "  <readonly/>\n  <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>\n</disk>\n");
  EXPECT_EQ(attachDiskXml(*pc, true)->substr(0, 19), "<disk type='block'>");
  auto ide = parseCommand(*disk, std::vector<std::string>{"d", "/x", "hdb", "--address", "pci:0.0.7.0"});
  EXPECT_EQ(attachDiskXml(*ide, false).error().message, "expecting an ide:00.00.00 address.");

  const CmdDef* nic = findCommand("attach-interface");
  auto n = parseCommand(*nic, std::vector<std::string>{"d", "network", "net1", "--inbound", "10,,30,4", "--outbound",
                                                        "5,6"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*attachInterfaceXml(*n),
            "<interface type='network'>\n  <source network='net1'/>\n  <bandwidth>\n"
            "    <inbound average='10' burst='30' floor='4'/>\n    <outbound average='5' peak='6'/>\n"
            "  </bandwidth>\n</interface>\n");
}

TEST(CliDeviceXml, FindInterfaceComparesMacsWithoutCase) {
  std::string dom = "<domain><devices><interface type='bridge'><mac address='52:54:00:ab:cd:ef'/></interface>"
                    "</devices></domain>";
  auto r = findInterfaceXml(dom, "bridge", "52:54:00:AB:CD:EF");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "<interface type=\"bridge\"><mac address=\"52:54:00:ab:cd:ef\"/></interface>");
  EXPECT_EQ(findInterfaceXml(dom, "network", "").error().message, "No interface found whose type is network");
  EXPECT_FALSE(findInterfaceXml("not xml", "network", "").ok());
}

TEST(CliDeviceTable, DeviceCommandsSitAlphabeticallyInTheirGroup) {
  std::vector<std::string> domainGroup;
  for (const auto& c : commandTable())
    if (c.group == "Domain Management") domainGroup.push_back(std::string(c.name));
  auto pos = [&](const std::string& n) { return std::find(domainGroup.begin(), domainGroup.end(), n) - domainGroup.begin(); };
  EXPECT_LT(pos("attach-device"), pos("attach-disk"));
  EXPECT_LT(pos("attach-interface"), pos("autostart"));
  EXPECT_LT(pos("blockresize"), pos("change-media"));
  EXPECT_LT(pos("change-media"), pos("create"));
  EXPECT_LT(pos("undefine"), pos("update-device"));
  EXPECT_LT(pos("update-device"), pos("vcpucount"));
  for (const char* c : {"attach-device", "detach-device", "update-device", "attach-disk", "detach-disk",
                        "attach-interface", "detach-interface", "change-media", "blockresize", "vcpucount"})
    EXPECT_NE(findCommand(c), nullptr) << c;
  std::vector<CmdDef> base = {{"b", "G"}, {"d", "G"}, {"x", "H"}};
  auto merged = mergeCommands(base, {{"a", "G"}, {"c", "G"}, {"z", "H"}, {"q", "New"}});
  std::vector<std::string> names;
  for (const auto& c : merged) names.push_back(std::string(c.name));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "x", "z", "q"}));
}
