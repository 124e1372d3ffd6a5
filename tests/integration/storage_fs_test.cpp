// The fs pool backend for real: an image file attached to a loop device,
// mkfs with --overwrite / --no-overwrite, mount, volumes, unmount.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "storage/blkid.h"
#include "storage/host_mounts.h"
#include "storage/pool_backend.h"
#include "storage_host_support.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

class FsPool : public ::testing::Test {
 protected:
  void SetUp() override {
    STORAGE_REQUIRE_ROOT();
    STORAGE_REQUIRE_TOOL("losetup");
    STORAGE_REQUIRE_TOOL("mkfs.ext4");
    STORAGE_REQUIRE_TOOL("qemu-img");
    root = std::filesystem::temp_directory_path() / ("stratus-fspool-" + Uuid::generate().str());
    std::filesystem::create_directories(root);
    image = (root / "fs.img").string();
    {
      std::ofstream f(image);
    }
    std::filesystem::resize_file(image, 96 * MiB);
    def.type = conf::PoolType::Fs;
    def.name = "fspool";
    def.source.devices.push_back({image, {}});
    def.source.format = "ext4";
    def.target.path = (root / "mnt").string();
    auto b = makeHostPoolBackend(conf::PoolType::Fs, (root / "run").string());
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
  }
  void TearDown() override {
    // Whatever the test left: unmount, detach, remove.
    if (!root.empty()) {
      if (mountAt(def.target.path)) (void)unmountFs(def.target.path);
      for (const auto& loop : loopDevicesOf(image)) (void)detachLoop(loop);
      std::error_code ec;
      std::filesystem::remove_all(root, ec);
    }
  }

  std::filesystem::path root;
  std::string image;
  conf::PoolDef def;
  std::unique_ptr<PoolBackend> backend;
};

TEST_F(FsPool, BuildMountVolumesUnmount) {
  ASSERT_TRUE(backend->build(def, {}));
  EXPECT_EQ(*probeContentType(image), "ext4");
  // Built once: building again refuses without --overwrite.
  daemon::PoolBuildOptions noOverwrite;
  noOverwrite.noOverwrite = true;
  auto again = backend->build(def, noOverwrite);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already formatted using 'ext4'"), std::string::npos) << again.error().message;
  EXPECT_FALSE(backend->build(def, {}));
  daemon::PoolBuildOptions both;
  both.overwrite = both.noOverwrite = true;
  EXPECT_EQ(backend->build(def, both).error().code, ErrorCode::InvalidArgument);

  EXPECT_FALSE(backend->isActive(def));
  ASSERT_TRUE(backend->start(def)) << "start";
  ASSERT_TRUE(backend->isActive(def));
  auto m = mountAt(def.target.path);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fstype, "ext4");
  auto loops = loopDevicesOf(image);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(m->source, loops[0]);
  ASSERT_TRUE(backend->start(def)) << "a second start of a mounted pool is a no-op";
  EXPECT_EQ(loopDevicesOf(image).size(), 1u);

  auto c = backend->refresh(def);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_GT(c->capacity, 80 * MiB);
  EXPECT_LT(c->capacity, 96 * MiB);
  conf::VolumeDef v;
  v.name = "disk.qcow2";
  v.format = "qcow2";
  v.capacity = 1ull << 30;
  ASSERT_TRUE(backend->createVolume(def, v, {}));
  c = backend->refresh(def);
  ASSERT_TRUE(c);
  // lost+found is a directory, not a volume.
  ASSERT_EQ(c->volumes.size(), 1u);
  EXPECT_EQ(c->volumes[0].name, "disk.qcow2");
  EXPECT_EQ(c->volumes[0].capacity, 1ull << 30);

  // A pool cannot be formatted while mounted.
  daemon::PoolBuildOptions overwrite;
  overwrite.overwrite = true;
  EXPECT_FALSE(backend->build(def, overwrite));

  ASSERT_TRUE(backend->stop(def));
  EXPECT_FALSE(backend->isActive(def));
  EXPECT_FALSE(mountAt(def.target.path)) << "still mounted after stop";
  EXPECT_TRUE(loopDevicesOf(image).empty()) << "loop device left attached";
  EXPECT_FALSE(std::filesystem::exists(def.target.path + "/disk.qcow2"));

  // The data outlives a stop; --overwrite formats it away.
  ASSERT_TRUE(backend->start(def));
  EXPECT_TRUE(std::filesystem::exists(def.target.path + "/disk.qcow2"));
  ASSERT_TRUE(backend->stop(def));
  ASSERT_TRUE(backend->build(def, overwrite));
  ASSERT_TRUE(backend->start(def));
  EXPECT_FALSE(std::filesystem::exists(def.target.path + "/disk.qcow2"));
  ASSERT_TRUE(backend->stop(def));
  ASSERT_TRUE(backend->remove(def));
  EXPECT_FALSE(std::filesystem::exists(def.target.path));
}

