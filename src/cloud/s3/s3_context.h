// Inside the S3 server: what one request's handlers share (who asks, which
// bucket and key, its request id), and the operations by group
// (s3_buckets.cpp, s3_objects.cpp, s3_multipart.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/http.h"
#include "cloud/aws/request_auth.h"
#include "cloud/cloud_store.h"
#include "cloud/s3/s3_server.h"
#include "cloud/s3/s3_store.h"

namespace stratus::cloud::s3 {

struct S3Server::Impl {
  CloudStore& cloud;
  S3Store store;
  S3Options opts;
  std::int64_t now() const;
  std::string bucketDir(const std::string& bucket) const { return opts.dataDir + "/" + bucket; }
};

// An upload body in a temporary file (receiveBody).
struct ReceivedFile {
  std::string tmpPath;
  std::int64_t size = 0;
  std::string md5;  // raw
};

struct Ctx {
  S3Server::Impl& s;
  api::Request& req;
  std::string requestId;
  std::string bucket;  // empty: the service (ListBuckets)
  std::string key;     // empty: the bucket itself
  std::map<std::string, std::string> query;  // decoded
  aws::AuthContext auth;
  User user;
  bool admin = false;
  std::optional<std::string> body;  // read by readSmallBody
  // An upload body received (and its signature checked) before the
  // handler ran; receiveBody hands it over.
  std::optional<ReceivedFile> received;

  bool has(const char* q) const { return query.count(q) > 0; }
  std::string q(const char* name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  std::string header(const char* name) const {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::string() : it->second;
  }
  std::string resource() const { return "/" + bucket + (key.empty() ? "" : "/" + key); }
  std::int64_t quotaBytes() const { return user.quotas.storageMiB * 1024 * 1024; }
};

// The response with the headers every S3 answer carries.
api::Response s3Response(const Ctx& c, int status, std::string xml = {});

// The bucket, when it exists and the caller may read (or write) it:
// NoSuchBucket, AccessDenied otherwise.
Result<Bucket> readableBucket(Ctx& c);
Result<Bucket> writableBucket(Ctx& c);

// Bucket operations.
api::Response listBuckets(Ctx& c);
api::Response createBucket(Ctx& c);
api::Response deleteBucket(Ctx& c);
api::Response headBucket(Ctx& c);
api::Response listObjects(Ctx& c);
api::Response bucketLocation(Ctx& c);
// Object operations.
api::Response putObject(Ctx& c);
api::Response copyObject(Ctx& c);
api::Response getObject(Ctx& c, bool head);
api::Response deleteObject(Ctx& c);
api::Response deleteObjects(Ctx& c);  // POST ?delete
// Multipart uploads.
api::Response createUpload(Ctx& c);
api::Response uploadPart(Ctx& c);
api::Response completeUpload(Ctx& c);
api::Response abortUpload(Ctx& c);
api::Response listParts(Ctx& c);
api::Response listUploads(Ctx& c);

// The request body in memory (small documents only: CompleteMultipartUpload).
Result<std::string> readSmallBody(Ctx& c, std::size_t limit);

// A request body written to a temporary file in `dir`, checked against
// every digest the request announced (Content-MD5, x-amz-content-sha256,
// x-amz-checksum-*, aws-chunked signatures and trailers).
// `freedBytes`: what storing it frees (the object it replaces), for the
// quota check made before reading.
Result<ReceivedFile> receiveBody(Ctx& c, const std::string& dir, std::int64_t freedBytes = 0);
// tmp -> DIR/NAME (fsynced before): the file appears whole or not at all.
Status publishFile(const std::string& tmpPath, const std::string& finalPath);

}  // namespace stratus::cloud::s3

namespace stratus::cloud::s3 {
// S3's error document (and status) for `e`.
api::Response errorResponseFor(const Ctx& c, const Error& e);
}  // namespace stratus::cloud::s3
