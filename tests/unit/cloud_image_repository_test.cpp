// The directory-backed image store: raw and qcow2 images come in whole,
// images with a backing file or of other formats are refused, a user's
// image shadows a common one of the same name, removal deletes the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "cloud/image_repository.h"
#include "storage/command.h"
#include "cloud_test_db.h"

using namespace stratus;
using namespace stratus::cloud;
namespace fs = std::filesystem;

class ImageRepositoryDb : public stratus::testing::CloudDbTest {};
STRATUS_DB_ENGINES(ImageRepositoryDb);

namespace {

std::string image(const std::string& dir, const std::string& name, const std::string& format,
                  const std::string& backing = "") {
  std::string path = dir + "/" + name;
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", format};
  if (!backing.empty()) argv.insert(argv.end(), {"-b", backing, "-F", "qcow2"});
  argv.insert(argv.end(), {path, "1M"});
  EXPECT_TRUE(storage::runCommand(argv).ok());
  return path;
}

}  // namespace

TEST_P(ImageRepositoryDb, ImagesComeInWholeAndUsersShadowCommonOnes) {
  if (::system("command -v qemu-img >/dev/null") != 0) GTEST_SKIP() << "qemu-img is not installed";
  stratus::testing::TempRoot root;
  auto store = std::move(CloudStore::open(url())).value();
  auto alice = store->addUser("alice");
  auto bob = store->addUser("bob");
  ImageRepository repo(*store, root.str() + "/images");
  auto base = image(root.str(), "base.qcow2", "qcow2");
  auto raw = image(root.str(), "disk.raw", "raw");

  auto common = repo.add(0, "debian", base);
  ASSERT_TRUE(common.ok()) << common.error().describe();
  EXPECT_EQ(common->format, "qcow2");
  EXPECT_EQ(common->path, root.str() + "/images/common/debian");
  EXPECT_TRUE(fs::exists(common->path));
  auto mine = repo.add(alice->id, "debian", raw);
  ASSERT_TRUE(mine.ok()) << mine.error().describe();
  EXPECT_EQ(mine->format, "raw");
  EXPECT_EQ(repo.find(alice->id, "debian")->ownerId, alice->id);  // alice's own first
  EXPECT_EQ(repo.find(bob->id, "debian")->ownerId, 0);            // bob sees the common one
  EXPECT_EQ(repo.list(alice->id)->size(), 2u);
  EXPECT_EQ(repo.list(bob->id)->size(), 1u);

  auto dup = repo.add(alice->id, "debian", raw);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, "operation failed: image 'debian' already exists");
  auto overlay = image(root.str(), "overlay.qcow2", "qcow2", base);
  auto backed = repo.add(alice->id, "overlay", overlay);
  ASSERT_FALSE(backed.ok());
  EXPECT_NE(backed.error().message.find("has a backing file"), std::string::npos);
  auto vmdk = image(root.str(), "d.vmdk", "vmdk");
  EXPECT_EQ(repo.add(alice->id, "v", vmdk).error().code, ErrorCode::Unsupported);
  EXPECT_EQ(repo.add(alice->id, "../escape", raw).error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(repo.add(alice->id, "missing", root.str() + "/nope").ok());
  // Nothing half-copied is left behind.
  for (const auto& e : fs::recursive_directory_iterator(root.str() + "/images"))
    EXPECT_EQ(e.path().string().find(".part-"), std::string::npos) << e.path();

  EXPECT_FALSE(repo.remove(bob->id, "debian").ok());  // not bob's
  ASSERT_TRUE(repo.remove(alice->id, "debian").ok());
  EXPECT_FALSE(fs::exists(mine->path));
  EXPECT_EQ(repo.find(alice->id, "debian")->ownerId, 0);
}

TEST_P(ImageRepositoryDb, AUsersImagesStayWithinTheirStorageQuota) {
  if (::system("command -v qemu-img >/dev/null") != 0) GTEST_SKIP() << "qemu-img is not installed";
  stratus::testing::TempRoot root;
  auto store = std::move(CloudStore::open(url())).value();
  Quotas q;
  q.storageMiB = 2;
  auto alice = store->addUser("alice", q);
  ASSERT_TRUE(alice.ok());
  ImageRepository repo(*store, root.str() + "/images");
  auto raw = image(root.str(), "disk.raw", "raw");  // 1 MiB
  ASSERT_TRUE(repo.add(alice->id, "one", raw).ok());
  ASSERT_TRUE(repo.add(alice->id, "two", raw).ok());
  auto third = repo.add(alice->id, "three", raw);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().message,
            "quota exceeded: user 'alice' would store 3 MiB of images, more than their quota of 2 MiB");
  EXPECT_FALSE(repo.find(alice->id, "three").ok());
  for (const auto& e : fs::recursive_directory_iterator(root.str() + "/images"))
    EXPECT_EQ(e.path().filename().string().find(".part-"), std::string::npos) << e.path();
  // Common images count against nobody; a raised quota lets the third in.
  EXPECT_TRUE(repo.add(0, "three", raw).ok());
  q.storageMiB = 3;
  ASSERT_TRUE(store->setUserQuotas("alice", q).ok());
  EXPECT_TRUE(repo.add(alice->id, "three", raw).ok());
  q.maxHours = 0;
  EXPECT_EQ(store->setUserQuotas("alice", q).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(store->setUserQuotas("nobody", Quotas{}).error().message, "no user named 'nobody'");
}
