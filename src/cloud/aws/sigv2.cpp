// Signature Version 2, for old clients: S3's "Authorization: AWS KEY:SIG"
// header (and its presigned AWSAccessKeyId/Expires/Signature query), and the
// EC2 Query API's SignatureVersion=2 parameters (HmacSHA256 or HmacSHA1).
#include <algorithm>
#include <cstdlib>
#include <set>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"

namespace stratus::cloud::aws {

namespace {

std::string headerOr(const SignedRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// The sub-resources S3's Signature Version 2 includes in the signed resource.
bool isSubResource(const std::string& k) {
  static const std::set<std::string> kSub = {
      "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
      "requestPayment", "response-cache-control", "response-content-disposition", "response-content-encoding",
      "response-content-language", "response-content-type", "response-expires", "restore", "tagging", "torrent",
      "uploadId", "uploads", "versionId", "versioning", "versions", "website"};
  return kSub.count(k) > 0;
}

// S3's StringToSign: verb, Content-MD5, Content-Type, date (or Expires),
// the x-amz-* headers, then the resource with its sub-resources.
Result<std::string> s3StringToSign(const SignedRequest& req, const std::string& dateOrExpires,
                                   const std::string& bucket) {
  std::string out = req.method + "\n" + headerOr(req, "content-md5") + "\n" + headerOr(req, "content-type") + "\n" +
                    dateOrExpires + "\n";
  for (const auto& [k, v] : req.headers)  // std::map: already sorted by lower-case name
    if (k.rfind("x-amz-", 0) == 0) out += k + ":" + canonicalHeaderValue(v) + "\n";
  auto [rawPath, rawQuery] = splitTarget(req.target);
  if (!bucket.empty()) out += "/" + bucket;
  out += std::string(rawPath.empty() ? "/" : rawPath);
  auto params = parseQuery(rawQuery);
  if (!params) return awsError("InvalidRequest", "malformed percent-encoding in the query");
  std::vector<std::pair<std::string, std::string>> sub;
  for (const auto& p : *params)
    if (isSubResource(p.first)) sub.push_back(p);
  std::sort(sub.begin(), sub.end());
  for (std::size_t i = 0; i < sub.size(); ++i)
    out += (i ? "&" : "?") + sub[i].first + (sub[i].second.empty() ? "" : "=" + sub[i].second);
  return out;
}

Result<AuthContext> check(const CredentialLookup& lookup, const std::string& accessKey, const std::string& stringToSign,
                          const std::string& signature, bool sha256) {
  auto creds = lookup(accessKey);
  if (!creds) return std::move(creds).error();
  std::string mac = sha256 ? hmacSha256(creds->secret, stringToSign) : hmacSha1(creds->secret, stringToSign);
  if (!constantTimeEquals(base64Encode(mac), signature))
    return awsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key "
                    "and signing method.");
  AuthContext ctx;
  ctx.accessKey = accessKey;
  ctx.credentials = std::move(*creds);
  ctx.version = 2;
  ctx.payloadHash = std::string(kUnsignedPayload);
  return ctx;
}

}  // namespace

Result<AuthContext> verifyV2Header(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o) {
  std::string auth = headerOr(req, "authorization").substr(4);
  auto colon = auth.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return awsError("AuthorizationHeaderMalformed", "The authorization header is not 'AWS KEY:SIGNATURE'.");
  std::string dateHeader = headerOr(req, "date");
  std::optional<std::int64_t> t;
  if (req.headers.count("x-amz-date")) {
    std::string d = headerOr(req, "x-amz-date");
    t = parseHttpDate(d);
    if (!t) t = parseAmzDate(d);
    dateHeader.clear();  // x-amz-date is signed among the x-amz-* headers instead
  } else {
    t = parseHttpDate(dateHeader);
  }
  if (!t) return awsError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  if (std::llabs(o.now - *t) > o.maxSkew)
    return awsError("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");
  auto sts = s3StringToSign(req, dateHeader, o.v2Bucket);
  if (!sts) return std::move(sts).error();
  return check(lookup, auth.substr(0, colon), *sts, auth.substr(colon + 1), false);
}

Result<AuthContext> verifyV2Query(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o) {
  auto [rawPath, rawQuery] = splitTarget(req.target);
  auto parsed = parseQuery(rawQuery);
  if (!parsed) return awsError("InvalidRequest", "malformed percent-encoding in the query");
  std::vector<std::pair<std::string, std::string>> all = *parsed;
  all.insert(all.end(), o.formParams.begin(), o.formParams.end());
  std::map<std::string, std::string> q(all.begin(), all.end());
  auto get = [&](const char* n) { return q.count(n) ? q[n] : std::string(); };
  if (get("AWSAccessKeyId").empty() || get("Signature").empty())
    return awsError("AccessDenied", "Signature Version 2 needs AWSAccessKeyId and Signature");

  if (!q.count("SignatureVersion")) {
    // S3's presigned form: the Expires time stands where the Date was.
    char* end = nullptr;
    long long expires = std::strtoll(get("Expires").c_str(), &end, 10);
    if (get("Expires").empty() || *end) return awsError("AccessDenied", "Query-string authentication requires Expires");
    if (o.now > expires) return awsError("AccessDenied", "Request has expired");
    auto sts = s3StringToSign(req, get("Expires"), o.v2Bucket);
    if (!sts) return std::move(sts).error();
    return check(lookup, get("AWSAccessKeyId"), *sts, get("Signature"), false);
  }

  // The EC2 Query API: every parameter but Signature, sorted, encoded.
  if (get("SignatureVersion") != "2")
    return awsError("InvalidRequest", "SignatureVersion " + get("SignatureVersion") + " is not supported (use 2 or 4)");
  std::string method = get("SignatureMethod");
  if (method != "HmacSHA256" && method != "HmacSHA1")
    return awsError("InvalidRequest", "SignatureMethod must be HmacSHA256 or HmacSHA1");
  if (q.count("Timestamp")) {
    auto t = parseAmzDate(get("Timestamp"));
    if (!t) {
      // EC2 clients write 2013-05-24T00:00:00Z; reduce it to the basic form.
      std::string ts = get("Timestamp");
      ts.erase(std::remove(ts.begin(), ts.end(), '-'), ts.end());
      ts.erase(std::remove(ts.begin(), ts.end(), ':'), ts.end());
      if (auto dot = ts.find('.'); dot != std::string::npos) ts = ts.substr(0, dot) + "Z";
      t = parseAmzDate(ts);
    }
    if (!t) return awsError("InvalidRequest", "malformed Timestamp '" + get("Timestamp") + "'");
    if (std::llabs(o.now - *t) > o.maxSkew)
      return awsError("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");
  } else if (q.count("Expires")) {
    auto t = parseAmzDate(get("Expires"));
    if (!t || o.now > *t) return awsError("AccessDenied", "Request has expired");
  } else {
    return awsError("InvalidRequest", "Signature Version 2 needs Timestamp or Expires");
  }
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : all)
    if (k != "Signature") enc.emplace_back(uriEncode(k, true), uriEncode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string query;
  for (const auto& [k, v] : enc) query += (query.empty() ? "" : "&") + k + "=" + v;
  std::string host = headerOr(req, "host");
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string sts = req.method + "\n" + host + "\n" + std::string(rawPath.empty() ? "/" : rawPath) + "\n" + query;
  return check(lookup, get("AWSAccessKeyId"), sts, get("Signature"), method == "HmacSHA256");
}

}  // namespace stratus::cloud::aws
