// Multipart uploads: parts are files under BUCKET/.uploads/UPLOADID/ until
// CompleteMultipartUpload joins them into one object file (its ETag the
// MD5 of the parts' MD5s, "-N"), or AbortMultipartUpload drops them.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/crypto.h"
#include "cloud/s3/s3_context.h"
#include "cloud/s3/s3_key_order.h"
#include "cloud/s3/s3_xml.h"
#include "util/random.h"

namespace stratus::cloud::s3 {

namespace {

std::string uploadDir(const Ctx& c, const std::string& id) { return c.s.bucketDir(c.bucket) + "/.uploads/" + id; }

// The upload the request names, in the bucket and key it names.
Result<Upload> namedUpload(Ctx& c) {
  auto u = c.s.store.upload(c.q("uploadId"));
  if (!u) return std::move(u).error();
  if (!*u || (*u)->bucket != c.bucket || (*u)->key != c.key)
    return aws::awsError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");
  return **u;
}

std::optional<std::string> hexToRaw(const std::string& hex) {
  if (hex.size() != 32) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < 32; i += 2) {
    auto v = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
      return -1;
    };
    int hi = v(hex[i]), lo = v(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Status appendFile(int out, const std::string& path) {
  int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return systemError("open " + path, errno);
  std::vector<char> buf(1 << 20);
  Status st = okStatus();
  while (st) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = systemError("read " + path, errno);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        st = systemError("write the joined object", errno);
        break;
      }
      off += w;
    }
  }
  ::close(in);
  return st;
}

}  // namespace

api::Response createUpload(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  if (c.key.size() > 1024) return errorResponseFor(c, aws::awsError("KeyTooLongError", "Your key is too long"));
  if (!validUtf8(c.key)) return errorResponseFor(c, aws::awsError("InvalidArgument", "Object keys must be UTF-8"));
  Upload u;
  u.id = randomHex(16);
  u.bucket = c.bucket;
  u.key = c.key;
  u.ownerId = c.user.id;
  u.contentType = c.header("content-type").empty() ? "binary/octet-stream" : c.header("content-type");
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [k, v] : c.req.headers)
    if (k.rfind("x-amz-meta-", 0) == 0) meta[k] = v;
  u.metadata = meta.dump();
  u.created = c.s.now();
  std::error_code ec;
  std::filesystem::create_directories(uploadDir(c, u.id), ec);
  if (ec) return errorResponseFor(c, Error(ErrorCode::SystemError, "cannot create the upload's directory: " + ec.message()));
  if (auto st = c.s.store.createUpload(u); !st) return errorResponseFor(c, st.error());
  auto r = s3Response(c, 200, initiateUploadXml(c.bucket, c.key, u.id));
  if (c.req.headers.count("x-amz-checksum-algorithm"))
    r.headers.emplace_back("x-amz-checksum-algorithm", c.header("x-amz-checksum-algorithm"));
  return r;
}

api::Response uploadPart(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto u = namedUpload(c);
  if (!u) return errorResponseFor(c, u.error());
  std::string pn = c.q("partNumber");
  if (pn.empty() || pn.size() > 5 || pn.find_first_not_of("0123456789") != std::string::npos || std::stoi(pn) < 1 ||
      std::stoi(pn) > 10000)
    return errorResponseFor(c, aws::awsError("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive"));
  std::string dir = uploadDir(c, u->id);
  auto got = receiveBody(c, dir);
  if (!got) return errorResponseFor(c, got.error());
  Part p{std::stoi(pn), got->size, aws::toHex(got->md5), c.s.now()};
  if (auto st = publishFile(got->tmpPath, dir + "/" + std::to_string(p.number)); !st) return errorResponseFor(c, st.error());
  if (auto st = c.s.store.putPart(u->id, p); !st) return errorResponseFor(c, st.error());
  auto r = s3Response(c, 200);
  r.headers.emplace_back("ETag", "\"" + p.etag + "\"");
  for (const char* name : {"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256"})
    if (c.req.headers.count(name)) r.headers.emplace_back(name, c.header(name));
  return r;
}

