// The logical pool backend for real: a VG on two loop devices. LVM only
// sees them: LVM_SYSTEM_DIR points at the test's lvm.conf, whose device
// filter admits those two devices and nothing else of the host.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "storage/blkid.h"
#include "storage/pool_backend.h"
#include "storage/pool_types.h"
#include "storage_host_support.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

using testing::LoopDevice;
constexpr std::uint64_t MiB = 1 << 20;

class LogicalPool : public ::testing::Test {
 protected:
  void SetUp() override {
    STORAGE_REQUIRE_ROOT();
    STORAGE_REQUIRE_TOOL("losetup");
    STORAGE_REQUIRE_TOOL("pvcreate");
    root = std::filesystem::temp_directory_path() / ("stratus-lvm-" + Uuid::generate().str());
    std::filesystem::create_directories(root / "lvm");
    pv1 = std::make_unique<LoopDevice>((root / "pv1.img").string(), 64 * MiB);
    pv2 = std::make_unique<LoopDevice>((root / "pv2.img").string(), 64 * MiB);
    ASSERT_TRUE(pv1->ok() && pv2->ok()) << pv1->error() << pv2->error();
    std::string accept = "\"a|^" + pv1->device() + "$|\", \"a|^" + pv2->device() + "$|\", \"r|.*|\"";
    std::ofstream(root / "lvm" / "lvm.conf")
        << "devices {\n  filter = [ " << accept << " ]\n  global_filter = [ " << accept << " ]\n"
        << "  use_devicesfile = 0\n  obtain_device_list_from_udev = 0\n}\n"
        << "activation {\n  udev_sync = 0\n  udev_rules = 0\n  monitoring = 0\n}\n"
        << "backup {\n  backup = 0\n  archive = 0\n}\n";
    ::setenv("LVM_SYSTEM_DIR", (root / "lvm").c_str(), 1);
    def.type = conf::PoolType::Logical;
    def.name = "stratus-test-" + std::to_string(::getpid());
    def.source.name = "stratus_test_vg_" + std::to_string(::getpid());
    def.source.devices.push_back({pv1->device(), {}});
    def.source.devices.push_back({pv2->device(), {}});
    def.target.path = "/dev/" + def.source.name;
    auto b = makeHostPoolBackend(conf::PoolType::Logical, (root / "run").string());
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
  }
  void TearDown() override {
    if (!root.empty()) {
      CommandOptions o;
      o.extraEnv = {"LVM_SUPPRESS_FD_WARNINGS=1"};
      (void)runCommand({"vgremove", "-f", def.source.name}, o);
      if (pv1 && pv1->ok()) (void)runCommand({"pvremove", "-y", pv1->device(), pv2->device()}, o);
      pv1.reset();
      pv2.reset();
      ::unsetenv("LVM_SYSTEM_DIR");
      std::error_code ec;
      std::filesystem::remove_all(root, ec);
    }
  }

  std::filesystem::path root;
  std::unique_ptr<LoopDevice> pv1, pv2;
  conf::PoolDef def;
  std::unique_ptr<PoolBackend> backend;
};

TEST_F(LogicalPool, BuildStartVolumesStopDelete) {
  EXPECT_FALSE(backend->isActive(def));
  ASSERT_TRUE(backend->build(def, {}));
  EXPECT_EQ(*probeContentType(pv1->device()), "LVM2_member");
  daemon::PoolBuildOptions noOverwrite;
  noOverwrite.noOverwrite = true;
  auto again = backend->build(def, noOverwrite);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("LVM2_member"), std::string::npos) << again.error().message;

  auto st = backend->start(def);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_TRUE(backend->isActive(def));
  auto c = backend->refresh(def);
  ASSERT_TRUE(c) << c.error().message;
  // Two 64 MiB PVs less LVM's metadata and extent rounding.
  EXPECT_GE(c->capacity, 112 * MiB);
  EXPECT_LE(c->capacity, 128 * MiB);
  EXPECT_EQ(c->available, c->capacity);
  EXPECT_EQ(c->allocation, 0u);
  EXPECT_TRUE(c->volumes.empty());

  conf::VolumeDef v;
  v.name = "lv1";
  v.capacity = 16 * MiB;
  auto made = backend->createVolume(def, v, {});
  if (!kernelHasDeviceMapper()) {
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().code, ErrorCode::Unsupported);
    EXPECT_NE(made.error().message.find("device-mapper"), std::string::npos) << made.error().message;
    EXPECT_NE(made.error().message.find(def.source.name), std::string::npos);
    std::cout << "[ note ] no device-mapper here: LV creation refused with: " << made.error().message << "\n";
  } else {
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->type, "block");
    EXPECT_EQ(made->capacity, 16 * MiB);
    EXPECT_EQ(made->path, "/dev/" + def.source.name + "/lv1");
    ASSERT_TRUE(backend->wipeVolume(def, v, {}, nullptr));
    ASSERT_TRUE(backend->deleteVolume(def, v));
  }
  EXPECT_TRUE(backend->refresh(def)->volumes.empty());
  conf::VolumeDef qcow = v;
  qcow.format = "qcow2";
  EXPECT_EQ(backend->createVolume(def, qcow, {}).error().code, ErrorCode::Unsupported);

  // find-storage-pool-sources: the VG and its two PVs (LVM sees nothing
  // else through the test's filter).
  auto sources = backend->findSources("");
  ASSERT_TRUE(sources) << sources.error().message;
  EXPECT_EQ(*sources, "<sources>\n  <source>\n    <device path='" + pv1->device() + "'/>\n    <device path='" +
                          pv2->device() + "'/>\n    <name>" + def.source.name +
                          "</name>\n    <format type='lvm2'/>\n  </source>\n</sources>\n");

  ASSERT_TRUE(backend->stop(def));
  ASSERT_TRUE(backend->remove(def));
  EXPECT_FALSE(backend->isActive(def));
  EXPECT_EQ(*probeContentType(pv1->device()), "") << "PV label left after pool-delete";
  EXPECT_EQ(*probeContentType(pv2->device()), "");
}

TEST_F(LogicalPool, OverwriteAndFailures) {
  // A file system on a device: refused by default, formatted with --overwrite.
  ASSERT_TRUE(runCommand({"mkfs.ext4", "-q", "-F", pv2->device()}));
  auto refused = backend->build(def, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'ext4'"), std::string::npos) << refused.error().message;
  EXPECT_EQ(*probeContentType(pv1->device()), "") << "a refused build touched the first device";
  daemon::PoolBuildOptions overwrite;
  overwrite.overwrite = true;
  ASSERT_TRUE(backend->build(def, overwrite));
  EXPECT_TRUE(backend->isActive(def));
  ASSERT_TRUE(backend->remove(def));

  conf::PoolDef missing = def;
  missing.source.name = "stratus_no_such_vg";
  auto st = backend->start(missing);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("stratus_no_such_vg"), std::string::npos);
  EXPECT_FALSE(backend->refresh(missing));
}

}  // namespace
}  // namespace stratus::storage
