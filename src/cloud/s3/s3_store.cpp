#include "cloud/s3/s3_store.h"

#include <algorithm>

#include "cloud/aws/aws_error.h"
#include "util/random.h"

namespace stratus::cloud::s3 {

using aws::awsError;

namespace {
constexpr const char* kObjectColumns =
    "bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, modified";

ObjectInfo objectFrom(const SqlRow& r) {
  return ObjectInfo{r.text(0), r.text(1), r.text(2), r.integer(3), r.text(4), r.text(5), r.text(6), r.integer(7), r.integer(8)};
}
Bucket bucketFrom(const SqlRow& r) {
  Bucket b{r.text(0), std::nullopt, r.integer(2)};
  if (!r.isNull(1)) b.ownerId = r.integer(1);
  return b;
}
SqlValue ownerValue(const std::optional<std::int64_t>& id) {
  if (id) return *id;
  return nullptr;
}
}  // namespace

std::string newDataFileName() { return "o-" + randomHex(16); }

Result<std::optional<Bucket>> S3Store::bucket(const std::string& name) {
  std::optional<Bucket> out;
  STRATUS_TRY(db_.query("SELECT name, owner_id, created FROM s3_buckets WHERE name = ?", {name}, [&](const SqlRow& r) {
    out = bucketFrom(r);
    return false;
  }));
  return out;
}

Result<std::vector<Bucket>> S3Store::visibleBuckets(std::int64_t userId) {
  std::vector<Bucket> out;
  STRATUS_TRY(db_.query("SELECT name, owner_id, created FROM s3_buckets WHERE owner_id = ? OR owner_id IS NULL", {userId},
                        [&](const SqlRow& r) {
                          out.push_back(bucketFrom(r));
                          return true;
                        }));
  std::sort(out.begin(), out.end(), [](const Bucket& a, const Bucket& b) { return a.name < b.name; });
  return out;
}

Status S3Store::createBucket(const Bucket& b) {
  return db_.transaction([&]() -> Status {
    auto existing = bucket(b.name);
    if (!existing) return std::move(existing).error();
    if (*existing) {
      if ((*existing)->ownerId == b.ownerId)
        return awsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
      return awsError("BucketAlreadyExists", "The requested bucket name is not available.");
    }
    return db_.exec("INSERT INTO s3_buckets (name, owner_id, created) VALUES (?, ?, ?)",
                    {b.name, ownerValue(b.ownerId), b.created});
  });
}

Status S3Store::deleteBucket(const std::string& name) {
  return db_.transaction([&]() -> Status {
    std::int64_t n = 0;
    STRATUS_TRY(db_.query("SELECT (SELECT COUNT(*) FROM s3_objects WHERE bucket = ?) + "
                          "(SELECT COUNT(*) FROM s3_uploads WHERE bucket = ?)",
                          {name, name}, [&](const SqlRow& r) {
                            n = r.integer(0);
                            return false;
                          }));
    if (n > 0) return awsError("BucketNotEmpty", "The bucket you tried to delete is not empty.");
    return db_.exec("DELETE FROM s3_buckets WHERE name = ?", {name});
  });
}

Result<std::optional<ObjectInfo>> S3Store::object(const std::string& bucket, const std::string& key) {
  std::optional<ObjectInfo> out;
  STRATUS_TRY(db_.query(std::string("SELECT ") + kObjectColumns + " FROM s3_objects WHERE bucket = ? AND object_key = ?",
                        {bucket, key}, [&](const SqlRow& r) {
                          out = objectFrom(r);
                          return false;
                        }));
  return out;
}

Result<std::int64_t> S3Store::usage(std::int64_t userId) {
  std::int64_t n = 0;
  // CAST: PostgreSQL's SUM of BIGINT is NUMERIC.
  STRATUS_TRY(db_.query("SELECT CAST(COALESCE((SELECT SUM(size_bytes) FROM s3_objects WHERE owner_id = ?), 0) + "
                        "COALESCE((SELECT SUM(p.size_bytes) FROM s3_parts p JOIN s3_uploads u ON p.upload_id = "
                        "u.upload_id WHERE u.owner_id = ?), 0) AS BIGINT)",
                        {userId, userId}, [&](const SqlRow& r) {
                          n = r.integer(0);
                          return false;
                        }));
  return n;
}

Result<std::optional<std::string>> S3Store::putObject(const ObjectInfo& o, std::int64_t quotaBytes) {
  std::optional<std::string> replaced;
  Status st = db_.transaction([&]() -> Status {
    auto old = object(o.bucket, o.key);
    if (!old) return std::move(old).error();
    auto used = usage(o.ownerId);
    if (!used) return std::move(used).error();
    std::int64_t after = *used + o.size - (*old && (*old)->ownerId == o.ownerId ? (*old)->size : 0);
    if (after > quotaBytes)
      return awsError("QuotaExceeded", "Storing " + std::to_string(o.size) + " bytes would bring the user to " +
                                           std::to_string(after) + " bytes; the quota is " +
                                           std::to_string(quotaBytes) + " bytes.");
    if (*old) replaced = (*old)->file;
    return db_.exec("INSERT INTO s3_objects (" + std::string(kObjectColumns) +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, object_key) DO UPDATE SET "
                        "file = excluded.file, size_bytes = excluded.size_bytes, etag = excluded.etag, content_type = "
                        "excluded.content_type, metadata = excluded.metadata, owner_id = excluded.owner_id, "
                        "modified = excluded.modified",
                    {o.bucket, o.key, o.file, o.size, o.etag, o.contentType, o.metadata,
                     ownerValue(o.ownerId ? std::optional<std::int64_t>(o.ownerId) : std::nullopt), o.modified});
  });
  if (!st) return std::move(st).error();
  return replaced;
}