api::Response completeUpload(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto u = namedUpload(c);
  if (!u) return errorResponseFor(c, u.error());
  auto body = readSmallBody(c, 4 << 20);
  if (!body) return errorResponseFor(c, body.error());
  auto wanted = parseCompleteUpload(*body);
  if (!wanted) return errorResponseFor(c, wanted.error());
  auto have = c.s.store.parts(u->id);
  if (!have) return errorResponseFor(c, have.error());
  std::map<int, Part> byNumber;
  for (const auto& p : *have) byNumber[p.number] = p;
  std::string md5s;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < wanted->size(); ++i) {
    const auto& w = (*wanted)[i];
    if (i > 0 && w.number <= (*wanted)[i - 1].number)
      return errorResponseFor(c, aws::awsError("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number."));
    auto it = byNumber.find(w.number);
    if (it == byNumber.end() || it->second.etag != w.etag)
      return errorResponseFor(c, aws::awsError("InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."));
    if (i + 1 < wanted->size() && it->second.size < c.s.opts.minPartSize)
      return errorResponseFor(c, aws::awsError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size (part " + std::to_string(w.number) + ")."));
    md5s += *hexToRaw(it->second.etag);
    total += it->second.size;
  }
  std::string dir = uploadDir(c, u->id);
  std::string tmp = c.s.bucketDir(c.bucket) + "/.tmp-" + randomHex(12);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errorResponseFor(c, systemError("create " + tmp, errno));
  Status st = okStatus();
  for (const auto& w : *wanted) {
    st = appendFile(fd, dir + "/" + std::to_string(w.number));
    if (!st) break;
  }
  if (st && ::fdatasync(fd) != 0) st = systemError("fdatasync " + tmp, errno);
  ::close(fd);
  if (!st) {
    ::unlink(tmp.c_str());
    return errorResponseFor(c, st.error());
  }
  std::string etag = aws::toHex(aws::md5(md5s)) + "-" + std::to_string(wanted->size());
  ObjectInfo o{c.bucket, c.key, newDataFileName(), total, etag, u->contentType, u->metadata, u->ownerId, c.s.now()};
  if (auto ps = publishFile(tmp, c.s.bucketDir(c.bucket) + "/" + o.file); !ps) return errorResponseFor(c, ps.error());
  auto replaced = c.s.store.completeUpload(u->id, o, c.quotaBytes());
  if (!replaced) {
    ::unlink((c.s.bucketDir(c.bucket) + "/" + o.file).c_str());
    return errorResponseFor(c, replaced.error());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (*replaced) ::unlink((c.s.bucketDir(c.bucket) + "/" + **replaced).c_str());
  std::string host = c.header("host");
  return s3Response(c, 200, completeUploadXml("http://" + host + "/" + c.bucket + "/" + c.key, c.bucket, c.key, etag));
}

api::Response abortUpload(Ctx& c) {
  auto b = writableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto u = namedUpload(c);
  if (!u) return errorResponseFor(c, u.error());
  if (auto st = c.s.store.deleteUpload(u->id); !st) return errorResponseFor(c, st.error());
  std::error_code ec;
  std::filesystem::remove_all(uploadDir(c, u->id), ec);
  return s3Response(c, 204);
}

api::Response listParts(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto u = namedUpload(c);
  if (!u) return errorResponseFor(c, u.error());
  auto parts = c.s.store.parts(u->id);
  if (!parts) return errorResponseFor(c, parts.error());
  return s3Response(c, 200, listPartsXml(*u, *parts));
}

api::Response listUploads(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return errorResponseFor(c, b.error());
  auto ups = c.s.store.listUploads(c.bucket);
  if (!ups) return errorResponseFor(c, ups.error());
  return s3Response(c, 200, listUploadsXml(c.bucket, *ups));
}

}  // namespace stratus::cloud::s3
