// The S3 repository's records in the service database (migration 3):
// buckets and their owners, objects (which file holds the bytes, size, ETag,
// type, user metadata), multipart uploads and their parts. Files are the
// caller's (s3_files.h); a row names a file only once it is complete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloud/sql_db.h"
#include "util/error.h"

namespace stratus::cloud::s3 {

// The shared bucket: common images, readable by every user.
inline constexpr const char* kCommonBucket = "common";

struct Bucket {
  std::string name;
  std::optional<std::int64_t> ownerId;  // none: the shared bucket
  std::int64_t created = 0;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string file;  // the data file's name inside the bucket's directory
  std::int64_t size = 0;
  std::string etag;  // without quotes
  std::string contentType;
  std::string metadata;  // x-amz-meta-* as a JSON object
  std::int64_t ownerId = 0;  // 0: the service's own (a common image it stored)
  std::int64_t modified = 0;
};

// A new name for an object's data file inside its bucket's directory.
std::string newDataFileName();

struct Upload {
  std::string id;
  std::string bucket;
  std::string key;
  std::int64_t ownerId = 0;
  std::string contentType;
  std::string metadata;
  std::int64_t created = 0;
};

struct Part {
  int number = 0;
  std::int64_t size = 0;
  std::string etag;
  std::int64_t modified = 0;
};

// One page of ListObjects: keys starting with `prefix`, after `after`
// (start-after, the continuation token's key, the marker; exclusive), at
// most maxKeys items, where the keys that share a prefix ending in
// `delimiter` (beyond `prefix`) count once, as that common prefix.
struct ListRequest {
  std::string prefix;
  std::string delimiter;  // none when empty
  std::string after;      // from the start when empty
  int maxKeys = 1000;
};
struct ListResult {
  std::vector<ObjectInfo> contents;
  std::vector<std::string> commonPrefixes;
  bool truncated = false;  // more items follow
  std::string lastItem;    // the page's last key or common prefix: where the next one goes on
};

class S3Store {
 public:
  explicit S3Store(SqlDb& db) : db_(db) {}

  Result<std::optional<Bucket>> bucket(const std::string& name);
  // Buckets of `userId` and the shared ones, by name.
  Result<std::vector<Bucket>> visibleBuckets(std::int64_t userId);
  // BucketAlreadyOwnedByYou / BucketAlreadyExists when taken.
  Status createBucket(const Bucket& b);
  // BucketNotEmpty while it holds objects or uploads.
  Status deleteBucket(const std::string& name);

  Result<std::optional<ObjectInfo>> object(const std::string& bucket, const std::string& key);
  // A page of the bucket's keys in S3's order (UTF-8 byte order: the key
  // column's collation, migration 8) read by keyset seeks on the primary
  // key's index, never the whole bucket (s3_list.cpp).
  Result<ListResult> listPage(const std::string& bucket, const ListRequest& r);
  // Stores (or replaces) the object in one transaction after checking the
  // owner's quota (bytes stored + this - the object it replaces); returns
  // the replaced object's file, which the caller removes.
  Result<std::optional<std::string>> putObject(const ObjectInfo& o, std::int64_t quotaBytes);
  // putObject for a completed multipart upload: the upload and its parts
  // go in the same transaction (their bytes are the object's now). When it
  // fails the upload stays, to be completed again or aborted.
  Result<std::optional<std::string>> completeUpload(const std::string& uploadId, const ObjectInfo& o,
                                                    std::int64_t quotaBytes);
  // The removed object's file, none when there was no such object.
  Result<std::optional<std::string>> deleteObject(const std::string& bucket, const std::string& key);
  // Bytes a user holds: objects and parts of unfinished uploads.
  Result<std::int64_t> usage(std::int64_t userId);

  Status createUpload(const Upload& u);
  Result<std::optional<Upload>> upload(const std::string& id);
  Result<std::vector<Upload>> listUploads(const std::string& bucket);
  Status putPart(const std::string& uploadId, const Part& p);
  Result<std::vector<Part>> parts(const std::string& uploadId);
  Status deleteUpload(const std::string& id);

 private:
  SqlDb& db_;
};

}  // namespace stratus::cloud::s3
