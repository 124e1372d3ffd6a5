// AWS request authentication against requests signed elsewhere: by a
// Python implementation of AWS's documented algorithms
// (tests/data/aws/make_vectors.py -> vectors.inc) and by curl 7.88's
// --aws-sigv4 (captured by a plain HTTP server -> curl_vectors.inc).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <vector>
#include <string>

#include "cloud/aws/aws_chunked.h"
#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"

namespace {

using namespace stratus;
using namespace stratus::cloud::aws;

struct TestRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;
};

#include "vectors.inc"
#include "curl_vectors.inc"

SignedRequest toSigned(const TestRequest& t) { return SignedRequest{t.method, t.target, t.headers}; }

CredentialLookup lookupWith(const std::string& secret, bool disabled = false) {
  return [secret, disabled](const std::string& key) -> Result<Credentials> {
    if (key != kKey) return awsError("InvalidAccessKeyId", "no such key");
    if (disabled) return awsError("AccessDenied", "disabled");
    return Credentials{secret, 7, "alice"};
  };
}

VerifyOptions at(std::int64_t now, std::string service = "s3") {
  VerifyOptions o;
  o.now = now;
  o.service = std::move(service);
  return o;
}

std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::int64_t curlTime(const TestRequest& r) { return *parseAmzDate(r.headers.at("x-amz-date")); }

TEST(AwsCrypto, DigestsAndEncodings) {
  EXPECT_EQ(toHex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(toHex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  Crc crc(Crc::Algo::Crc32);
  crc.update("123456789");
  EXPECT_EQ(crc.value(), 0xCBF43926u);  // the CRC catalogue's check values
  Crc crcc(Crc::Algo::Crc32c);
  crcc.update("123456789");
  EXPECT_EQ(crcc.value(), 0xE3069283u);
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = base64Decode(base64Encode(s));
    ASSERT_TRUE(back) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(base64Decode("abc"));
  EXPECT_FALSE(base64Decode("ab=c"));
}

TEST(AwsCanonical, UriEncodingAndQuery) {
  EXPECT_EQ(uriEncode("a b+c/d~e", false), "a%20b%2Bc/d~e");
  EXPECT_EQ(uriEncode("a b+c/d~e", true), "a%20b%2Bc%2Fd~e");
  // S3 encodes the path once, other services twice (and normalise it).
  EXPECT_EQ(*canonicalUri("/b/my%20key", true), "/b/my%20key");
  EXPECT_EQ(*canonicalUri("/b/my%20key", false), "/b/my%2520key");
  EXPECT_EQ(*canonicalUri("/a/./b/../c//", false), "/a/c/");
  EXPECT_EQ(*canonicalUri("/a//b", true), "/a//b");
  EXPECT_EQ(*canonicalUri("", true), "/");
  EXPECT_FALSE(canonicalUri("/bad%zz", true));
  EXPECT_EQ(*canonicalQuery("b=2&a=1&uploads&c=x%2Fy"), "a=1&b=2&c=x%2Fy&uploads=");
  EXPECT_EQ(*canonicalQuery("X-Amz-Signature=abc&z=1", "X-Amz-Signature"), "z=1");
  EXPECT_EQ(canonicalHeaderValue("  a   b \t c  "), "a b c");
  EXPECT_EQ(*parseAmzDate("20231114T221320Z"), 1700000000);
  EXPECT_EQ(*parseHttpDate("Tue, 14 Nov 2023 22:13:20 GMT"), 1700000000);
  EXPECT_EQ(formatAmzDate(1700000000), "20231114T221320Z");
  EXPECT_FALSE(parseAmzDate("2023-11-14T22:13:20Z"));
}

TEST(AwsSigV4, HeaderSignedRequestsVerify) {
  auto ctx = verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx->credentials.userName, "alice");
  EXPECT_EQ(ctx->payloadHash, "UNSIGNED-PAYLOAD");
  EXPECT_EQ(ctx->version, 4);

  auto put = verifyRequest(toSigned(kPutSha), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_TRUE(isHexSha256Text(put->payloadHash));
  // With the body at hand the payload hash is checked too.
  auto o = at(kNow);
  o.body = kPutShaBody;
  EXPECT_TRUE(verifyRequest(toSigned(kPutSha), lookupWith(kSecret), o));
  std::string other = "hello stratuS\n";
  o.body = other;
  auto bad = verifyRequest(toSigned(kPutSha), lookupWith(kSecret), o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(awsCode(bad.error()), "XAmzContentSHA256Mismatch");
}

TEST(AwsSigV4, WrongSecretTamperingAndUnknownKeys) {
  auto r = verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret + "x"), at(kNow));
  ASSERT_FALSE(r);
  EXPECT_EQ(awsCode(r.error()), "SignatureDoesNotMatch");
  EXPECT_EQ(awsHttpStatus(awsCode(r.error())), 403);

  for (auto mutate : std::vector<std::function<void(TestRequest&)>>{
           [](TestRequest& t) { t.method = "DELETE"; },
           [](TestRequest& t) { t.target += "&x=1"; },
           [](TestRequest& t) { t.headers["range"] = "bytes=0-10"; },
           [](TestRequest& t) { t.headers["host"] = "127.0.0.1:8889"; },
           [](TestRequest& t) { t.target.replace(t.target.find("%20"), 3, "+"); },
       }) {
    TestRequest t = kGetWithQuery;
    mutate(t);
    auto m = verifyRequest(toSigned(t), lookupWith(kSecret), at(kNow));
    ASSERT_FALSE(m) << t.method << " " << t.target;
    EXPECT_EQ(awsCode(m.error()), "SignatureDoesNotMatch") << m.error().message;
  }
  TestRequest noRange = kGetWithQuery;
  noRange.headers.erase("range");  // a signed header that is missing
  EXPECT_EQ(awsCode(verifyRequest(toSigned(noRange), lookupWith(kSecret), at(kNow)).error()), "SignatureDoesNotMatch");

  auto unknown = verifyRequest(toSigned(kGetWithQuery), [](const std::string&) -> Result<Credentials> {
    return awsError("InvalidAccessKeyId", "unknown");
  }, at(kNow));
  EXPECT_EQ(awsCode(unknown.error()), "InvalidAccessKeyId");
  EXPECT_EQ(awsCode(verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret, true), at(kNow)).error()), "AccessDenied");
  // Another service's credential scope.
  EXPECT_EQ(awsCode(verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret), at(kNow, "ec2")).error()),
            "AuthorizationHeaderMalformed");
}

