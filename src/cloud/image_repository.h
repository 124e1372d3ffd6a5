// The service's image store until the S3-compatible repository (issue 10)
// takes over with the same interface: files under ROOT/var/lib/
// stratus-cloud/images/{common,users/ID}/NAME, one row each in the images
// table. An image is a bootable disk (raw or qcow2 without a backing file:
// it must stand alone on any node). A user sees their own images and the
// common ones; their own shadow a common one of the same name.
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
  std::string path;
  std::string format;        // raw | qcow2
  std::int64_t sizeBytes = 0;
  std::int64_t created = 0;
};

class ImageRepository {
 public:
  ImageRepository(CloudStore& store, std::string dir) : store_(store), dir_(std::move(dir)) {}

  // Copies `file` in (under a temporary name, renamed when complete and
  // recorded), owner 0 for a common image. Names: letters, digits, ._-
  // (1-128 characters). A taken name is refused.
  Result<Image> add(std::int64_t owner, const std::string& name, const std::string& file);
  // The same with the bytes written by `fill` into a new file (path given)
  // inside the store: an upload or a saved instance disk lands once, without
  // a copy. The file is checked (raw or qcow2, standalone) after `fill` and
  // removed when anything fails.
  Result<Image> addWith(std::int64_t owner, const std::string& name,
                        const std::function<Status(const std::string& path)>& fill);
  Result<Image> find(std::int64_t user, const std::string& name);
  Result<std::vector<Image>> list(std::int64_t user);
  // A user removes their own; owner 0 removes a common one.
  Status remove(std::int64_t owner, const std::string& name);

 private:
  std::string pathFor(std::int64_t owner, const std::string& name) const;
  CloudStore& store_;
  std::string dir_;
};

}  // namespace stratus::cloud
