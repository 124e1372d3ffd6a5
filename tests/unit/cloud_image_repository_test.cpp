// The image repository on the S3 store: raw and qcow2 images come in
// whole as objects, images with a backing file or of other formats are
// refused, a user's image shadows a common one of the same name, removal
// deletes the object; an object put there with S3 is an image without a
// copy, and one replaced or deleted since it was registered does not boot.
#include <gtest/gtest.h>

#include <filesystem>

#include "cloud/image_repository.h"
#include "cloud/s3/s3_store.h"
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
  EXPECT_EQ(common->location(), "common/debian");
  EXPECT_EQ(fs::path(common->path).parent_path(), root.str() + "/images/common");
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
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();

  EXPECT_FALSE(repo.remove(bob->id, "debian", true).ok());  // not bob's
  ASSERT_TRUE(repo.remove(alice->id, "debian", true).ok());
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
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  // Common images count against nobody; a raised quota lets the third in.
  EXPECT_TRUE(repo.add(0, "three", raw).ok());
  q.storageMiB = 3;
  ASSERT_TRUE(store->setUserQuotas("alice", q).ok());
  EXPECT_TRUE(repo.add(alice->id, "three", raw).ok());
  q.maxHours = 0;
  EXPECT_EQ(store->setUserQuotas("alice", q).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(store->setUserQuotas("nobody", Quotas{}).error().message, "no user named 'nobody'");
}

namespace {

// An object put into the repository the way the S3 server stores one.
void putObject(const std::string& dataDir, CloudStore& store, std::int64_t owner, const std::string& bucket,
               const std::string& key, const std::string& file) {
  s3::S3Store objects(store.db());
  if (!*objects.bucket(bucket))
    ASSERT_TRUE(objects.createBucket(s3::Bucket{bucket, owner ? std::optional<std::int64_t>(owner) : std::nullopt, 1}).ok());
  fs::create_directories(dataDir + "/" + bucket);
  s3::ObjectInfo o;
  o.bucket = bucket;
  o.key = key;
  o.file = s3::newDataFileName();
  o.size = static_cast<std::int64_t>(fs::file_size(file));
  o.etag = "etag-" + o.file;
  o.contentType = "binary/octet-stream";
  o.metadata = "{}";
  o.ownerId = owner;
  o.modified = 2;
  fs::copy_file(file, dataDir + "/" + bucket + "/" + o.file);
  auto replaced = objects.putObject(o, INT64_MAX);
  ASSERT_TRUE(replaced.ok()) << replaced.error().describe();
  if (*replaced) fs::remove(dataDir + "/" + bucket + "/" + **replaced);
}

}  // namespace

TEST_P(ImageRepositoryDb, ImagesAreObjectsOfTheS3Repository) {
  if (::system("command -v qemu-img >/dev/null") != 0) GTEST_SKIP() << "qemu-img is not installed";
  stratus::testing::TempRoot root;
  auto store = std::move(CloudStore::open(url())).value();
  auto alice = store->addUser("alice");
  const std::string data = root.str() + "/s3";
  ImageRepository repo(*store, data);
  auto raw = image(root.str(), "disk.raw", "raw");

  // An upload (cloud-client --transfer) is an object of alice's image bucket, with S3's ETag.
  auto up = repo.add(alice->id, "uploaded", raw);
  ASSERT_TRUE(up.ok()) << up.error().describe();
  EXPECT_EQ(ImageRepository::imageBucket(alice->id), "images-" + std::to_string(alice->id));
  EXPECT_EQ(up->location(), "images-" + std::to_string(alice->id) + "/uploaded");
  s3::S3Store objects(store->db());
  auto bucket = objects.bucket(up->bucket);
  ASSERT_TRUE(bucket.ok() && *bucket);
  EXPECT_EQ((*bucket)->ownerId, alice->id);
  auto obj = objects.object(up->bucket, "uploaded");
  ASSERT_TRUE(obj.ok() && *obj);
  EXPECT_EQ((*obj)->etag, "b6d81b360a5672d80c27430f39153e2c");  // MD5 of 1 MiB of zeroes
  EXPECT_EQ(up->path, data + "/" + up->bucket + "/" + (*obj)->file);
  EXPECT_EQ(*objects.usage(alice->id), 1 << 20);
  // A key taken by an object is refused, and nothing is left of the try.
  putObject(data, *store, alice->id, up->bucket, "by-s3", raw);
  auto taken = repo.add(alice->id, "by-s3", raw);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::DomainExists);
  EXPECT_NE(taken.error().message.find("object 'by-s3' is already in bucket"), std::string::npos) << taken.error().message;

  // An object put with S3 waits to be run by its key (listed, not yet an image)...
  auto waiting = repo.waitingObjects(alice->id);
  ASSERT_TRUE(waiting.ok()) << waiting.error().describe();
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(waiting->front().key, "by-s3");
  EXPECT_EQ(waiting->front().bucket, up->bucket);
  EXPECT_EQ(waiting->front().sizeBytes, 1 << 20);
  // ... and boots by its name: registered on first use, no copy.
  auto found = repo.find(alice->id, "by-s3");
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_EQ(found->format, "raw");
  EXPECT_EQ(found->path, data + "/" + up->bucket + "/" + (*objects.object(up->bucket, "by-s3"))->file);
  EXPECT_EQ(repo.list(alice->id)->size(), 2u);
  EXPECT_TRUE(repo.waitingObjects(alice->id)->empty());
  EXPECT_EQ(*objects.usage(alice->id), 2 << 20);  // counted once
  // RegisterImage: another bucket, another name, the same bytes.
  putObject(data, *store, alice->id, "mine", "disks/boot.img", raw);
  auto reg = repo.registerObject(alice->id, "boot", "mine", "disks/boot.img");
  ASSERT_TRUE(reg.ok()) << reg.error().describe();
  EXPECT_EQ(reg->location(), "mine/disks/boot.img");
  EXPECT_FALSE(repo.registerObject(alice->id, "nothing", "mine", "absent").ok());
  auto vmdk = image(root.str(), "d.vmdk", "vmdk");
  putObject(data, *store, alice->id, "mine", "d.vmdk", vmdk);
  EXPECT_EQ(repo.registerObject(alice->id, "vm", "mine", "d.vmdk").error().code, ErrorCode::Unsupported);

  // Replaced or deleted behind the image's back: listed, with the reason, not booted.
  putObject(data, *store, alice->id, "mine", "disks/boot.img", raw);
  auto replaced = repo.find(alice->id, "boot");
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->path.empty());
  EXPECT_EQ(replaced->problem, "its object 'disks/boot.img' in bucket 'mine' was replaced after the image was registered");
  ASSERT_TRUE(objects.deleteObject(up->bucket, "by-s3").ok());
  EXPECT_EQ(repo.find(alice->id, "by-s3")->problem, "its object 'by-s3' was deleted from bucket '" + up->bucket + "'");

  // Deregistering keeps the object; deleting (cloud-client --delete) takes it along.
  auto upObjectFile = up->path;
  ASSERT_TRUE(repo.registerObject(alice->id, "again", up->bucket, "uploaded").ok());
  ASSERT_TRUE(repo.remove(alice->id, "again", false).ok());
  ASSERT_TRUE(*objects.object(up->bucket, "uploaded"));
  ASSERT_TRUE(repo.registerObject(alice->id, "twin", up->bucket, "uploaded").ok());
  ASSERT_TRUE(repo.remove(alice->id, "uploaded", true).ok());
  EXPECT_TRUE(*objects.object(up->bucket, "uploaded")) << "the twin image still uses it";
  ASSERT_TRUE(repo.remove(alice->id, "twin", true).ok());
  EXPECT_FALSE(*objects.object(up->bucket, "uploaded"));
  EXPECT_FALSE(fs::exists(upObjectFile));
  // A replaced object is not the image's any more: --delete leaves it.
  ASSERT_TRUE(repo.remove(alice->id, "boot", true).ok());
  EXPECT_TRUE(*objects.object("mine", "disks/boot.img"));
}

