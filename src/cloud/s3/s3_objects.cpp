// Object operations: PutObject, CopyObject, GetObject (Range,
// conditional), HeadObject, DeleteObject.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/s3/s3_context.h"
#include "cloud/s3/s3_key_order.h"
#include "cloud/s3/s3_xml.h"

namespace stratus::cloud::s3 {

namespace {

// The x-amz-meta-* headers as a JSON object.
std::string userMetadata(const Ctx& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : c.req.headers)
    if (k.rfind("x-amz-meta-", 0) == 0) j[k] = v;
  return j.dump();
}

std::string contentTypeOf(const Ctx& c) {
  std::string t = c.header("content-type");
  return t.empty() ? "binary/octet-stream" : t;
}

void objectHeaders(api::Response& r, const ObjectInfo& o) {
  r.headers.emplace_back("ETag", "\"" + o.etag + "\"");
  r.headers.emplace_back("Last-Modified", aws::formatHttpDate(o.modified));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  auto meta = nlohmann::json::parse(o.metadata, nullptr, false);
  if (meta.is_object())
    for (auto& [k, v] : meta.items())
      if (v.is_string()) r.headers.emplace_back(k, v.get<std::string>());
}

// Stores a finished file as the object (quota checked once more in the
// transaction) and removes the file it replaces.
Result<ObjectInfo> storeObject(Ctx& c, const std::string& tmpPath, std::int64_t size, const std::string& etag,
                               std::string contentType, std::string metadata) {
  ObjectInfo o;
  o.bucket = c.bucket;
  o.key = c.key;
  o.file = newDataFileName();
  o.size = size;
  o.etag = etag;
  o.contentType = std::move(contentType);
  o.metadata = std::move(metadata);
  o.ownerId = c.user.id;
  o.modified = c.s.now();
  std::string dir = c.s.bucketDir(c.bucket);
  STRATUS_TRY(publishFile(tmpPath, dir + "/" + o.file));
  auto replaced = c.s.store.putObject(o, c.quotaBytes());
  if (!replaced) {
    ::unlink((dir + "/" + o.file).c_str());
    return std::move(replaced).error();
  }
  if (*replaced) ::unlink((dir + "/" + **replaced).c_str());
  return o;
}

Status validKey(const Ctx& c) {
  if (c.key.size() > 1024) return aws::awsError("KeyTooLongError", "Your key is too long");
  // S3's keys are UTF-8; listings order and seek by it (s3_key_order.h).
  if (!validUtf8(c.key)) return aws::awsError("InvalidArgument", "Object keys must be UTF-8");
  return okStatus();
}

}  // namespace

api::Response putObject(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  if (auto st = validKey(c); !st) return errorResponseFor(c, st.error());
  auto old = c.s.store.object(c.bucket, c.key);
  if (!old) return errorResponseFor(c, old.error());
  std::int64_t freed = *old && (*old)->ownerId == c.user.id ? (*old)->size : 0;
  auto got = receiveBody(c, c.s.bucketDir(c.bucket), freed);
  if (!got) return errorResponseFor(c, got.error());
  auto o = storeObject(c, got->tmpPath, got->size, aws::toHex(got->md5), contentTypeOf(c), userMetadata(c));
  if (!o) return errorResponseFor(c, o.error());
  auto r = s3Response(c, 200);
  r.headers.emplace_back("ETag", "\"" + o->etag + "\"");
  for (const char* name : {"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256"})
    if (c.req.headers.count(name)) r.headers.emplace_back(name, c.header(name));
  return r;
}

api::Response copyObject(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  if (auto st = validKey(c); !st) return errorResponseFor(c, st.error());
  // x-amz-copy-source: [/]BUCKET/KEY, URL-encoded, maybe ?versionId=.
  std::string src = c.header("x-amz-copy-source");
  src = src.substr(0, src.find('?'));
  auto decoded = aws::uriDecode(src);
  if (!decoded) return errorResponseFor(c, aws::awsError("InvalidArgument", "Invalid copy source encoding"));
  std::string s = *decoded;
  if (!s.empty() && s.front() == '/') s.erase(0, 1);
  auto slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size())
    return errorResponseFor(c, aws::awsError("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey"));
  Ctx srcCtx{c.s, c.req, c.requestId, s.substr(0, slash), s.substr(slash + 1), c.query, c.auth, c.user, c.admin, std::nullopt, std::nullopt};
  auto sb = readableBucket(srcCtx);
  if (!sb) return errorResponseFor(c, sb.error());
  auto so = c.s.store.object(srcCtx.bucket, srcCtx.key);
  if (!so) return errorResponseFor(c, so.error());
  if (!*so) return errorResponseFor(c, aws::awsError("NoSuchKey", "The specified key does not exist."));
  std::string ifMatch = c.header("x-amz-copy-source-if-match");
  if (!ifMatch.empty() && ifMatch != "\"" + (*so)->etag + "\"" && ifMatch != (*so)->etag)
    return errorResponseFor(c, aws::awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"));
  bool replace = c.header("x-amz-metadata-directive") == "REPLACE";
  if (srcCtx.bucket == c.bucket && srcCtx.key == c.key && !replace)
    return errorResponseFor(c, aws::awsError("InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata."));
  auto used = c.s.store.usage(c.user.id);
  if (!used) return errorResponseFor(c, used.error());
  if (*used + (*so)->size > c.quotaBytes())
    return errorResponseFor(c, aws::awsError("QuotaExceeded", "The copy exceeds the user's storage quota."));
  std::string tmp = c.s.bucketDir(c.bucket) + "/.tmp-" + newDataFileName();
  std::error_code ec;
  std::filesystem::copy_file(c.s.bucketDir(srcCtx.bucket) + "/" + (*so)->file, tmp, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return errorResponseFor(c, Error(ErrorCode::SystemError, "copying the object's data: " + ec.message()));
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fdatasync(fd);
    ::close(fd);
  }
  auto o = storeObject(c, tmp, (*so)->size, (*so)->etag, replace ? contentTypeOf(c) : (*so)->contentType,
                       replace ? userMetadata(c) : (*so)->metadata);
  if (!o) return errorResponseFor(c, o.error());
  return s3Response(c, 200, copyObjectXml(o->etag, o->modified));
}

