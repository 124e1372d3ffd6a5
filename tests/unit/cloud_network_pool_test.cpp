// Nimbus network-pool files: the course's example parses slot by slot, bad
// lines are refused naming file, line and field, MACs are stable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cloud/network_pool.h"
#include "temp_root.h"
#include "util/atomic_file.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

Error errorOf(const std::string& text) {
  auto p = parseNetworkPool(text, "pool", "pool");
  EXPECT_FALSE(p.ok());
  return p.ok() ? Error() : p.error();
}

}  // namespace

TEST(NetworkPool, TheCourseExampleParses) {
  auto text = readFile(STRATUS_EXAMPLES_DIR "/nimbus-network-pool");
  ASSERT_TRUE(text.ok());
  auto p = parseNetworkPool(*text, "nimbus-network-pool", "public");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->name, "public");
  EXPECT_EQ(p->dns, "192.168.0.1");
  ASSERT_EQ(p->slots.size(), 3u);
  const auto& s = p->slots[0];
  EXPECT_EQ(s.hostname, "pub02");
  EXPECT_EQ(s.ip, "192.168.0.2");
  EXPECT_EQ(s.gateway, "192.168.0.1");
  EXPECT_EQ(s.broadcast, "");
  EXPECT_EQ(s.netmask, "");
  EXPECT_TRUE(s.macGenerated);
  EXPECT_EQ(s.line, 5);
  EXPECT_EQ(p->slots[1].broadcast, "192.168.0.255");
  EXPECT_EQ(p->slots[1].netmask, "255.255.255.0");
  // Generated MACs are QEMU's, differ per slot and are the same on every read.
  EXPECT_EQ(s.mac.substr(0, 9), "52:54:00:");
  EXPECT_NE(p->slots[0].mac, p->slots[1].mac);
  EXPECT_EQ(s.mac, slotMac("public", "192.168.0.2"));
  auto again = parseNetworkPool(*text, "nimbus-network-pool", "public");
  EXPECT_EQ(again->slots[2].mac, p->slots[2].mac);
}

TEST(NetworkPool, NoneDnsMacsAndComments) {
  auto p = parseNetworkPool("none\n\nvm1 10.0.0.5 none none none AA:BB:CC:00:11:22 # fixed\n  # only a comment\n",
                            "f", "lab");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->dns, "");
  EXPECT_EQ(p->slots[0].mac, "aa:bb:cc:00:11:22");
  EXPECT_FALSE(p->slots[0].macGenerated);
}

TEST(NetworkPool, BadLinesNameFileLineAndField) {
  auto e = errorOf("192.168.0.1\npub02 192.168.0.300 192.168.0.1 none none\n");
  EXPECT_EQ(e.describe(), "pool:2: ip: '192.168.0.300' is not an IPv4 address");
  e = errorOf("192.168.0.1\npub02 192.168.0.2 192.168.0.1 none\n");
  EXPECT_EQ(e.describe(), "pool:2: slot: expected 'hostname ipaddress gateway broadcast subnetmask [MAC]', got 4 fields");
  e = errorOf("192.168.0.1 8.8.8.8\n");
  EXPECT_EQ(e.where->line, 1);
  EXPECT_EQ(e.where->field, "dns");
  e = errorOf("none\na 10.0.0.1 none none none\nb 10.0.0.1 none none none\n");
  EXPECT_EQ(e.describe(), "pool:3: ip: ip '10.0.0.1' is already used on line 2");
  e = errorOf("none\na 10.0.0.1 none none none 01:00:5e:00:00:01\n");
  EXPECT_EQ(e.where->field, "mac");
  e = errorOf("none\na 10.0.0.1 none none 255.0.255.0\n");
  EXPECT_EQ(e.describe(), "pool:2: netmask: '255.0.255.0' is not a contiguous netmask");
  e = errorOf("none\nbad_name! 10.0.0.1 none none none\n");
  EXPECT_EQ(e.where->field, "hostname");
  e = errorOf("# nothing but comments\n\n");
  EXPECT_EQ(e.where->field, "dns");
  e = errorOf("::1\n");
  EXPECT_EQ(e.describe(), "pool:1: dns: '::1' is not an IPv4 address or 'none'");
}

TEST(NetworkPool, ADirectoryLoadsWholeOrNotAtAll) {
  stratus::testing::TempRoot root;
  auto dir = root.str() + "/network-pools";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/public") << "none\npub1 10.1.0.2 10.1.0.1 none 255.255.255.0\n";
  std::ofstream(dir + "/private") << "none\npriv1 10.2.0.2 none none none\n";
  std::ofstream(dir + "/.hidden") << "garbage\n";
  auto pools = loadNetworkPools(dir);
  ASSERT_TRUE(pools.ok()) << pools.error().describe();
  ASSERT_EQ(pools->size(), 2u);
  EXPECT_EQ((*pools)[0].name, "private");
  std::ofstream(dir + "/z-dup") << "none\ndup 10.1.0.2 none none none\n";
  auto dup = loadNetworkPools(dir);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().describe(), dir + "/z-dup:2: ip: ip '10.1.0.2' is also in pool public:2");
  EXPECT_TRUE(loadNetworkPools(root.str() + "/absent")->empty());
}
