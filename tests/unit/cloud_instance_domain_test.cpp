// The domain an instance runs as: golden XML, and it is a definition the
// node accepts (parsed and validated by the same conf/ code stratusd uses).
#include <gtest/gtest.h>

#include "cloud/instance_domain.h"
#include "conf/domain_def.h"
#include "util/atomic_file.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

Instance sample() {
  Instance i;
  i.handle = i.domain = "vm-0a1b2c3d";
  i.image = "debian-tiny";
  i.vcpus = 2;
  i.memoryMiB = 128;
  i.nics.push_back({"public", "192.168.0.2", "52:54:00:12:34:56", "pub02", "192.168.0.1", "", "", "192.168.0.1"});
  return i;
}

}  // namespace

TEST(InstanceDomain, MatchesTheGoldenXmlAndTheNodeAcceptsIt) {
  DomainPlan plan;
  plan.volume = "vm-0a1b2c3d.qcow2";
  plan.consoleLog = "/var/log/stratus/vm-0a1b2c3d.console";
  std::string xml = instanceDomainXml(sample(), plan);
  auto golden = readFile(STRATUS_EXAMPLES_DIR "/instance-domain.xml");
  ASSERT_TRUE(golden.ok());
  EXPECT_EQ(xml, *golden);
  auto parsed = conf::parseDomainXml(xml, "instance.xml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->def.name, "vm-0a1b2c3d");
  ASSERT_EQ(parsed->def.devices.interfaces.size(), 1u);
  EXPECT_EQ(parsed->def.devices.interfaces[0].sourceNetwork, "public");
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(InstanceDomain, WithACloudInitSeedMatchesTheGoldenXml) {
  DomainPlan plan;
  plan.volume = "vm-0a1b2c3d.qcow2";
  plan.seedVolume = "vm-0a1b2c3d.seed.iso";
  plan.consoleLog = "/var/log/stratus/vm-0a1b2c3d.console";
  std::string xml = instanceDomainXml(sample(), plan);
  auto golden = readFile(STRATUS_EXAMPLES_DIR "/instance-domain-seed.xml");
  ASSERT_TRUE(golden.ok());
  EXPECT_EQ(xml, *golden);
  auto parsed = conf::parseDomainXml(xml, "instance.xml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  ASSERT_EQ(parsed->def.devices.disks.size(), 2u);
  EXPECT_EQ(parsed->def.devices.disks[1].device, "cdrom");
  EXPECT_TRUE(parsed->def.devices.disks[1].readonly);
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(InstanceDomain, DhcpHostEntry) {
  EXPECT_EQ(dhcpHostXml(sample().nics[0]), "<host mac=\"52:54:00:12:34:56\" name=\"pub02\" ip=\"192.168.0.2\" />");
}
