// Signature Version 4: the Authorization header and presigned URLs.
#include <algorithm>
#include <cstdlib>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"

namespace stratus::cloud::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::int64_t kMaxPresignedExpiry = 7 * 24 * 3600;  // AWS's limit: one week
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::vector<std::string> splitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    auto j = s.find(sep, i);
    out.emplace_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

const std::string* header(const SignedRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? nullptr : &it->second;
}

bool isHexSha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The parts of a credential scope: KEY/DATE/REGION/SERVICE/aws4_request.
struct Scope {
  std::string accessKey, date, region, service;
  std::string text() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

std::optional<Scope> parseCredential(std::string_view cred) {
  auto parts = splitOn(cred, '/');
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty() || parts[1].size() != 8) return std::nullopt;
  return Scope{parts[0], parts[1], parts[2], parts[3]};
}

Status checkTime(std::int64_t t, const VerifyOptions& o) {
  if (std::llabs(o.now - t) > o.maxSkew)
    return awsError("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large (" +
                                                std::to_string(o.now - t) + " s; at most " +
                                                std::to_string(o.maxSkew) + " s allowed).");
  return okStatus();
}

// The common tail of both forms: look the key up, compute, compare.
Result<AuthContext> finish(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o,
                           const Scope& scope, const std::string& amzDate, const std::vector<std::string>& signedHeaders,
                           const std::string& payloadHash, const std::string& signature, bool presigned) {
  if (scope.service != o.service)
    return awsError(presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
                    "The credential is scoped to service '" + scope.service + "', this is '" + o.service + "'.");
  if (amzDate.substr(0, 8) != scope.date)
    return awsError("SignatureDoesNotMatch", "The credential's date " + scope.date + " is not the request's date " + amzDate);
  if (std::find(signedHeaders.begin(), signedHeaders.end(), "host") == signedHeaders.end())
    return awsError(presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
                    "The Host header must be signed.");
  auto creds = lookup(scope.accessKey);
  if (!creds) return std::move(creds).error();
  AuthContext ctx;
  ctx.accessKey = scope.accessKey;
  ctx.credentials = std::move(*creds);
  ctx.version = 4;
  ctx.presigned = presigned;
  ctx.payloadHash = payloadHash;
  ctx.scope = scope.text();
  ctx.amzDate = amzDate;
  ctx.signingKey = signingKeyV4(ctx.credentials.secret, scope.date, scope.region, scope.service);
  ctx.signature = signature;
  // The canonical path and query as AWS defines them, and as sent (curl < 8 signs that).
  auto [rawPath, rawQuery] = splitTarget(req.target);
  auto sortedQuery = canonicalQuery(rawQuery, presigned ? "X-Amz-Signature" : "");
  auto encodedPath = canonicalUri(rawPath, o.service == "s3");
  std::vector<bool> queryForms = {false};
  if (!presigned && ((sortedQuery && *sortedQuery != rawQuery) || (encodedPath && *encodedPath != rawPath)))
    queryForms.push_back(true);
  // An unstated payload hash: curl signs the empty payload for uploads it
  // streams (-T) and the body's hash for --data; try the first now.
  const bool unstated = payloadHash.empty();
  const std::string hashNow = unstated ? kEmptySha256 : payloadHash;
  std::vector<std::string> canonicals;
  bool matched = false;
  for (bool asSent : queryForms) {
    auto canonical = canonicalRequestV4(req, signedHeaders, hashNow, o.service == "s3", presigned, asSent);
    if (!canonical) return std::move(canonical).error();
    std::string expected = toHex(hmacSha256(ctx.signingKey, stringToSignV4(amzDate, ctx.scope, *canonical)));
    if (constantTimeEquals(expected, signature)) {
      matched = true;
      break;
    }
    canonicals.push_back(canonical->substr(0, canonical->size() - hashNow.size()));
  }
  if (unstated) {
    // Without a stated hash the body (if any) is not covered, as with UNSIGNED-PAYLOAD.
    ctx.payloadHash = std::string(kUnsignedPayload);
    if (matched) return ctx;
    auto len = req.headers.find("content-length");
    bool hasBody = req.headers.count("transfer-encoding") > 0 || (len != req.headers.end() && len->second != "0");
    if (hasBody) {
      ctx.deferredCanonicals = std::move(canonicals);
      return ctx;
    }
  }
  if (!matched)
    return awsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key "
                    "and signing method.");
  if (o.body && isHexSha256(payloadHash) && toHex(sha256(*o.body)) != payloadHash)
    return awsError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  return ctx;
}

}  // namespace

