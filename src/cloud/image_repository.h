// The service's images, kept in the S3-compatible repository (Cumulus):
// every image is an object there, registered under a name. `cloud-client
// --transfer`, a saved instance and `stratus-cloud image add` store a new
// object (a user's in their image bucket `images-ID`, a common one in the
// shared bucket `common`) and register it in the same transaction; EC2's
// RegisterImage and a `cloud-client --run` of an object the user put there
// with an S3 client register an object that is already stored, without a
// copy. So an image is what RunInstances boots however it came in.
//
// An image is a bootable disk (raw, or qcow2 without a backing file: it
// must stand alone on any node). A user sees their own images and the
// common ones; their own shadow a common one of the same name. The object's
// ETag is recorded when it is registered: an object replaced or deleted
// since leaves the image listed but unbootable, with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cloud/cloud_store.h"

namespace stratus::cloud {

struct Image {
  std::int64_t id = 0;
  std::string name;
  std::int64_t ownerId = 0;  // 0: common
  std::string path;          // the bytes' file now; empty while `problem` is set
  std::string format;        // raw | qcow2
  std::int64_t sizeBytes = 0;
  std::int64_t created = 0;
  std::string bucket, key;   // its object; empty for an image of the earlier directory store
  std::string problem;       // why it cannot boot (its object deleted or replaced); empty when it can

  std::string location() const { return bucket.empty() ? std::string() : bucket + "/" + key; }
};

// An object of a user's image bucket (or the common bucket) that no image
// is registered on yet: `cloud-client --run --name KEY` would register it.
struct WaitingObject {
  std::string bucket, key;
  std::int64_t sizeBytes = 0;
  std::int64_t modified = 0;
};

// ROOT/var/lib/stratus-cloud/s3: the S3 repository's buckets, one directory each.
std::string repositoryDir(const std::string& root);

class ImageRepository {
 public:
  // `dataDir`: the S3 repository's directory (repositoryDir).
  ImageRepository(CloudStore& store, std::string dataDir) : store_(store), dir_(std::move(dataDir)) {}

  // The bucket holding the images `owner` stores (0: the common bucket).
  static std::string imageBucket(std::int64_t owner);

  // Copies `file` in as a new object of the owner's image bucket and
  // registers it, owner 0 for a common image. Names: letters, digits, ._-
  // (1-128 characters). A taken name (an image, or an object of that key in
  // the bucket) is refused.
  Result<Image> add(std::int64_t owner, const std::string& name, const std::string& file);
  // The same with the bytes written by `fill` into a new file (path given)
  // inside the repository: an upload or a saved instance disk lands once,
  // without a copy. The file is checked (raw or qcow2, standalone) after
  // `fill`, counted against the owner's storage quota, and removed when
  // anything fails.
  Result<Image> addWith(std::int64_t owner, const std::string& name,
                        const std::function<Status(const std::string& path)>& fill);
  // An object already in the repository becomes image `name` of `owner`
  // (no copy, no more storage used). Whether `owner` may read the bucket
  // is the caller's check.
  Result<Image> registerObject(std::int64_t owner, const std::string& name, const std::string& bucket,
                               const std::string& key);
  // The user's image of that name, else the common one. Without either, an
  // object of that key in the user's image bucket (or the common bucket)
  // is registered now: what an S3 client uploaded there boots by its name.
  Result<Image> find(std::int64_t user, const std::string& name);
  Result<std::vector<Image>> list(std::int64_t user);
  // The objects find() would register for `user` by their key (keys that
  // are image names and no image of theirs or a common one has yet; the
  // user's own bucket first), in key order: what --list shows beside the
  // images. At most 1000.
  Result<std::vector<WaitingObject>> waitingObjects(std::int64_t user);
  // The same for a caller that has list(user) already.
  Result<std::vector<WaitingObject>> waitingObjects(std::int64_t user, const std::vector<Image>& visible);
  // A user removes their own; owner 0 removes a common one. With
  // `deleteObject` (cloud-client --delete) its object goes too, unless
  // another image is registered on it or it was replaced since; without
  // (EC2 DeregisterImage) the object stays, as S3 bundles do on AWS.
  Status remove(std::int64_t owner, const std::string& name, bool deleteObject);

 private:
  Status ensureBucket(std::int64_t owner, const std::string& bucket);
  Result<std::vector<Image>> select(const std::string& where, std::vector<SqlValue> args);
  CloudStore& store_;
  std::string dir_;
};

}  // namespace stratus::cloud