Result<std::optional<std::string>> S3Store::completeUpload(const std::string& uploadId, const ObjectInfo& o,
                                                           std::int64_t quotaBytes) {
  Result<std::optional<std::string>> out = std::optional<std::string>();
  Status st = db_.transaction([&]() -> Status {
    STRATUS_TRY(deleteUpload(uploadId));
    out = putObject(o, quotaBytes);
    if (!out) return out.error();
    return okStatus();
  });
  if (!st) return std::move(st).error();
  return out;
}

Result<std::optional<std::string>> S3Store::deleteObject(const std::string& bucket, const std::string& key) {
  std::optional<std::string> file;
  Status st = db_.transaction([&]() -> Status {
    auto old = object(bucket, key);
    if (!old) return std::move(old).error();
    if (!*old) return okStatus();
    file = (*old)->file;
    return db_.exec("DELETE FROM s3_objects WHERE bucket = ? AND object_key = ?", {bucket, key});
  });
  if (!st) return std::move(st).error();
  return file;
}

Status S3Store::createUpload(const Upload& u) {
  return db_.exec(
      "INSERT INTO s3_uploads (upload_id, bucket, object_key, owner_id, content_type, metadata, created) VALUES (?, ?, "
      "?, ?, ?, ?, ?)",
      {u.id, u.bucket, u.key, u.ownerId, u.contentType, u.metadata, u.created});
}

namespace {
Upload uploadFrom(const SqlRow& r) {
  return Upload{r.text(0), r.text(1), r.text(2), r.integer(3), r.text(4), r.text(5), r.integer(6)};
}
constexpr const char* kUploadSelect =
    "SELECT upload_id, bucket, object_key, owner_id, content_type, metadata, created FROM s3_uploads ";
}  // namespace

Result<std::optional<Upload>> S3Store::upload(const std::string& id) {
  std::optional<Upload> out;
  STRATUS_TRY(db_.query(std::string(kUploadSelect) + "WHERE upload_id = ?", {id}, [&](const SqlRow& r) {
    out = uploadFrom(r);
    return false;
  }));
  return out;
}

Result<std::vector<Upload>> S3Store::listUploads(const std::string& bucket) {
  std::vector<Upload> out;
  STRATUS_TRY(db_.query(std::string(kUploadSelect) + "WHERE bucket = ?", {bucket}, [&](const SqlRow& r) {
    out.push_back(uploadFrom(r));
    return true;
  }));
  std::sort(out.begin(), out.end(), [](const Upload& a, const Upload& b) { return std::tie(a.key, a.created, a.id) < std::tie(b.key, b.created, b.id); });
  return out;
}

Status S3Store::putPart(const std::string& uploadId, const Part& p) {
  return db_.exec(
      "INSERT INTO s3_parts (upload_id, part_number, size_bytes, etag, modified) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
      "(upload_id, part_number) DO UPDATE SET size_bytes = excluded.size_bytes, etag = excluded.etag, modified = "
      "excluded.modified",
      {uploadId, static_cast<std::int64_t>(p.number), p.size, p.etag, p.modified});
}

Result<std::vector<Part>> S3Store::parts(const std::string& uploadId) {
  std::vector<Part> out;
  STRATUS_TRY(db_.query("SELECT part_number, size_bytes, etag, modified FROM s3_parts WHERE upload_id = ? ORDER BY "
                        "part_number",
                        {uploadId}, [&](const SqlRow& r) {
                          out.push_back(Part{static_cast<int>(r.integer(0)), r.integer(1), r.text(2), r.integer(3)});
                          return true;
                        }));
  return out;
}

Status S3Store::deleteUpload(const std::string& id) {
  return db_.transaction([&]() -> Status {
    STRATUS_TRY(db_.exec("DELETE FROM s3_parts WHERE upload_id = ?", {id}));
    return db_.exec("DELETE FROM s3_uploads WHERE upload_id = ?", {id});
  });
}

}  // namespace stratus::cloud::s3
