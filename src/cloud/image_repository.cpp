#include "cloud/image_repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/crypto.h"
#include "cloud/s3/s3_store.h"
#include "storage/command.h"
#include "storage/qemu_img.h"
#include "util/fd.h"
#include "util/random.h"

namespace stratus::cloud {

namespace fs = std::filesystem;

namespace {

Status checkImageName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 && name.front() != '.' &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
            });
  if (!ok)
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: image name '" + name + "' must be 1-128 letters, digits or ._- characters");
  return okStatus();
}

// The image's format when `file` is a standalone raw or qcow2 disk.
Result<std::string> bootableFormat(const std::string& file, const std::string& name) {
  auto info = storage::runCommand({"qemu-img", "info", "--output=json", file});
  if (!info) return Error(ErrorCode::InvalidArgument, "cannot read image '" + name + "': " + info.error().message);
  auto parsed = storage::parseImageInfoJson(info->out, name);
  if (!parsed) return std::move(parsed).error();
  if (parsed->format != "raw" && parsed->format != "qcow2")
    return Error(ErrorCode::Unsupported, "unsupported configuration: image '" + name + "' is " + parsed->format +
                                             "; images are raw or qcow2");
  if (!parsed->backingFile.empty())
    return Error(ErrorCode::Unsupported, "unsupported configuration: image '" + name + "' has a backing file (" +
                                             parsed->backingFile + "); upload a standalone image");
  return parsed->format;
}

// S3's ETag of an object stored whole: the hex MD5 of its bytes.
Result<std::string> md5Hex(const std::string& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("cannot read " + file, errno);
  aws::Digest md5(aws::Digest::Algo::Md5);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read " + file, errno);
    if (n == 0) break;
    md5.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  return aws::toHex(md5.finish());
}

// A user's images, the new one included, stay within their storage quota.
// What they store is their objects (images among them), unfinished
// uploads, and images of the earlier directory store.
Status checkStorageQuota(SqlDb& db, std::int64_t owner, std::int64_t adding) {
  std::string name;
  std::int64_t maxMiB = 0, legacy = 0;
  STRATUS_TRY(db.query("SELECT name, max_storage_mib FROM users WHERE id = ?", {owner}, [&](const SqlRow& r) {
    name = r.text(0);
    maxMiB = r.integer(1);
    return false;
  }));
  STRATUS_TRY(db.query("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM images WHERE owner_id = ? AND s3_bucket IS NULL",
                       {owner}, [&](const SqlRow& r) {
                         legacy = r.integer(0);
                         return false;
                       }));
  auto objects = s3::S3Store(db).usage(owner);
  if (!objects) return std::move(objects).error();
  constexpr std::int64_t MiB = 1 << 20;
  std::int64_t used = *objects + legacy;
  if (used + adding > maxMiB * MiB)
    return Error(ErrorCode::OperationInvalid, "quota exceeded: user '" + name + "' would store " +
                                                  std::to_string((used + adding + MiB - 1) / MiB) +
                                                  " MiB of images, more than their quota of " +
                                                  std::to_string(maxMiB) + " MiB");
  return okStatus();
}

SqlValue ownerValue(std::int64_t owner) { return owner ? SqlValue(owner) : SqlValue(nullptr); }

Status nameTaken(SqlDb& db, std::int64_t owner, const std::string& name) {
  bool taken = false;
  STRATUS_TRY(db.query("SELECT 1 FROM images WHERE name = ? AND COALESCE(owner_id, 0) = ?", {name, owner},
                       [&](const SqlRow&) {
                         taken = true;
                         return false;
                       }));
  if (taken) return Error(ErrorCode::DomainExists, "operation failed: image '" + name + "' already exists");
  return okStatus();
}

Status objectTaken(s3::S3Store& objects, const std::string& bucket, const std::string& key) {
  auto o = objects.object(bucket, key);
  if (!o) return std::move(o).error();
  if (*o)
    return Error(ErrorCode::DomainExists, "operation failed: object '" + key + "' is already in bucket '" + bucket +
                                              "' (run it by that name, or delete it first)");
  return okStatus();
}

