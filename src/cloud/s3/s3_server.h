// The S3-compatible image repository (Cumulus rebuilt) of `stratus-cloud
// serve`: buckets are directories under ROOT/var/lib/stratus-cloud/s3,
// each object's bytes one file there, everything else in the service
// database (s3_store.h). Requests are signed with the users' access keys
// (aws/request_auth.h); a user sees their own buckets and the shared
// bucket `common`, which every user may read and the S3 administrators
// (user names listed one a line in ROOT/etc/stratus-cloud/s3-admins) may
// write. Path-style (/BUCKET/KEY) and virtual-host-style
// (BUCKET.localhost:8888) addressing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "cloud/cloud_store.h"
#include "cloud/s3/s3_store.h"
#include "util/error.h"

namespace stratus::cloud::s3 {

struct S3Options {
  std::string dataDir;     // ROOT/var/lib/stratus-cloud/s3
  std::string adminsFile;  // ROOT/etc/stratus-cloud/s3-admins
  // Host names under which BUCKET.NAME addresses a bucket (virtual hosts).
  std::vector<std::string> domains = {"localhost"};
  std::string region = "stratus-1";
  std::int64_t minPartSize = 5 << 20;  // all parts but the last, as S3
  std::function<std::int64_t()> clock;  // unix seconds; null: the system clock
};

class S3Server {
 public:
  // Creates the data directory and the shared bucket when missing.
  static Result<std::unique_ptr<S3Server>> open(CloudStore& store, S3Options opts);
  ~S3Server();
  api::Response handle(api::Request& req);

  struct Impl;

 private:
  explicit S3Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every request goes to `server` (a fallback route that streams bodies).
api::Router makeS3Router(S3Server& server);

}  // namespace stratus::cloud::s3