TEST(AwsSigV4, ClockSkew) {
  EXPECT_TRUE(verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret), at(kNow + 899)));
  EXPECT_TRUE(verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret), at(kNow - 899)));
  for (std::int64_t now : {kNow + 901, kNow - 901}) {
    auto r = verifyRequest(toSigned(kGetWithQuery), lookupWith(kSecret), at(now));
    ASSERT_FALSE(r);
    EXPECT_EQ(awsCode(r.error()), "RequestTimeTooSkewed");
    EXPECT_EQ(awsHttpStatus("RequestTimeTooSkewed"), 403);
  }
}

TEST(AwsSigV4, PresignedUrlAndExpiry) {
  SignedRequest r{"GET", kPresignedTarget, {{"host", "127.0.0.1:8888"}}};
  ASSERT_TRUE(hasSignature(r));
  auto ok = verifyRequest(r, lookupWith(kSecret), at(kNow + 299));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->presigned);
  // Replayed after its 300 s: refused.
  auto late = verifyRequest(r, lookupWith(kSecret), at(kNow + 301));
  ASSERT_FALSE(late);
  EXPECT_EQ(awsCode(late.error()), "AccessDenied");
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);
  // Used long before it was signed.
  EXPECT_EQ(awsCode(verifyRequest(r, lookupWith(kSecret), at(kNow - 3600)).error()), "RequestTimeTooSkewed");
  SignedRequest longer = r;
  longer.target.replace(longer.target.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=900");
  EXPECT_EQ(awsCode(verifyRequest(longer, lookupWith(kSecret), at(kNow)).error()), "SignatureDoesNotMatch");
  SignedRequest tooLong = r;
  tooLong.target.replace(tooLong.target.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=604801");
  EXPECT_EQ(awsCode(verifyRequest(tooLong, lookupWith(kSecret), at(kNow)).error()), "AuthorizationQueryParametersError");
}

TEST(AwsSigV4, CurlSignedRequests) {
  // -T upload: curl signed the empty payload; the body is unsigned.
  auto up = verifyRequest(toSigned(kCurlUpload), lookupWith(kSecret), at(curlTime(kCurlUpload)));
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_FALSE(up->deferred());
  EXPECT_EQ(up->payloadHash, "UNSIGNED-PAYLOAD");
  // --data-binary: the body's hash was signed: known once the body is read.
  auto post = verifyRequest(toSigned(kCurlPostData), lookupWith(kSecret), at(curlTime(kCurlPostData)));
  ASSERT_TRUE(post) << post.error().message;
  ASSERT_TRUE(post->deferred());
  EXPECT_TRUE(verifyDeferredPayload(*post, toHex(sha256(kCurlPostDataBody))));
  EXPECT_EQ(awsCode(verifyDeferredPayload(*post, toHex(sha256("<other/>"))).error()), "SignatureDoesNotMatch");
  auto list = verifyRequest(toSigned(kCurlList), lookupWith(kSecret), at(curlTime(kCurlList)));
  ASSERT_TRUE(list) << list.error().message;
  // Without a body nothing is deferred: a wrong secret fails at once.
  auto bad = verifyRequest(toSigned(kCurlList), lookupWith("wrong"), at(curlTime(kCurlList)));
  ASSERT_FALSE(bad);
  EXPECT_EQ(awsCode(bad.error()), "SignatureDoesNotMatch");
}

// A byte source over a string, handing out at most `step` bytes a call.
ByteSource sourceOf(std::string data, std::size_t step) {
  auto pos = std::make_shared<std::size_t>(0);
  auto d = std::make_shared<std::string>(std::move(data));
  return [pos, d, step](char* buf, std::size_t max) -> Result<std::size_t> {
    std::size_t n = std::min({max, step, d->size() - *pos});
    std::memcpy(buf, d->data() + *pos, n);
    *pos += n;
    return n;
  };
}

Result<std::string> decodeAll(AwsChunkedDecoder& dec) {
  std::string out;
  char buf[777];
  while (true) {
    auto n = dec.read(buf, sizeof buf);
    if (!n) return std::move(n).error();
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

std::string pattern(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 7) & 0xFF));
  return s;
}