// The images row, and the object it names joined in.
constexpr const char* kSelect =
    "SELECT i.id, i.name, COALESCE(i.owner_id, 0), i.path, i.format, i.size_bytes, i.created, "
    "COALESCE(i.s3_bucket, ''), COALESCE(i.s3_key, ''), COALESCE(i.s3_etag, ''), o.file, o.etag "
    "FROM images i LEFT JOIN s3_objects o ON o.bucket = i.s3_bucket AND o.object_key = i.s3_key ";

Status insertImage(SqlDb& db, Image& img, const std::string& etag) {
  Status s = db.query("INSERT INTO images (name, owner_id, path, format, size_bytes, created, s3_bucket, s3_key, s3_etag) "
                      "VALUES (?, ?, '', ?, ?, ?, ?, ?, ?) RETURNING id",
                      {img.name, ownerValue(img.ownerId), img.format, img.sizeBytes, img.created, img.bucket, img.key, etag},
                      [&](const SqlRow& r) {
                        img.id = r.integer(0);
                        return false;
                      });
  if (!s && s.error().code == ErrorCode::DomainExists)  // the unique index on the name: a race lost
    return Error(ErrorCode::DomainExists, "operation failed: image '" + img.name + "' already exists");
  return s;
}

}  // namespace

std::string repositoryDir(const std::string& root) { return root + "/var/lib/stratus-cloud/s3"; }

std::string ImageRepository::imageBucket(std::int64_t owner) {
  return owner ? "images-" + std::to_string(owner) : std::string(s3::kCommonBucket);
}