api::Response getObject(Ctx& c, bool head) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  // The object and an open descriptor of its bytes; a PutObject replacing
  // it between the two (its old file removed) means reading the row again.
  ObjectInfo o;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    auto found = c.s.store.object(c.bucket, c.key);
    if (!found) return errorResponseFor(c, found.error());
    if (!*found) return errorResponseFor(c, aws::awsError("NoSuchKey", "The specified key does not exist."));
    o = **found;
    std::string path = c.s.bucketDir(c.bucket) + "/" + o.file;
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && (errno != ENOENT || attempt == 2)) return errorResponseFor(c, systemError("open " + path, errno));
  }
  // Closed with the response, streamed or not; it keeps the bytes even
  // when the object is replaced meanwhile.
  auto holder = std::shared_ptr<int>(new int(fd), [](int* p) {
    if (*p >= 0) ::close(*p);
    delete p;
  });
  std::string quotedEtag = "\"" + o.etag + "\"";
  std::string ifMatch = c.header("if-match");
  if (!ifMatch.empty() && ifMatch != "*" && ifMatch != quotedEtag && ifMatch != o.etag)
    return errorResponseFor(c, aws::awsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"));
  std::string ifNone = c.header("if-none-match");
  if (!ifNone.empty() && (ifNone == "*" || ifNone == quotedEtag || ifNone == o.etag)) {
    auto r = s3Response(c, 304);
    r.headers.emplace_back("ETag", quotedEtag);
    r.headers.emplace_back("Last-Modified", aws::formatHttpDate(o.modified));
    return r;
  }
  // Range: bytes=A-B, bytes=A-, bytes=-N (one range).
  std::int64_t first = 0, last = o.size - 1;
  bool ranged = false;
  std::string range = c.header("range");
  if (!range.empty() && range.rfind("bytes=", 0) == 0 && range.find(',') == std::string::npos) {
    std::string spec = range.substr(6);
    auto dash = spec.find('-');
    std::string a = spec.substr(0, dash), z = dash == std::string::npos ? "" : spec.substr(dash + 1);
    auto num = [](const std::string& s) -> std::optional<std::int64_t> {
      if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      return std::stoll(s);
    };
    if (dash != std::string::npos && (num(a) || num(z))) {
      if (a.empty()) {
        std::int64_t n = *num(z);
        if (n == 0) return errorResponseFor(c, aws::awsError("InvalidRange", "The requested range is not satisfiable"));
        first = std::max<std::int64_t>(0, o.size - n);
      } else if (num(a)) {
        first = *num(a);
        if (num(z)) last = std::min(*num(z), o.size - 1);
        if (!z.empty() && !num(z)) first = -1;
      }
      if (first < 0 || first >= o.size || last < first) {
        auto r = errorResponseFor(c, aws::awsError("InvalidRange", "The requested range is not satisfiable"));
        r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(o.size));
        return r;
      }
      ranged = true;
    }
  }
  auto r = s3Response(c, ranged ? 206 : 200);
  r.contentType = o.contentType;
  objectHeaders(r, o);
  if (ranged)
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                                std::to_string(o.size));
  std::int64_t length = o.size == 0 ? 0 : last - first + 1;
  r.contentLength = static_cast<std::uint64_t>(length);
  if (head) return r;
  r.stream = [holder, first, length](api::BodyWriter& w) -> Status {
    std::vector<char> buf(1 << 20);
    std::int64_t off = first, left = length;
    Status st = okStatus();
    while (left > 0) {
      ssize_t n = ::pread(*holder, buf.data(), static_cast<std::size_t>(std::min<std::int64_t>(left, buf.size())), off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        st = n < 0 ? Status(systemError("read object data", errno)) : Status(Error(ErrorCode::SystemError, "object data file shorter than recorded"));
        break;
      }
      if (auto ws = w.write(std::string_view(buf.data(), static_cast<std::size_t>(n))); !ws) {
        st = ws;
        break;
      }
      off += n;
      left -= n;
    }
    return st;
  };
  return r;
}

api::Response deleteObject(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto file = c.s.store.deleteObject(c.bucket, c.key);
  if (!file) return errorResponseFor(c, file.error());
  if (*file) ::unlink((c.s.bucketDir(c.bucket) + "/" + **file).c_str());
  return s3Response(c, 204);  // also for a key that was not there, as S3
}

api::Response deleteObjects(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto body = readSmallBody(c, 2 << 20);
  if (!body) return errorResponseFor(c, body.error());
  auto req = parseDeleteObjects(*body);
  if (!req) return errorResponseFor(c, req.error());
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, Error>> failed;
  for (const auto& key : req->keys) {
    auto file = c.s.store.deleteObject(c.bucket, key);
    if (!file) {
      failed.emplace_back(key, file.error());
      continue;
    }
    if (*file) ::unlink((c.s.bucketDir(c.bucket) + "/" + **file).c_str());
    if (!req->quiet) deleted.push_back(key);
  }
  return s3Response(c, 200, deleteResultXml(deleted, failed));
}

}  // namespace stratus::cloud::s3
