// The S3 server's front: addressing (path or virtual host), signature
// check, which operation a request is, and S3's error documents.
#include "cloud/s3/s3_server.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/s3/s3_context.h"
#include "cloud/s3/s3_xml.h"
#include "util/random.h"

namespace stratus::cloud::s3 {

std::int64_t S3Server::Impl::now() const {
  return opts.clock ? opts.clock() : static_cast<std::int64_t>(std::time(nullptr));
}

S3Server::S3Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Server::~S3Server() = default;

Result<std::unique_ptr<S3Server>> S3Server::open(CloudStore& store, S3Options opts) {
  std::error_code ec;
  std::filesystem::create_directories(opts.dataDir + "/" + kCommonBucket, ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot create the S3 data directory " + opts.dataDir + ": " + ec.message());
  auto impl = std::make_unique<Impl>(Impl{store, S3Store(store.db()), std::move(opts)});
  // Temporaries a killed service left (uploads cut short) are never an
  // object: they go. Then the staging directory, where uploads whose
  // signature covers their body's hash wait for the check.
  std::filesystem::remove_all(impl->opts.dataDir + "/.incoming", ec);
  std::vector<std::filesystem::path> stale;
  for (auto it = std::filesystem::recursive_directory_iterator(impl->opts.dataDir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(".tmp-", 0) == 0) stale.push_back(it->path());
  for (const auto& p : stale) std::filesystem::remove(p, ec);
  ec.clear();
  std::filesystem::create_directories(impl->opts.dataDir + "/.incoming", ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot create " + impl->opts.dataDir + "/.incoming: " + ec.message());
  auto common = impl->store.bucket(kCommonBucket);
  if (!common) return std::move(common).error();
  if (!*common) STRATUS_TRY(impl->store.createBucket(Bucket{kCommonBucket, std::nullopt, impl->now()}));
  return std::unique_ptr<S3Server>(new S3Server(std::move(impl)));
}

api::Response s3Response(const Ctx& c, int status, std::string xml) {
  api::Response r;
  r.status = status;
  if (!xml.empty()) {
    r.contentType = "application/xml";
    r.body = std::move(xml);
  }
  r.headers.emplace_back("x-amz-request-id", c.requestId);
  r.headers.emplace_back("x-amz-id-2", c.requestId);
  return r;
}

namespace {

api::Response errorAnswer(const Ctx& c, const Error& e) {
  std::string code = aws::awsCode(e);
  int status = aws::awsHttpStatus(code);
  if (code == "InternalError") status = 500;
  // HEAD answers carry no body: the status says it all.
  return s3Response(c, status, c.req.method == "HEAD" ? std::string() : errorXml(code, e.message, c.resource(), c.requestId));
}

bool isAdmin(const std::string& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    if (line == name) return true;
  }
  return false;
}

// "BUCKET.localhost:8888" -> "BUCKET" when the host is under one of the
// configured domains; "" for path-style requests.
std::string virtualBucket(const std::string& hostHeader, const std::vector<std::string>& domains) {
  std::string host = hostHeader;
  if (!host.empty() && host.front() == '[') return {};  // an IPv6 literal
  if (auto colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const auto& d : domains) {
    if (host.size() > d.size() + 1 && host.compare(host.size() - d.size(), d.size(), d) == 0 &&
        host[host.size() - d.size() - 1] == '.')
      return host.substr(0, host.size() - d.size() - 1);
  }
  return {};
}

// Sub-resources of S3 this repository does not keep: answered
// NotImplemented rather than mistaken for the plain GET/PUT they ride on.
bool unsupportedSubresource(const Ctx& c) {
  static const char* kNames[] = {"acl", "tagging", "versioning", "versions", "versionId", "policy", "cors", "lifecycle",
                                 "website", "logging", "notification", "replication", "encryption", "object-lock",
                                 "retention", "legal-hold", "restore", "select", "torrent", "accelerate",
                                 "requestPayment", "analytics", "metrics", "inventory", "intelligent-tiering",
                                 "ownershipControls", "publicAccessBlock", "attributes"};
  for (const char* n : kNames)
    if (c.has(n)) return true;
  return false;
}

api::Response dispatch(Ctx& c) {
  const std::string& m = c.req.method;
  if (unsupportedSubresource(c))
    return errorAnswer(c, aws::awsError("NotImplemented", "A header or query you provided implies functionality that is not implemented."));
  if (c.bucket.empty()) {
    if (m == "GET") return listBuckets(c);
    return errorAnswer(c, aws::awsError("MethodNotAllowed", "The specified method is not allowed against this resource."));
  }
  if (c.key.empty()) {
    if (m == "PUT") return createBucket(c);
    if (m == "DELETE") return deleteBucket(c);
    if (m == "HEAD") return headBucket(c);
    if (m == "POST" && c.has("delete")) return deleteObjects(c);
    if (m == "GET" && c.has("uploads")) return listUploads(c);
    if (m == "GET" && c.has("location")) return bucketLocation(c);
    if (m == "GET") return listObjects(c);
    return errorAnswer(c, aws::awsError("NotImplemented", "This bucket operation is not implemented."));
  }
  if (m == "PUT" && c.has("partNumber") && c.has("uploadId")) return uploadPart(c);
  if (m == "PUT" && !c.header("x-amz-copy-source").empty()) return copyObject(c);
  if (m == "PUT") return putObject(c);
  if (m == "GET" && c.has("uploadId")) return listParts(c);
  if (m == "GET") return getObject(c, false);
  if (m == "HEAD") return getObject(c, true);
  if (m == "DELETE" && c.has("uploadId")) return abortUpload(c);
  if (m == "DELETE") return deleteObject(c);
  if (m == "POST" && c.has("uploads")) return createUpload(c);
  if (m == "POST" && c.has("uploadId")) return completeUpload(c);
  return errorAnswer(c, aws::awsError("NotImplemented", "This object operation is not implemented."));
}

}  // namespace

Result<Bucket> readableBucket(Ctx& c) {
  auto b = c.s.store.bucket(c.bucket);
  if (!b) return std::move(b).error();
  if (!*b) return aws::awsError("NoSuchBucket", "The specified bucket does not exist");
  if ((*b)->ownerId && *(*b)->ownerId != c.user.id) return aws::awsError("AccessDenied", "Access Denied");
  return **b;
}

Result<Bucket> writableBucket(Ctx& c) {
  auto b = readableBucket(c);
  if (!b) return b;
  if (!b->ownerId && !c.admin)
    return aws::awsError("AccessDenied", "Access Denied: only administrators write the shared bucket '" + b->name + "'");
  return b;
}

api::Response S3Server::handle(api::Request& req) {
  Ctx c{*impl_, req, "", "", "", {}, {}, {}, false, std::nullopt, std::nullopt};
  c.requestId = randomHex(8);
  std::transform(c.requestId.begin(), c.requestId.end(), c.requestId.begin(), [](unsigned char ch) { return std::toupper(ch); });

  // Where: the bucket from the Host or the first path segment, the key is
  // the rest of the path (slashes and all).
  auto [rawPath, rawQuery] = aws::splitTarget(req.target);
  auto path = aws::uriDecode(rawPath);
  auto params = aws::parseQuery(rawQuery);
  if (!path || !params || path->empty() || path->front() != '/')
    return errorAnswer(c, aws::awsError("InvalidRequest", "malformed request target"));
  for (auto& [k, v] : *params) c.query[k] = v;
  auto hostIt = req.headers.find("host");
  std::string vbucket = hostIt == req.headers.end() ? std::string() : virtualBucket(hostIt->second, impl_->opts.domains);
  std::string rest = path->substr(1);
  if (!vbucket.empty()) {
    c.bucket = vbucket;
    c.key = rest;
  } else {
    auto slash = rest.find('/');
    c.bucket = rest.substr(0, slash);
    c.key = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
  }

  // Who: every request is signed with a user's access key.
  aws::SignedRequest sr{req.method, req.target, req.headers};
  aws::VerifyOptions vo;
  vo.service = "s3";
  vo.now = impl_->now();
  vo.v2Bucket = vbucket;
  std::optional<User> who;
  auto lookup = [this, &who](const std::string& accessKey) -> Result<aws::Credentials> {
    auto u = impl_->cloud.userByAccessKey(accessKey);
    if (!u) return aws::awsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    if (u->disabled) return aws::awsError("AccessDenied", "Access Denied: the user is disabled");
    who = *u;
    return aws::Credentials{u->secretKey, u->id, u->name};
  };
  auto auth = aws::verifyRequest(sr, lookup, vo);
  if (!auth) return errorAnswer(c, auth.error());
  c.auth = std::move(*auth);
  c.user = std::move(*who);
  c.admin = isAdmin(impl_->opts.adminsFile, c.user.name);
  // A signature over a body not read yet is checked before anything else
  // happens: an upload's body goes to a staging file first, any other
  // (small) body into memory.
  bool upload = req.method == "PUT" && !c.key.empty() && !req.headers.count("x-amz-copy-source");
  if (c.auth.deferred() && upload) {
    auto got = receiveBody(c, impl_->opts.dataDir + "/.incoming");
    if (!got) return errorAnswer(c, got.error());
    c.received = std::move(*got);
  } else if (c.auth.deferred()) {
    auto body = readSmallBody(c, 4 << 20);
    if (!body) return errorAnswer(c, body.error());
  }
  api::Response r = dispatch(c);
  if (c.received) ::unlink(c.received->tmpPath.c_str());  // the handler refused it
  return r;
}

api::Router makeS3Router(S3Server& server) {
  api::Router r;
  r.setFallback([&server](api::Request& req) { return server.handle(req); }, true);
  return r;
}

api::Response errorResponseFor(const Ctx& c, const Error& e) { return errorAnswer(c, e); }

}  // namespace stratus::cloud::s3