TEST(AwsChunked, SignedChunksVerifyAndDecode) {
  auto ctx = verifyRequest(toSigned(kChunkedPut), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx->payloadHash, kStreamingSigned);
  for (std::size_t step : {1u, 13u, 4096u, 100000u}) {
    AwsChunkedDecoder dec(sourceOf(fromHex(kChunkedBodyHex), step), *ctx, "", 8292);
    auto data = decodeAll(dec);
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(*data, pattern(8292));
  }
  // One flipped data byte breaks that chunk's signature.
  std::string body = fromHex(kChunkedBodyHex);
  body[body.find("\r\n") + 100] ^= 1;
  AwsChunkedDecoder dec(sourceOf(body, 4096), *ctx, "", std::nullopt);
  auto bad = decodeAll(dec);
  ASSERT_FALSE(bad);
  EXPECT_EQ(awsCode(bad.error()), "SignatureDoesNotMatch");
  // Cut short.
  AwsChunkedDecoder cut(sourceOf(fromHex(kChunkedBodyHex).substr(0, 5000), 4096), *ctx, "", std::nullopt);
  auto c = decodeAll(cut);
  ASSERT_FALSE(c);
  EXPECT_EQ(awsCode(c.error()), "IncompleteBody");
  // A wrong decoded length.
  AwsChunkedDecoder wrongLen(sourceOf(fromHex(kChunkedBodyHex), 4096), *ctx, "", 8291);
  EXPECT_EQ(awsCode(decodeAll(wrongLen).error()), "IncompleteBody");
}

TEST(AwsChunked, UnsignedPayloadWithCrc32Trailer) {
  auto ctx = verifyRequest(toSigned(kTrailerPut), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx->payloadHash, kStreamingUnsignedTrailer);
  AwsChunkedDecoder dec(sourceOf(fromHex(kTrailerBodyHex), 1000), *ctx, "x-amz-checksum-crc32", 8292);
  auto data = decodeAll(dec);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, pattern(8292));
  EXPECT_EQ(dec.trailers().at("x-amz-checksum-crc32"), kDataCrc32);
  // Data that does not match the trailer's CRC.
  std::string body = fromHex(kTrailerBodyHex);
  body[body.find("\r\n") + 50] ^= 1;
  AwsChunkedDecoder bad(sourceOf(body, 1000), *ctx, "x-amz-checksum-crc32", 8292);
  auto r = decodeAll(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(awsCode(r.error()), "BadDigest");
  // The announced trailer missing.
  std::string noTrailer = fromHex(kTrailerBodyHex);
  noTrailer = noTrailer.substr(0, noTrailer.find("x-amz-checksum")) + "\r\n";
  AwsChunkedDecoder missing(sourceOf(noTrailer, 1000), *ctx, "x-amz-checksum-crc32", 8292);
  EXPECT_EQ(awsCode(decodeAll(missing).error()), "IncompleteBody");
}

