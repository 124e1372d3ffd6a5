// Request bodies onto disk: streamed into a temporary file beside the
// object's final place, every announced digest checked, then renamed; a
// failed or refused upload leaves nothing behind.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "cloud/aws/aws_chunked.h"
#include "cloud/aws/aws_error.h"
#include "cloud/aws/checksum.h"
#include "cloud/aws/crypto.h"
#include "cloud/s3/s3_context.h"
#include "util/random.h"

namespace stratus::cloud::s3 {

namespace {

// Removes the temporary file unless released.
struct TempFile {
  std::string path;
  int fd = -1;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

std::optional<std::uint64_t> number(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 10);
}

aws::ByteSource rawSource(api::Request& req) {
  return [&req](char* buf, std::size_t max) -> Result<std::size_t> {
    if (!req.bodyReader) return std::size_t{0};
    return req.bodyReader->read(buf, max);
  };
}

// Content-MD5 and x-amz-checksum-* of a body read whole.
Status checkHeaderDigests(const Ctx& c, const std::string& body) {
  if (c.req.headers.count("content-md5")) {
    auto want = aws::base64Decode(c.header("content-md5"));
    if (!want || want->size() != 16) return aws::awsError("InvalidDigest", "The Content-MD5 you specified was invalid.");
    if (*want != aws::md5(body)) return aws::awsError("BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
  for (const char* name : {"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256"}) {
    if (!c.req.headers.count(name)) continue;
    auto sum = aws::PayloadChecksum::forName(name);
    sum->update(body);
    STRATUS_TRY(sum->verify(c.header(name)));
  }
  return okStatus();
}

}  // namespace

Result<std::string> readSmallBody(Ctx& c, std::size_t limit) {
  if (c.body) return *c.body;
  std::string body;
  char buf[16384];
  auto src = rawSource(c.req);
  while (true) {
    auto n = src(buf, sizeof buf);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    body.append(buf, *n);
    if (body.size() > limit) return aws::awsError("InvalidRequest", "the request body is too large");
  }
  if (aws::isHexSha256Text(c.auth.payloadHash) && aws::toHex(aws::sha256(body)) != c.auth.payloadHash)
    return aws::awsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  STRATUS_TRY(aws::verifyDeferredPayload(c.auth, aws::toHex(aws::sha256(body))));
  STRATUS_TRY(checkHeaderDigests(c, body));
  c.body = body;
  return body;
}

Result<ReceivedFile> receiveBody(Ctx& c, const std::string& dir, std::int64_t freedBytes) {
  if (c.received) {
    ReceivedFile f = std::move(*c.received);
    c.received.reset();
    return f;
  }
  const std::string& ph = c.auth.payloadHash;
  bool streaming = ph.rfind("STREAMING-", 0) == 0 || c.header("content-encoding").find("aws-chunked") != std::string::npos;
  std::optional<std::uint64_t> declared =
      number(streaming ? c.header("x-amz-decoded-content-length") : c.header("content-length"));
  if (!declared && !streaming && c.req.headers.count("transfer-encoding") == 0)
    return aws::awsError("MissingContentLength", "You must provide the Content-Length HTTP header.");
  // Refuse what cannot fit before reading it.
  if (declared) {
    auto used = c.s.store.usage(c.user.id);
    if (!used) return std::move(used).error();
    if (*used - freedBytes + static_cast<std::int64_t>(*declared) > c.quotaBytes())
      return aws::awsError("QuotaExceeded", "Storing " + std::to_string(*declared) + " more bytes exceeds the quota of " +
                                                std::to_string(c.quotaBytes()) + " bytes (" + std::to_string(*used) +
                                                " used).");
  }

  std::optional<aws::AwsChunkedDecoder> decoder;
  aws::ByteSource src = rawSource(c.req);
  if (streaming) {
    decoder.emplace(src, c.auth, c.header("x-amz-trailer"),
                    number(c.header("x-amz-decoded-content-length")));
    src = [&decoder](char* buf, std::size_t max) { return decoder->read(buf, max); };
  }
  // Checksums announced as headers (trailers are the decoder's).
  std::optional<aws::PayloadChecksum> headerSum;
  std::string headerSumValue;
  for (const char* name : {"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256"}) {
    if (c.req.headers.count(name)) {
      headerSum = aws::PayloadChecksum::forName(name);
      headerSumValue = c.header(name);
    }
  }
  std::optional<std::string> contentMd5;
  if (c.req.headers.count("content-md5")) {
    contentMd5 = aws::base64Decode(c.header("content-md5"));
    if (!contentMd5 || contentMd5->size() != 16) return aws::awsError("InvalidDigest", "The Content-MD5 you specified was invalid.");
  }
  bool checkSha = aws::isHexSha256Text(ph) || c.auth.deferred();

  TempFile tmp;
  tmp.path = dir + "/.tmp-" + randomHex(12);
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (tmp.fd < 0) {
    tmp.path.clear();
    return systemError("create " + dir + "/.tmp-*", errno);
  }
  aws::Digest md5(aws::Digest::Algo::Md5);
  aws::Digest sha(aws::Digest::Algo::Sha256);
  std::vector<char> buf(1 << 20);
  std::int64_t total = 0;
  while (true) {
    auto n = src(buf.data(), buf.size());
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    std::string_view piece(buf.data(), *n);
    md5.update(piece);
    if (checkSha) sha.update(piece);
    if (headerSum) headerSum->update(piece);
    total += static_cast<std::int64_t>(*n);
    if (total > c.quotaBytes()) return aws::awsError("QuotaExceeded", "The upload exceeds the user's storage quota.");
    for (std::size_t off = 0; off < piece.size();) {
      ssize_t w = ::write(tmp.fd, piece.data() + off, piece.size() - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return systemError("write " + tmp.path, errno);
      off += static_cast<std::size_t>(w);
    }
  }
  if (!streaming && declared && *declared != static_cast<std::uint64_t>(total))
    return aws::awsError("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  std::string digest = md5.finish();
  if (contentMd5 && *contentMd5 != digest)
    return aws::awsError("BadDigest", "The Content-MD5 you specified did not match what we received.");
  std::string shaHex = checkSha ? aws::toHex(sha.finish()) : std::string();
  STRATUS_TRY(aws::verifyDeferredPayload(c.auth, shaHex));
  if (checkSha && !c.auth.deferred() && shaHex != ph)
    return aws::awsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  if (headerSum) STRATUS_TRY(headerSum->verify(headerSumValue));
  if (::fdatasync(tmp.fd) != 0) return systemError("fdatasync " + tmp.path, errno);
  ::close(tmp.fd);
  tmp.fd = -1;
  ReceivedFile out{tmp.path, total, digest};
  tmp.path.clear();  // the caller's now
  return out;
}

Status publishFile(const std::string& tmpPath, const std::string& finalPath) {
  if (::rename(tmpPath.c_str(), finalPath.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpPath.c_str());
    return systemError("rename " + tmpPath + " to " + finalPath, err);
  }
  // The rename itself survives a crash once the directory is synced.
  std::string dir = std::filesystem::path(finalPath).parent_path().string();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return okStatus();
}

}  // namespace stratus::cloud::s3
