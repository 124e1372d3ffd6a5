// S3's XML documents: the error body, bucket and object listings, the
// multipart results, and the CompleteMultipartUpload request body.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/s3/s3_store.h"
#include "util/error.h"

namespace stratus::cloud::s3 {

std::string xmlEscape(std::string_view s);

// <Error><Code/><Message/><Resource/><RequestId/></Error>
std::string errorXml(const std::string& code, const std::string& message, const std::string& resource,
                     const std::string& requestId);

std::string listBucketsXml(const std::vector<Bucket>& buckets, const std::string& ownerId, const std::string& ownerName);

// One page of a listing, already cut by prefix/delimiter/max-keys.
struct ListPage {
  std::string bucket, prefix, delimiter, startAfter, continuationToken, marker;
  int maxKeys = 1000;
  bool v2 = true;
  bool urlEncode = false;  // encoding-type=url
  std::vector<ObjectInfo> contents;
  std::vector<std::string> commonPrefixes;
  bool truncated = false;
  std::string nextToken;  // v2: NextContinuationToken; v1: NextMarker
};
std::string listObjectsXml(const ListPage& page);

std::string initiateUploadXml(const std::string& bucket, const std::string& key, const std::string& uploadId);
std::string completeUploadXml(const std::string& location, const std::string& bucket, const std::string& key,
                              const std::string& etag);
std::string listPartsXml(const Upload& u, const std::vector<Part>& parts);
std::string listUploadsXml(const std::string& bucket, const std::vector<Upload>& uploads);
std::string copyObjectXml(const std::string& etag, std::int64_t modified);

struct CompletedPart {
  int number = 0;
  std::string etag;  // without quotes
};
// DeleteObjects: the keys to delete and whether only failures are reported.
struct DeleteRequest {
  std::vector<std::string> keys;
  bool quiet = false;
};
// MalformedXML unless a <Delete> document of 1 to 1000 <Object><Key>s.
Result<DeleteRequest> parseDeleteObjects(const std::string& body);
std::string deleteResultXml(const std::vector<std::string>& deleted,
                            const std::vector<std::pair<std::string, Error>>& failed);

// MalformedXML when the body is not a CompleteMultipartUpload document.
Result<std::vector<CompletedPart>> parseCompleteUpload(const std::string& body);

}  // namespace stratus::cloud::s3