TEST(AwsChunked, SignedChunksWithSignedCrc32cTrailer) {
  auto ctx = verifyRequest(toSigned(kSignedTrailerPut), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx->payloadHash, kStreamingSignedTrailer);
  AwsChunkedDecoder dec(sourceOf(fromHex(kSignedTrailerBodyHex), 999), *ctx, "x-amz-checksum-crc32c", 8292);
  auto data = decodeAll(dec);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, pattern(8292));
  EXPECT_EQ(dec.trailers().at("x-amz-checksum-crc32c"), kDataCrc32c);
  // A trailer value changed in transit: its signature no longer matches.
  std::string body = fromHex(kSignedTrailerBodyHex);
  auto at = body.find("x-amz-checksum-crc32c:") + 22;
  body[at] = body[at] == 'A' ? 'B' : 'A';
  AwsChunkedDecoder bad(sourceOf(body, 999), *ctx, "x-amz-checksum-crc32c", 8292);
  auto r = decodeAll(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(awsCode(r.error()), "SignatureDoesNotMatch");
}

TEST(AwsChunked, MalformedFraming) {
  AuthContext ctx;
  ctx.payloadHash = std::string(kStreamingUnsignedTrailer);
  for (std::string body : {std::string("zz\r\nabc"), std::string("3\r\nabcdef\r\n0\r\n\r\n"),
                           std::string("ffffffffffffffffff\r\n"), std::string(5000, 'a')}) {
    AwsChunkedDecoder dec(sourceOf(body, 64), ctx, "", std::nullopt);
    auto r = decodeAll(dec);
    ASSERT_FALSE(r) << body.substr(0, 20);
    EXPECT_EQ(awsCode(r.error()), "IncompleteBody");
  }
}

TEST(AwsSigV2, S3HeaderAndEc2Query) {
  auto h = verifyRequest(toSigned(kV2Header), lookupWith(kSecret), at(kNow));
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->version, 2);
  auto wrong = verifyRequest(toSigned(kV2Header), lookupWith("nope"), at(kNow));
  EXPECT_EQ(awsCode(wrong.error()), "SignatureDoesNotMatch");
  EXPECT_EQ(awsCode(verifyRequest(toSigned(kV2Header), lookupWith(kSecret), at(kNow + 3600)).error()),
            "RequestTimeTooSkewed");
  TestRequest meta = kV2Header;
  meta.headers["x-amz-meta-color"] = "red";
  EXPECT_EQ(awsCode(verifyRequest(toSigned(meta), lookupWith(kSecret), at(kNow)).error()), "SignatureDoesNotMatch");

  SignedRequest q{"GET", kV2QueryTarget, {{"host", "127.0.0.1:8444"}}};
  auto ec2 = verifyRequest(q, lookupWith(kSecret), at(kNow, "ec2"));
  ASSERT_TRUE(ec2) << ec2.error().message;
  EXPECT_EQ(ec2->credentials.userId, 7);
  // The same parameters POSTed as a form body.
  auto [path, query] = splitTarget(kV2QueryTarget);
  auto o = at(kNow, "ec2");
  o.formParams = *parseQuery(query);
  auto form = verifyRequest(SignedRequest{"POST", "/", {{"host", "127.0.0.1:8444"}}}, lookupWith(kSecret), o);
  EXPECT_FALSE(form);  // signed as GET: a POST is another request
  EXPECT_EQ(awsCode(form.error()), "SignatureDoesNotMatch");
  EXPECT_EQ(awsCode(verifyRequest(q, lookupWith(kSecret), at(kNow + 1000, "ec2")).error()), "RequestTimeTooSkewed");
}

TEST(AwsAuth, UnsignedRequests) {
  SignedRequest r{"GET", "/bucket/key", {{"host", "h"}}};
  EXPECT_FALSE(hasSignature(r));
  EXPECT_EQ(awsCode(verifyRequest(r, lookupWith(kSecret), at(kNow)).error()), "AccessDenied");
  r.headers["authorization"] = "Bearer abc";
  EXPECT_EQ(awsCode(verifyRequest(r, lookupWith(kSecret), at(kNow)).error()), "AuthorizationHeaderMalformed");
  r.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=x";
  EXPECT_EQ(awsCode(verifyRequest(r, lookupWith(kSecret), at(kNow)).error()), "AuthorizationHeaderMalformed");
}

}  // namespace