std::string signingKeyV4(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service) {
  std::string k = hmacSha256("AWS4" + std::string(secret), date);
  k = hmacSha256(k, region);
  k = hmacSha256(k, service);
  return hmacSha256(k, "aws4_request");
}

Result<std::string> canonicalRequestV4(const SignedRequest& req, const std::vector<std::string>& signedHeaders,
                                       std::string_view payloadHash, bool s3, bool presigned, bool asSent) {
  auto [rawPath, rawQuery] = splitTarget(req.target);
  auto uri = asSent ? std::optional<std::string>(std::string(rawPath.empty() ? "/" : rawPath)) : canonicalUri(rawPath, s3);
  auto query = asSent ? std::optional<std::string>(std::string(rawQuery))
                           : canonicalQuery(rawQuery, presigned ? "X-Amz-Signature" : "");
  if (!uri || !query) return awsError("InvalidRequest", "malformed percent-encoding in the request target");
  std::string out = req.method + "\n" + *uri + "\n" + *query + "\n";
  for (const auto& h : signedHeaders) {
    const std::string* v = header(req, h);
    if (!v) return awsError("SignatureDoesNotMatch", "the signed header '" + h + "' is not in the request");
    out += h + ":" + canonicalHeaderValue(*v) + "\n";
  }
  out += "\n";
  for (std::size_t i = 0; i < signedHeaders.size(); ++i) out += (i ? ";" : "") + signedHeaders[i];
  out += "\n";
  out += payloadHash;
  return out;
}

std::string stringToSignV4(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest) {
  return std::string(kAlgorithm) + "\n" + std::string(amzDate) + "\n" + std::string(scope) + "\n" +
         toHex(sha256(canonicalRequest));
}

Result<AuthContext> verifyV4Header(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o) {
  const std::string* auth = header(req, "authorization");
  if (!auth || auth->rfind(std::string(kAlgorithm) + " ", 0) != 0)
    return awsError("AuthorizationHeaderMalformed", "The authorization header is not AWS4-HMAC-SHA256.");
  std::map<std::string, std::string> fields;
  for (const auto& part : splitOn(std::string_view(*auth).substr(kAlgorithm.size() + 1), ',')) {
    std::string p = trim(part);
    auto eq = p.find('=');
    if (eq == std::string::npos) return awsError("AuthorizationHeaderMalformed", "malformed authorization field '" + p + "'");
    fields[p.substr(0, eq)] = p.substr(eq + 1);
  }
  auto scope = parseCredential(fields["Credential"]);
  if (!scope || fields["SignedHeaders"].empty() || fields["Signature"].empty())
    return awsError("AuthorizationHeaderMalformed",
                    "The authorization header needs Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders "
                    "and Signature.");
  const std::string* amzDate = header(req, "x-amz-date");
  std::optional<std::int64_t> t;
  std::string dateText;
  if (amzDate) {
    t = parseAmzDate(*amzDate);
    dateText = *amzDate;
  } else if (const std::string* d = header(req, "date")) {
    t = parseHttpDate(*d);
    if (t) dateText = formatAmzDate(*t);
  }
  if (!t) return awsError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  STRATUS_TRY(checkTime(*t, o));
  std::string payloadHash;
  if (const std::string* h = header(req, "x-amz-content-sha256")) {
    payloadHash = *h;
  } else if (o.body) {
    payloadHash = toHex(sha256(*o.body));
  }
  // S3 requires the header, but curl before 8.x does not send it: an
  // empty payloadHash asks finish() to work it out.
  if (!payloadHash.empty() && !isHexSha256(payloadHash) && payloadHash != kUnsignedPayload && payloadHash != kStreamingSigned &&
      payloadHash != kStreamingSignedTrailer && payloadHash != kStreamingUnsignedTrailer)
    return awsError("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a SHA-256 in hex");
  auto signedHeaders = splitOn(fields["SignedHeaders"], ';');
  if (!std::is_sorted(signedHeaders.begin(), signedHeaders.end()))
    return awsError("AuthorizationHeaderMalformed", "SignedHeaders must be sorted");
  return finish(req, lookup, o, *scope, dateText, signedHeaders, payloadHash, fields["Signature"], false);
}