TEST_P(ImageRepositoryDb, CommonImagesAreServiceObjectsOfTheSharedBucket) {
  if (::system("command -v qemu-img >/dev/null") != 0) GTEST_SKIP() << "qemu-img is not installed";
  stratus::testing::TempRoot root;
  auto store = std::move(CloudStore::open(url())).value();
  auto bob = store->addUser("bob");
  ImageRepository repo(*store, root.str() + "/s3");
  auto raw = image(root.str(), "disk.raw", "raw");
  auto common = repo.add(0, "debian", raw);
  ASSERT_TRUE(common.ok()) << common.error().describe();
  s3::S3Store objects(store->db());
  auto obj = objects.object(s3::kCommonBucket, "debian");
  ASSERT_TRUE(obj.ok() && *obj);
  EXPECT_EQ((*obj)->ownerId, 0);  // nobody's quota
  EXPECT_EQ(*objects.usage(bob->id), 0);
  // What an administrator put in `common` with S3 boots for everyone; a
  // key that is no image name is not offered.
  putObject(root.str() + "/s3", *store, 0, s3::kCommonBucket, "alpine", raw);
  putObject(root.str() + "/s3", *store, 0, s3::kCommonBucket, "dir/not-a-name", raw);
  auto waiting = repo.waitingObjects(bob->id);
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(waiting->front().key, "alpine");
  auto alpine = repo.find(bob->id, "alpine");
  ASSERT_TRUE(alpine.ok()) << alpine.error().describe();
  EXPECT_EQ(alpine->ownerId, 0);
  EXPECT_EQ(repo.find(bob->id, "nothing").error().message, "no image named 'nothing'");
}

TEST_P(ImageRepositoryDb, SchemaSixKeepsTheObjectsStoredBefore) {
  auto db = std::move(openSqlDb(url())).value();
  std::vector<Migration> upToFive;
  for (const auto& m : cloudSchema())
    if (m.version <= 5) upToFive.push_back(m);
  ASSERT_TRUE(db->migrate(upToFive).ok());
  ASSERT_TRUE(db->exec("INSERT INTO users (name, access_key, secret_key, client_token, max_instances, max_vcpus, max_memory_mib, "
                       "max_storage_mib, max_hours, created) VALUES ('a', 'AK', 'S', 'T', 1, 1, 1, 1, 1, 1)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO s3_buckets (name, owner_id, created) VALUES ('b1', 1, 1)").ok());
  ASSERT_TRUE(db->exec("INSERT INTO s3_objects VALUES ('b1', 'k', 'o-1', 7, 'e', 't', '{}', 1, 3)").ok());
  ASSERT_TRUE(db->migrate(cloudSchema()).ok());
  s3::S3Store objects(*db);
  auto o = objects.object("b1", "k");
  ASSERT_TRUE(o.ok() && *o) << (o.ok() ? "gone" : o.error().describe());
  EXPECT_EQ((*o)->file, "o-1");
  EXPECT_EQ((*o)->ownerId, 1);
  EXPECT_EQ(*objects.usage(1), 7);
}