bool kernelMounts(const std::string& fstype) {
  std::ifstream f("/proc/filesystems");
  std::string line;
  while (std::getline(f, line))
    if (line.size() > fstype.size() && line.substr(line.size() - fstype.size()) == fstype &&
        (line[line.size() - fstype.size() - 1] == '\t'))
      return true;
  return false;
}

TEST_F(FsPool, OtherFormatsAndFailures) {
  STORAGE_REQUIRE_TOOL("mkfs.vfat");
  STORAGE_REQUIRE_TOOL("mkfs.xfs");
  def.source.format = "vfat";
  ASSERT_TRUE(backend->build(def, {}));
  EXPECT_EQ(*probeContentType(image), "vfat");
  if (kernelMounts("vfat")) {
    auto started = backend->start(def);
    ASSERT_TRUE(started) << started.error().message;
    EXPECT_EQ(mountAt(def.target.path)->fstype, "vfat");
    ASSERT_TRUE(backend->stop(def));
  } else {
    std::cout << "[ note ] this kernel has no vfat: the vfat pool is built, not mounted\n";
  }
  EXPECT_TRUE(loopDevicesOf(image).empty());

  // xfs needs 300 MB at least.
  std::filesystem::resize_file(image, 320 * MiB);
  def.source.format = "xfs";
  daemon::PoolBuildOptions overwrite;
  overwrite.overwrite = true;
  auto refused = backend->build(def, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'vfat'"), std::string::npos) << refused.error().message;
  ASSERT_TRUE(backend->build(def, overwrite));
  EXPECT_EQ(*probeContentType(image), "xfs");
  if (kernelMounts("xfs")) {
    auto started = backend->start(def);
    ASSERT_TRUE(started) << started.error().message;
    EXPECT_EQ(mountAt(def.target.path)->fstype, "xfs");
    ASSERT_TRUE(backend->stop(def));
    EXPECT_FALSE(mountAt(def.target.path));
  }

  // auto: mount finds the file system, build makes ext4.
  def.source.format = "auto";
  ASSERT_TRUE(backend->build(def, overwrite));
  EXPECT_EQ(*probeContentType(image), "ext4");

  def.source.format = "btrfs";
  auto unsupported = backend->build(def, overwrite);
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().code, ErrorCode::Unsupported);

  // A mount that fails leaves no loop device behind.
  std::filesystem::resize_file(image, 0);
  std::filesystem::resize_file(image, 8 * MiB);
  def.source.format = "ext4";
  auto st = backend->start(def);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("cannot mount"), std::string::npos) << st.error().message;
  EXPECT_TRUE(loopDevicesOf(image).empty());
  EXPECT_FALSE(mountAt(def.target.path));

  def.source.devices[0].path = (root / "missing.img").string();
  EXPECT_FALSE(backend->build(def, {}));
}

}  // namespace
}  // namespace stratus::storage
