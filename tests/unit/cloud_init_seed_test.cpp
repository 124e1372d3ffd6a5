// The cloud-init NoCloud seed: meta-data's YAML, and a real ISO with the
// volume label cloud-init looks for (read from the primary volume
// descriptor) holding both files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cloud/cloud_init_seed.h"
#include "util/process.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

Instance sample() {
  Instance i;
  i.handle = i.domain = "vm-0a1b2c3d";
  i.nics.push_back({"public", "192.168.0.2", "52:54:00:12:34:56", "pub02"});
  return i;
}

bool onPath(const char* tool) { return runCapture({"sh", "-c", std::string("command -v ") + tool}).ok(); }

}  // namespace

TEST(CloudInitSeed, MetaData) {
  InstanceSeed seed;
  seed.publicKeys = {"ssh-ed25519 AAAAC3Nza \"me\""};
  EXPECT_EQ(seedMetaData(sample(), seed),
            "instance-id: \"vm-0a1b2c3d\"\nlocal-hostname: \"pub02\"\npublic-keys:\n  - \"ssh-ed25519 AAAAC3Nza \\\"me\\\"\"\n");
  Instance bare = sample();
  bare.nics.clear();
  EXPECT_EQ(seedMetaData(bare, {}), "instance-id: \"vm-0a1b2c3d\"\nlocal-hostname: \"vm-0a1b2c3d\"\n");
}

TEST(CloudInitSeed, IsoIsLabelledCidataAndHoldsBothFiles) {
  if (!onPath("genisoimage") && !onPath("xorriso")) GTEST_SKIP() << "neither genisoimage nor xorriso is installed";
  std::string dir = (std::filesystem::temp_directory_path() / "seed-test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  struct Cleanup {
    std::string d;
    ~Cleanup() { std::filesystem::remove_all(d); }
  } cleanup{dir};
  InstanceSeed seed;
  seed.userData = "#cloud-config\nhello: world\n";
  auto iso = buildSeedIso(sample(), seed, dir);
  ASSERT_TRUE(iso.ok()) << iso.error().describe();
  std::ifstream in(*iso, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string image = bytes.str();
  ASSERT_GT(image.size(), 16u * 2048 + 72);
  // The primary volume descriptor (sector 16): type 1, "CD001", volume id at byte 40.
  EXPECT_EQ(image[16 * 2048], '\x01');
  EXPECT_EQ(image.substr(16 * 2048 + 1, 5), "CD001");
  EXPECT_EQ(image.substr(16 * 2048 + 40, 6), "cidata");
  EXPECT_NE(image.find("#cloud-config\nhello: world\n"), std::string::npos);
  EXPECT_NE(image.find("instance-id: \"vm-0a1b2c3d\""), std::string::npos);
}