Result<AuthContext> verifyV4Query(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o) {
  auto params = parseQuery(splitTarget(req.target).second);
  if (!params) return awsError("AuthorizationQueryParametersError", "malformed percent-encoding in the query");
  std::map<std::string, std::string> q(params->begin(), params->end());
  auto get = [&](const char* n) { return q.count(n) ? q[n] : std::string(); };
  if (get("X-Amz-Algorithm") != kAlgorithm)
    return awsError("AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  auto scope = parseCredential(get("X-Amz-Credential"));
  auto t = parseAmzDate(get("X-Amz-Date"));
  const std::string expiresText = get("X-Amz-Expires");
  char* end = nullptr;
  long long expires = std::strtoll(expiresText.c_str(), &end, 10);
  if (!scope || !t || expiresText.empty() || *end || get("X-Amz-SignedHeaders").empty() || get("X-Amz-Signature").empty())
    return awsError("AuthorizationQueryParametersError",
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  if (expires < 0 || expires > kMaxPresignedExpiry)
    return awsError("AuthorizationQueryParametersError",
                    "X-Amz-Expires must be between 0 and 604800 seconds (one week)");
  // Not yet valid beyond the allowed skew, or past its expiry: a URL
  // replayed later than its signer allowed is refused.
  if (*t - o.now > o.maxSkew) STRATUS_TRY(checkTime(*t, o));
  if (o.now > *t + expires) return awsError("AccessDenied", "Request has expired");
  std::string payloadHash(kUnsignedPayload);
  if (const std::string* h = header(req, "x-amz-content-sha256")) payloadHash = *h;
  auto signedHeaders = splitOn(get("X-Amz-SignedHeaders"), ';');
  return finish(req, lookup, o, *scope, get("X-Amz-Date"), signedHeaders, payloadHash, get("X-Amz-Signature"), true);
}

Status verifyDeferredPayload(const AuthContext& ctx, std::string_view bodySha256Hex) {
  if (!ctx.deferred()) return okStatus();
  for (const auto& prefix : ctx.deferredCanonicals) {
    std::string canonical = prefix + std::string(bodySha256Hex);
    std::string expected = toHex(hmacSha256(ctx.signingKey, stringToSignV4(ctx.amzDate, ctx.scope, canonical)));
    if (constantTimeEquals(expected, ctx.signature)) return okStatus();
  }
  return awsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided. Check your key "
                    "and signing method.");
  return okStatus();
}

bool isHexSha256Text(std::string_view s) { return isHexSha256(s); }

bool hasSignature(const SignedRequest& req, const std::vector<std::pair<std::string, std::string>>& formParams) {
  if (req.headers.count("authorization")) return true;
  auto params = parseQuery(splitTarget(req.target).second);
  if (!params) return true;  // malformed: let verification say so
  for (const auto& [k, v] : *params)
    if (k == "X-Amz-Algorithm" || k == "AWSAccessKeyId" || k == "Signature") return true;
  for (const auto& [k, v] : formParams)
    if (k == "AWSAccessKeyId" || k == "Signature") return true;
  return false;
}

Result<AuthContext> verifyRequest(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& o) {
  if (const auto* auth = header(req, "authorization")) {
    if (auth->rfind("AWS4-", 0) == 0) return verifyV4Header(req, lookup, o);
    if (auth->rfind("AWS ", 0) == 0) return verifyV2Header(req, lookup, o);
    return awsError("AuthorizationHeaderMalformed", "Unsupported Authorization Type");
  }
  auto params = parseQuery(splitTarget(req.target).second);
  if (!params) return awsError("AuthorizationQueryParametersError", "malformed percent-encoding in the query");
  bool v4 = false, v2 = false;
  for (const auto& [k, v] : *params) {
    if (k == "X-Amz-Algorithm") v4 = true;
    if (k == "AWSAccessKeyId" || k == "Signature") v2 = true;
  }
  for (const auto& [k, v] : o.formParams)
    if (k == "AWSAccessKeyId" || k == "Signature") v2 = true;
  if (v4) return verifyV4Query(req, lookup, o);
  if (v2) return verifyV2Query(req, lookup, o);
  return awsError("AccessDenied", "Access Denied: the request is not signed");
}

}  // namespace stratus::cloud::aws
