// Who sent an AWS-style request: verifies Signature Version 4 (the
// Authorization header or a presigned URL's X-Amz-* query) and Signature
// Version 2 (S3's "AWS KEY:SIG" header, the EC2 Query API's
// SignatureVersion=2 parameters). The S3 server and the EC2 Query API
// share it; secrets come from a lookup callback, so this layer knows no
// database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::cloud::aws {

// What a signature covers of the request, as it arrived.
struct SignedRequest {
  std::string method;
  std::string target;                          // raw request-target: path and query, still encoded
  std::map<std::string, std::string> headers;  // lower-case names
};

struct Credentials {
  std::string secret;
  std::int64_t userId = 0;
  std::string userName;
};
// Access key id -> its secret and user. Fail with awsError("InvalidAccessKeyId")
// for an unknown key and awsError("AccessDenied") for a disabled user.
using CredentialLookup = std::function<Result<Credentials>(const std::string& accessKey)>;

struct VerifyOptions {
  // "s3": the path is encoded once and x-amz-content-sha256 is required in
  // header-signed requests; other services (ec2) hash the body themselves.
  std::string service = "s3";
  std::int64_t now = 0;         // unix seconds
  std::int64_t maxSkew = 900;   // RequestTimeTooSkewed beyond (15 minutes, as AWS)
  // The whole body when the caller has it in memory (EC2 Query): its
  // SHA-256 is checked against the signed payload hash here. Without it a
  // hex payload hash is the caller's to check once the body is read.
  std::optional<std::string_view> body;
  // Signature Version 2 Query style: the parameters of a POSTed form body
  // (application/x-www-form-urlencoded), signed together with the query.
  std::vector<std::pair<std::string, std::string>> formParams;
  // Signature Version 2 of virtual-hosted S3 requests signs "/BUCKET" before
  // the path: the bucket the Host header named.
  std::string v2Bucket;
};

// A verified caller and what the body still has to satisfy.
struct AuthContext {
  std::string accessKey;
  Credentials credentials;
  int version = 4;
  bool presigned = false;
  // x-amz-content-sha256 as signed: a hex SHA-256, UNSIGNED-PAYLOAD,
  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], STREAMING-UNSIGNED-PAYLOAD-TRAILER.
  std::string payloadHash;
  // Signature Version 4's signing state, which aws-chunked bodies continue.
  std::string signingKey;  // raw HMAC key of the day/region/service
  std::string scope;       // DATE/REGION/SERVICE/aws4_request
  std::string amzDate;     // 20130524T000000Z
  std::string signature;   // hex: the seed of the chunk signatures
  // Set when the request did not say its payload hash (no
  // x-amz-content-sha256: curl before 8.x) and the signature did not cover
  // the empty payload: it covers the body's SHA-256, which only reading
  // the body tells. The canonical request up to the payload hash (one
  // per query form tried); the caller must call verifyDeferredPayload
  // before acting on the request.
  std::vector<std::string> deferredCanonicals;
  bool deferred() const { return !deferredCanonicals.empty(); }
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// Is `s` a SHA-256 in lower-case hex (a signed payload hash)?
bool isHexSha256Text(std::string_view s);

// Does the request carry any AWS signature (header or query)? Requests
// without one are anonymous.
bool hasSignature(const SignedRequest& req, const std::vector<std::pair<std::string, std::string>>& formParams = {});

// Verifies whichever signature the request carries. Errors carry AWS code
// names (aws_error.h): AccessDenied, SignatureDoesNotMatch,
// InvalidAccessKeyId, RequestTimeTooSkewed, AuthorizationHeaderMalformed,
// AuthorizationQueryParametersError, XAmzContentSHA256Mismatch...
Result<AuthContext> verifyRequest(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& opts);

// Completes a deferred verification (AuthContext::deferred()) with
// the body's SHA-256 in hex: SignatureDoesNotMatch unless it was signed.
Status verifyDeferredPayload(const AuthContext& ctx, std::string_view bodySha256Hex);

// ---- the pieces, for tests and for signers ----
std::string signingKeyV4(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service);
// The canonical request of Signature Version 4 for the given signed header
// names (lower case, sorted) and payload hash. Fails on malformed encoding
// or a signed header the request lacks. `queryAsSent`: the query string
// exactly as it came instead of sorted and re-encoded, which curl before
// 8.x signs; the signature still covers the very bytes sent.
Result<std::string> canonicalRequestV4(const SignedRequest& req, const std::vector<std::string>& signedHeaders,
                                       std::string_view payloadHash, bool s3, bool presigned, bool queryAsSent = false);
std::string stringToSignV4(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest);

Result<AuthContext> verifyV4Header(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& opts);
Result<AuthContext> verifyV4Query(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& opts);
Result<AuthContext> verifyV2Header(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& opts);
Result<AuthContext> verifyV2Query(const SignedRequest& req, const CredentialLookup& lookup, const VerifyOptions& opts);

}  // namespace stratus::cloud::aws