Status ImageRepository::ensureBucket(std::int64_t owner, const std::string& bucket) {
  std::error_code ec;
  fs::create_directories(dir_ + "/" + bucket, ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot create " + dir_ + "/" + bucket + ": " + ec.message());
  s3::S3Store objects(store_.db());
  auto b = objects.bucket(bucket);
  if (!b) return std::move(b).error();
  if (*b) return okStatus();
  std::optional<std::int64_t> ownerId;
  if (owner) ownerId = owner;
  Status s = objects.createBucket(s3::Bucket{bucket, ownerId, static_cast<std::int64_t>(std::time(nullptr))});
  // BucketAlreadyOwnedByYou: another request made it meanwhile.
  if (!s && aws::awsCode(s.error()) != "BucketAlreadyOwnedByYou") return s;
  return okStatus();
}

Result<Image> ImageRepository::add(std::int64_t owner, const std::string& name, const std::string& file) {
  return addWith(owner, name, [&file](const std::string& path) -> Status {
    std::error_code ec;
    fs::copy_file(file, path, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot copy " + file + " into the image repository: " + ec.message());
    return okStatus();
  });
}

Result<Image> ImageRepository::addWith(std::int64_t owner, const std::string& name,
                                       const std::function<Status(const std::string& path)>& fill) {
  STRATUS_TRY(checkImageName(name));
  SqlDb& db = store_.db();
  s3::S3Store objects(db);
  const std::string bucket = imageBucket(owner);
  // Said before the bytes move (an upload may be large); the transaction
  // below still decides a race between two.
  STRATUS_TRY(nameTaken(db, owner, name));
  STRATUS_TRY(objectTaken(objects, bucket, name));
  STRATUS_TRY(ensureBucket(owner, bucket));
  const std::string bucketDir = dir_ + "/" + bucket;
  // A partial file never is an object, and never outlives a failure (nor
  // a killed service: the S3 server removes .tmp- files when it opens).
  std::string tmp = bucketDir + "/.tmp-" + randomHex(8);
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ignored;
      if (!path.empty()) fs::remove(path, ignored);
    }
  } cleanup{tmp};
  STRATUS_TRY(fill(tmp));
  auto format = bootableFormat(tmp, name);
  if (!format) return std::move(format).error();
  auto etag = md5Hex(tmp);
  if (!etag) return std::move(etag).error();
  std::error_code ec;
  Image img;
  img.name = name;
  img.ownerId = owner;
  img.format = *format;
  img.sizeBytes = static_cast<std::int64_t>(fs::file_size(tmp, ec));
  img.created = static_cast<std::int64_t>(std::time(nullptr));
  img.bucket = bucket;
  img.key = name;
  s3::ObjectInfo o;
  o.bucket = bucket;
  o.key = name;
  o.file = s3::newDataFileName();
  o.size = img.sizeBytes;
  o.etag = *etag;
  o.contentType = "application/octet-stream";
  o.metadata = "{}";
  o.ownerId = owner;
  o.modified = img.created;
  const std::string target = bucketDir + "/" + o.file;
  STRATUS_TRY(db.transaction([&]() -> Status {
    STRATUS_TRY(nameTaken(db, owner, name));
    STRATUS_TRY(objectTaken(objects, bucket, name));
    if (owner) STRATUS_TRY(checkStorageQuota(db, owner, img.sizeBytes));
    auto replaced = objects.putObject(o, INT64_MAX);  // the quota was checked above, in image words
    if (!replaced) return std::move(replaced).error();
    STRATUS_TRY(insertImage(db, img, o.etag));
    // Last, so that a failed rename takes the rows back with it.
    fs::rename(tmp, target, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot store image " + target + ": " + ec.message());
    return okStatus();
  }));
  cleanup.path.clear();
  img.path = target;
  return img;
}

Result<Image> ImageRepository::registerObject(std::int64_t owner, const std::string& name, const std::string& bucket,
                                              const std::string& key) {
  STRATUS_TRY(checkImageName(name));
  SqlDb& db = store_.db();
  STRATUS_TRY(nameTaken(db, owner, name));
  auto o = s3::S3Store(db).object(bucket, key);
  if (!o) return std::move(o).error();
  if (!*o) return Error(ErrorCode::InvalidArgument, "invalid argument: no object '" + key + "' in bucket '" + bucket + "'");
  const std::string file = dir_ + "/" + bucket + "/" + (*o)->file;
  auto format = bootableFormat(file, name);
  if (!format) return std::move(format).error();
  Image img;
  img.name = name;
  img.ownerId = owner;
  img.format = *format;
  img.sizeBytes = (*o)->size;
  img.created = static_cast<std::int64_t>(std::time(nullptr));
  img.bucket = bucket;
  img.key = key;
  // The ETag read before the check: an object replaced meanwhile shows as
  // replaced at its first launch, never booted unchecked.
  STRATUS_TRY(insertImage(db, img, (*o)->etag));
  img.path = file;
  return img;
}

Result<std::vector<Image>> ImageRepository::select(const std::string& where, std::vector<SqlValue> args) {
  std::vector<Image> out;
  STRATUS_TRY(store_.db().query(kSelect + where, std::move(args), [&](const SqlRow& r) {
    Image i;
    i.id = r.integer(0);
    i.name = r.text(1);
    i.ownerId = r.integer(2);
    i.path = r.text(3);
    i.format = r.text(4);
    i.sizeBytes = r.integer(5);
    i.created = r.integer(6);
    i.bucket = r.text(7);
    i.key = r.text(8);
    if (!i.bucket.empty()) {
      i.path.clear();
      if (r.isNull(10))
        i.problem = "its object '" + i.key + "' was deleted from bucket '" + i.bucket + "'";
      else if (r.text(11) != r.text(9))
        i.problem = "its object '" + i.key + "' in bucket '" + i.bucket + "' was replaced after the image was registered";
      else
        i.path = dir_ + "/" + i.bucket + "/" + r.text(10);
    }
    out.push_back(std::move(i));
    return true;
  }));
  return out;
}

Result<Image> ImageRepository::find(std::int64_t user, const std::string& name) {
  auto found = select("WHERE i.name = ? AND (i.owner_id IS NULL OR i.owner_id = ?) ORDER BY i.owner_id IS NULL LIMIT 1",
                      {name, user});
  if (!found) return std::move(found).error();
  if (!found->empty()) return found->front();
  // Not registered: an object of that name the user (or an administrator,
  // in the common bucket) put in the repository with an S3 client.
  if (checkImageName(name)) {
    s3::S3Store objects(store_.db());
    for (std::int64_t owner : {user, std::int64_t{0}}) {
      auto o = objects.object(imageBucket(owner), name);
      if (!o) return std::move(o).error();
      if (*o) return registerObject(owner, name, imageBucket(owner), name);
    }
  }
  return Error(ErrorCode::InvalidArgument, "no image named '" + name + "'");
}

Result<std::vector<Image>> ImageRepository::list(std::int64_t user) {
  return select("WHERE i.owner_id IS NULL OR i.owner_id = ? ORDER BY i.name, i.owner_id IS NULL", {user});
}

Result<std::vector<WaitingObject>> ImageRepository::waitingObjects(std::int64_t user) {
  auto images = list(user);
  if (!images) return std::move(images).error();
  return waitingObjects(user, *images);
}

Result<std::vector<WaitingObject>> ImageRepository::waitingObjects(std::int64_t user, const std::vector<Image>& visible) {
  std::set<std::string> taken;
  for (const auto& i : visible) taken.insert(i.name);
  std::vector<WaitingObject> found;
  // The user's bucket first: its objects shadow the common bucket's.
  for (const std::string& bucket : {imageBucket(user), imageBucket(0)}) {
    STRATUS_TRY(store_.db().query(
        "SELECT o.object_key, o.size_bytes, o.modified FROM s3_objects o LEFT JOIN images i "
        "ON i.s3_bucket = o.bucket AND i.s3_key = o.object_key WHERE o.bucket = ? AND i.id IS NULL "
        "ORDER BY o.object_key LIMIT 1000",
        {bucket}, [&](const SqlRow& r) {
          std::string key = r.text(0);
          if (checkImageName(key) && taken.insert(key).second)
            found.push_back(WaitingObject{bucket, key, r.integer(1), r.integer(2)});
          return true;
        }));
  }
  std::sort(found.begin(), found.end(), [](const WaitingObject& a, const WaitingObject& b) { return a.key < b.key; });
  if (found.size() > 1000) found.resize(1000);
  return found;
}

Status ImageRepository::remove(std::int64_t owner, const std::string& name, bool deleteObject) {
  SqlDb& db = store_.db();
  std::string legacyPath, objectFile;
  Image gone;
  STRATUS_TRY(db.transaction([&]() -> Status {
    auto found = select("WHERE i.name = ? AND i.owner_id IS NOT DISTINCT FROM ?", {name, ownerValue(owner)});
    if (!found) return std::move(found).error();
    if (found->empty()) return Error(ErrorCode::InvalidArgument, "no image named '" + name + "' of yours");
    gone = found->front();
    STRATUS_TRY(db.exec("DELETE FROM images WHERE id = ?", {gone.id}));
    if (gone.bucket.empty()) {
      legacyPath = gone.path;
      return okStatus();
    }
    // The object goes with its last image, and only as it was registered.
    if (!deleteObject || !gone.problem.empty()) return okStatus();
    bool shared = false;
    STRATUS_TRY(db.query("SELECT 1 FROM images WHERE s3_bucket = ? AND s3_key = ?", {gone.bucket, gone.key},
                         [&](const SqlRow&) {
                           shared = true;
                           return false;
                         }));
    if (shared) return okStatus();
    auto file = s3::S3Store(db).deleteObject(gone.bucket, gone.key);
    if (!file) return std::move(file).error();
    if (*file) objectFile = dir_ + "/" + gone.bucket + "/" + **file;
    return okStatus();
  }));
  std::error_code ec;
  if (!legacyPath.empty()) fs::remove(legacyPath, ec);
  if (!objectFile.empty()) fs::remove(objectFile, ec);
  return okStatus();
}

}  // namespace stratus::cloud
