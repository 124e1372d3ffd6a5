// Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket,
// GetBucketLocation, ListObjects (V1 and V2).
#include <filesystem>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/crypto.h"
#include "cloud/image_repository.h"
#include "cloud/s3/s3_context.h"
#include "cloud/s3/s3_key_order.h"
#include "cloud/s3/s3_xml.h"

namespace stratus::cloud::s3 {

namespace {

// S3's rules: 3-63 characters of a-z 0-9 . -, starting and ending with a
// letter or digit. They also keep a name a safe directory name.
bool validBucketName(const std::string& n) {
  if (n.size() < 3 || n.size() > 63) return false;
  for (char ch : n)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-')) return false;
  auto alnum = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); };
  return alnum(n.front()) && alnum(n.back()) && n.find("..") == std::string::npos;
}

}  // namespace

api::Response listBuckets(Ctx& c) {
  auto buckets = c.s.store.visibleBuckets(c.user.id);
  if (!buckets) return errorResponseFor(c, buckets.error());
  return s3Response(c, 200, listBucketsXml(*buckets, std::to_string(c.user.id), c.user.name));
}

api::Response createBucket(Ctx& c) {
  if (!validBucketName(c.bucket))
    return errorResponseFor(c, aws::awsError("InvalidBucketName", "The specified bucket is not valid."));
  // images-ID holds user ID's images (image_repository.h): no one else's.
  if (c.bucket.rfind("images-", 0) == 0 && c.bucket != ImageRepository::imageBucket(c.user.id))
    return errorResponseFor(c, aws::awsError("AccessDenied", "Access Denied: bucket names images-ID are reserved for the "
                                                             "images of user ID; yours is " +
                                                                 ImageRepository::imageBucket(c.user.id)));
  // The body (a CreateBucketConfiguration naming a region) says nothing we keep.
  auto body = readSmallBody(c, 64 * 1024);
  if (!body) return errorResponseFor(c, body.error());
  std::error_code ec;
  std::filesystem::create_directories(c.s.bucketDir(c.bucket), ec);
  if (ec) return errorResponseFor(c, Error(ErrorCode::SystemError, "cannot create the bucket's directory: " + ec.message()));
  Status st = c.s.store.createBucket(Bucket{c.bucket, c.user.id, c.s.now()});
  if (!st) return errorResponseFor(c, st.error());
  auto r = s3Response(c, 200);
  r.headers.emplace_back("Location", "/" + c.bucket);
  return r;
}

api::Response deleteBucket(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  if (!b->ownerId)
    return errorResponseFor(c, aws::awsError("AccessDenied", "The shared bucket '" + b->name + "' cannot be deleted."));
  Status st = c.s.store.deleteBucket(c.bucket);
  if (!st) return errorResponseFor(c, st.error());
  std::error_code ec;
  std::filesystem::remove_all(c.s.bucketDir(c.bucket), ec);  // only temporaries can be left in it
  return s3Response(c, 204);
}

api::Response headBucket(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto r = s3Response(c, 200);
  r.headers.emplace_back("x-amz-bucket-region", c.s.opts.region);
  return r;
}

api::Response bucketLocation(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  return s3Response(c, 200,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
                    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
                        xmlEscape(c.s.opts.region) + "</LocationConstraint>");
}

api::Response listObjects(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  ListPage p;
  p.bucket = c.bucket;
  p.v2 = c.q("list-type") == "2";
  p.prefix = c.q("prefix");
  p.delimiter = c.q("delimiter");
  p.urlEncode = c.q("encoding-type") == "url";
  if (c.has("max-keys")) {
    const std::string mk = c.q("max-keys");
    if (mk.empty() || mk.size() > 9 || mk.find_first_not_of("0123456789") != std::string::npos)
      return errorResponseFor(c, aws::awsError("InvalidArgument", "max-keys must be an integer between 0 and 2147483647"));
    p.maxKeys = std::min(std::stoi(mk), 1000);
  }
  // Where the page starts: after the continuation token's key (V2), or
  // start-after, or the marker (V1).
  std::string after;
  if (p.v2) {
    p.startAfter = c.q("start-after");
    p.continuationToken = c.q("continuation-token");
    after = p.startAfter;
    if (!p.continuationToken.empty()) {
      auto k = aws::base64Decode(p.continuationToken);
      if (!k) return errorResponseFor(c, aws::awsError("InvalidArgument", "The continuation token provided is incorrect"));
      after = std::max(after, *k);
    }
  } else {
    p.marker = c.q("marker");
    after = p.marker;
  }
  // Keys are UTF-8 (PutObject refuses others): a bound that is not could
  // match nothing, and PostgreSQL would refuse it as text.
  for (const std::string* v : {&p.prefix, &p.delimiter, &after})
    if (!validUtf8(*v))
      return errorResponseFor(c, aws::awsError("InvalidArgument", "The prefix, delimiter and start key of a listing must be UTF-8"));
  auto page = c.s.store.listPage(c.bucket, ListRequest{p.prefix, p.delimiter, after, p.maxKeys});
  if (!page) return errorResponseFor(c, page.error());
  p.contents = std::move(page->contents);
  p.commonPrefixes = std::move(page->commonPrefixes);
  p.truncated = page->truncated;
  std::string lastKey = page->lastItem;  // a common prefix: the next page skips every key under it
  if (p.truncated) p.nextToken = p.v2 ? aws::base64Encode(lastKey) : lastKey;
  return s3Response(c, 200, listObjectsXml(p));
}

}  // namespace stratus::cloud::s3
