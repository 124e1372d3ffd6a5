// The S3 server in process: requests signed here with the library's own
// Signature Version 4 pieces (the signatures themselves are checked
// against outside signers in aws_auth_test.cpp) go straight to
// S3Server::handle. What matters here is what reaches the disk and the
// database: a refused or broken upload leaves nothing behind.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"
#include "cloud/s3/s3_server.h"
#include "cloud/s3/s3_store.h"
#include "cloud_test_db.h"

namespace {

using namespace stratus;
using namespace stratus::cloud;
namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1700000000;

// A body handed out in pieces; fails after `failAfter` bytes when set.
class StringBody : public api::BodyReader {
 public:
  explicit StringBody(std::string data, std::optional<std::size_t> failAfter = std::nullopt)
      : data_(std::move(data)), failAfter_(failAfter) {}
  Result<std::size_t> read(char* buf, std::size_t max) override {
    if (failAfter_ && pos_ >= *failAfter_) return Error(ErrorCode::ConnectFailed, "connection reset");
    std::size_t n = std::min({max, data_.size() - pos_, std::size_t{1000}});
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::optional<std::size_t> failAfter_;
  std::size_t pos_ = 0;
};

// On both database engines (cloud_test_db.h); PostgreSQL's database sorts
// text like a language, as s3_store_test.cpp's does.
class S3ServerTest : public stratus::testing::LanguageSortedDbTest {
 protected:
  void SetUp() override {
    CloudDbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    char tmpl[] = "/tmp/stratus-s3-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = CloudStore::open(url());
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    Quotas small;
    small.storageMiB = 1;
    auto a = store_->addUser("alice", small);
    auto b = store_->addUser("bob");
    ASSERT_TRUE(a && b);
    alice_ = *a;
    bob_ = *b;
    s3::S3Options o;
    o.dataDir = dir_ + "/s3";
    o.adminsFile = dir_ + "/admins";
    o.clock = [] { return kNow; };
    o.minPartSize = 10;
    auto srv = s3::S3Server::open(*store_, o);
    ASSERT_TRUE(srv) << srv.error().message;
    server_ = std::move(*srv);
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
    CloudDbTest::TearDown();
  }

  // A request signed as `u` (header form, the body's SHA-256 stated).
  api::Request request(const User& u, std::string method, std::string target, const std::string& body = {},
                       std::map<std::string, std::string> extra = {}) {
    api::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(extra);
    r.headers["host"] = r.headers.count("host") ? r.headers["host"] : "127.0.0.1:8888";
    r.headers["x-amz-date"] = aws::formatAmzDate(kNow);
    if (!r.headers.count("x-amz-content-sha256")) r.headers["x-amz-content-sha256"] = aws::toHex(aws::sha256(body));
    r.headers["content-length"] = std::to_string(body.size());
    sign(r, u);
    bodies_.push_back(std::make_unique<StringBody>(body));
    r.bodyReader = bodies_.back().get();
    return r;
  }
  static void sign(api::Request& r, const User& u) {
    std::vector<std::string> names;
    for (const auto& [k, v] : r.headers)
      if (k != "authorization") names.push_back(k);
    aws::SignedRequest sr{r.method, r.target, r.headers};
    std::string scope = "20231114/stratus-1/s3/aws4_request";
    auto canonical = aws::canonicalRequestV4(sr, names, r.headers["x-amz-content-sha256"], true, false);
    ASSERT_TRUE(canonical);
    std::string key = aws::signingKeyV4(u.secretKey, "20231114", "stratus-1", "s3");
    std::string sig = aws::toHex(aws::hmacSha256(key, aws::stringToSignV4(r.headers["x-amz-date"], scope, *canonical)));
    std::string signedNames;
    for (const auto& n : names) signedNames += (signedNames.empty() ? "" : ";") + n;
    r.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + u.accessKey + "/" + scope +
                                 ", SignedHeaders=" + signedNames + ", Signature=" + sig;
  }
  api::Response send(api::Request r) { return server_->handle(r); }
  static std::string codeOf(const api::Response& r) {
    auto a = r.body.find("<Code>"), b = r.body.find("</Code>");
    return a == std::string::npos ? "" : r.body.substr(a + 6, b - a - 6);
  }
  // The files in a bucket's directory, temporaries included.
  std::vector<std::string> files(const std::string& bucket) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ + "/s3/" + bucket))
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    return out;
  }
  std::string get(const User& u, const std::string& target) {
    auto r = send(request(u, "GET", target));
    if (r.status != 200 || !r.stream) return "status " + std::to_string(r.status) + " " + r.body;
    struct Sink : api::BodyWriter {
      std::string out;
      Status write(std::string_view d) override {
        out.append(d);
        return okStatus();
      }
    } sink;
    EXPECT_TRUE(r.stream(sink));
    return sink.out;
  }

  std::string dir_;
  std::unique_ptr<CloudStore> store_;
  std::unique_ptr<s3::S3Server> server_;
  std::vector<std::unique_ptr<StringBody>> bodies_;
  User alice_, bob_;
};

TEST_P(S3ServerTest, PutGetAndReplaceKeepOneFile) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  ASSERT_EQ(send(request(alice_, "PUT", "/pics/a/b.txt", "one")).status, 200);
  EXPECT_EQ(get(alice_, "/pics/a/b.txt"), "one");
  ASSERT_EQ(send(request(alice_, "PUT", "/pics/a/b.txt", "two!")).status, 200);
  EXPECT_EQ(get(alice_, "/pics/a/b.txt"), "two!");
  EXPECT_EQ(files("pics").size(), 1u) << "the replaced object's file was not removed";
  // Virtual-host addressing reaches the same object.
  EXPECT_EQ(get(alice_, "/a/b.txt").substr(0, 6), "status");
  auto vr = request(alice_, "GET", "/a/b.txt", "", {{"host", "pics.localhost:8888"}});
  EXPECT_EQ(send(std::move(vr)).status, 200);
}

TEST_P(S3ServerTest, QuotaExceededStoresNothing) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  std::string big((1 << 20) + 1, 'x');
  auto r = send(request(alice_, "PUT", "/pics/big", big));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(codeOf(r), "QuotaExceeded");
  EXPECT_TRUE(files("pics").empty());
  // Two halves: the second one is over.
  std::string half(600 * 1024, 'y');
  EXPECT_EQ(send(request(alice_, "PUT", "/pics/h1", half)).status, 200);
  auto second = send(request(alice_, "PUT", "/pics/h2", half));
  EXPECT_EQ(codeOf(second), "QuotaExceeded");
  // Replacing an object counts only the difference.
  EXPECT_EQ(send(request(alice_, "PUT", "/pics/h1", half + "z")).status, 200);
  EXPECT_EQ(files("pics").size(), 1u);
}

TEST_P(S3ServerTest, BrokenOrWrongBodiesLeaveNothing) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  ASSERT_EQ(send(request(alice_, "PUT", "/pics/k", "original")).status, 200);
  // The connection breaks half-way: the old object stays, no temporary remains.
  auto r = request(alice_, "PUT", "/pics/k", std::string(5000, 'n'));
  bodies_.push_back(std::make_unique<StringBody>(std::string(5000, 'n'), 2500));
  r.bodyReader = bodies_.back().get();
  EXPECT_GE(send(std::move(r)).status, 400);
  // A body other than the signed hash says.
  auto wrong = request(alice_, "PUT", "/pics/k", "replacement");
  bodies_.push_back(std::make_unique<StringBody>("replacemenT"));
  wrong.bodyReader = bodies_.back().get();
  auto w = send(std::move(wrong));
  EXPECT_EQ(codeOf(w), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(get(alice_, "/pics/k"), "original");
  EXPECT_EQ(files("pics").size(), 1u);
}

TEST_P(S3ServerTest, RestartRemovesTemporariesOnly) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  ASSERT_EQ(send(request(alice_, "PUT", "/pics/k", "kept")).status, 200);
  std::ofstream(dir_ + "/s3/pics/.tmp-cut-short") << "half";
  std::ofstream(dir_ + "/s3/.incoming/staged") << "unchecked";
  server_.reset();
  s3::S3Options o;
  o.dataDir = dir_ + "/s3";
  o.adminsFile = dir_ + "/admins";
  o.clock = [] { return kNow; };
  auto srv = s3::S3Server::open(*store_, o);
  ASSERT_TRUE(srv) << srv.error().message;
  server_ = std::move(*srv);
  EXPECT_EQ(files("pics").size(), 1u);
  EXPECT_FALSE(fs::exists(dir_ + "/s3/.incoming/staged"));
  EXPECT_EQ(get(alice_, "/pics/k"), "kept");
}

TEST_P(S3ServerTest, SignedAwsChunkedUpload) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  std::string data(3000, 'c');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  api::Request r;
  r.method = "PUT";
  r.target = "/pics/chunked";
  r.headers = {{"host", "127.0.0.1:8888"}, {"x-amz-date", aws::formatAmzDate(kNow)},
               {"x-amz-content-sha256", std::string(aws::kStreamingSigned)}, {"content-encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", "3000"}};
  sign(r, alice_);
  std::string seed = r.headers["authorization"].substr(r.headers["authorization"].find("Signature=") + 10);
  std::string key = aws::signingKeyV4(alice_.secretKey, "20231114", "stratus-1", "s3");
  std::string prev = seed, body;
  for (std::string chunk : {data.substr(0, 2048), data.substr(2048), std::string()}) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + aws::formatAmzDate(kNow) + "\n20231114/stratus-1/s3/aws4_request\n" +
                      prev + "\n" + aws::toHex(aws::sha256("")) + "\n" + aws::toHex(aws::sha256(chunk));
    prev = aws::toHex(aws::hmacSha256(key, sts));
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    body += std::string(size) + ";chunk-signature=" + prev + "\r\n" + chunk + "\r\n";
  }
  StringBody sb(body);
  r.bodyReader = &sb;
  auto resp = send(std::move(r));
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(get(alice_, "/pics/chunked"), data);
}

TEST_P(S3ServerTest, SharedBucketAndOwnership) {
  std::ofstream(dir_ + "/admins") << "bob\n";
  EXPECT_EQ(codeOf(send(request(alice_, "PUT", "/common/x", "a"))), "AccessDenied");
  EXPECT_EQ(send(request(bob_, "PUT", "/common/x", "b")).status, 200);
  EXPECT_EQ(get(alice_, "/common/x"), "b");
  EXPECT_EQ(codeOf(send(request(bob_, "DELETE", "/common"))), "AccessDenied");
  ASSERT_EQ(send(request(alice_, "PUT", "/mine")).status, 200);
  EXPECT_EQ(codeOf(send(request(bob_, "GET", "/mine?list-type=2"))), "AccessDenied");
  EXPECT_EQ(codeOf(send(request(bob_, "GET", "/nothere/k"))), "NoSuchBucket");
  // A disabled user is refused before anything else.
  ASSERT_TRUE(store_->setUserDisabled("alice", true));
  EXPECT_EQ(codeOf(send(request(alice_, "GET", "/"))), "AccessDenied");
}

TEST_P(S3ServerTest, ListingPagesV1AndV2) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  for (std::string k : {"a/1", "a/2", "b", "c/x/y", "d%20e"}) ASSERT_EQ(send(request(alice_, "PUT", "/pics/" + k, k)).status, 200);
  auto between = [](const std::string& s, const std::string& a, const std::string& b) {
    auto i = s.find(a);
    return i == std::string::npos ? std::string() : s.substr(i + a.size(), s.find(b, i) - i - a.size());
  };
  // V1: NextMarker is the last key or common prefix, and resumes after it.
  std::vector<std::string> seen;
  std::string marker;
  for (int page = 0; page < 10; ++page) {
    auto r = send(request(alice_, "GET", "/pics?delimiter=%2F&max-keys=1" + (marker.empty() ? "" : "&marker=" + aws::uriEncode(marker, true))));
    ASSERT_EQ(r.status, 200) << r.body;
    std::string item = between(r.body, "<Key>", "</Key>");
    if (item.empty()) item = between(r.body, "<CommonPrefixes><Prefix>", "</Prefix>");
    seen.push_back(item);
    if (r.body.find("<IsTruncated>true</IsTruncated>") == std::string::npos) break;
    marker = between(r.body, "<NextMarker>", "</NextMarker>");
    ASSERT_FALSE(marker.empty()) << r.body;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "b", "c/", "d e"}));
  // V2 with a prefix and start-after.
  auto r = send(request(alice_, "GET", "/pics?list-type=2&prefix=a%2F&start-after=a%2F1"));
  EXPECT_EQ(between(r.body, "<Key>", "</Key>"), "a/2");
  EXPECT_EQ(between(r.body, "<KeyCount>", "</KeyCount>"), "1");
  EXPECT_EQ(codeOf(send(request(alice_, "GET", "/pics?list-type=2&continuation-token=%25%25"))), "InvalidArgument");
  // Keys are UTF-8: a key or a listing bound that is not is refused, not stored.
  EXPECT_EQ(codeOf(send(request(alice_, "PUT", "/pics/bad%C3", "x"))), "InvalidArgument");
  EXPECT_EQ(codeOf(send(request(alice_, "POST", "/pics/bad%FF?uploads"))), "InvalidArgument");
  EXPECT_EQ(codeOf(send(request(alice_, "GET", "/pics?list-type=2&prefix=%C3"))), "InvalidArgument");
  EXPECT_EQ(codeOf(send(request(alice_, "GET", "/pics?marker=%FF"))), "InvalidArgument");
  // A multibyte prefix and V2 pages of one, continuation across a common prefix.
  for (std::string k : {"\xc3\xa9/1", "\xc3\xa9/2/x", "\xc3\xa9/2/y", "\xc3\xa9/3", "\xc3\xaa"})
    ASSERT_EQ(send(request(alice_, "PUT", "/pics/" + aws::uriEncode(k, false), k)).status, 200);
  std::vector<std::string> v2;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    auto l = send(request(alice_, "GET", "/pics?list-type=2&max-keys=1&delimiter=%2F&prefix=%C3%A9%2F" +
                                             (token.empty() ? "" : "&continuation-token=" + aws::uriEncode(token, true))));
    ASSERT_EQ(l.status, 200) << l.body;
    std::string item = between(l.body, "<Key>", "</Key>");
    v2.push_back(item.empty() ? "[" + between(l.body, "<CommonPrefixes><Prefix>", "</Prefix>") + "]" : item);
    if (l.body.find("<IsTruncated>true</IsTruncated>") == std::string::npos) break;
    token = between(l.body, "<NextContinuationToken>", "</NextContinuationToken>");
  }
  EXPECT_EQ(v2, (std::vector<std::string>{"\xc3\xa9/1", "[\xc3\xa9/2/]", "\xc3\xa9/3"}));
  auto acl = send(request(alice_, "GET", "/pics?acl"));
  EXPECT_EQ(acl.status, 501);
  EXPECT_EQ(codeOf(acl), "NotImplemented");
}

TEST_P(S3ServerTest, MultipartCompleteFailsCleanlyOnQuota) {
  ASSERT_EQ(send(request(alice_, "PUT", "/pics")).status, 200);
  auto c = send(request(alice_, "POST", "/pics/mp?uploads"));
  ASSERT_EQ(c.status, 200);
  std::string id = c.body.substr(c.body.find("<UploadId>") + 10, 32);
  std::string part(600 * 1024, 'p');
  auto p1 = send(request(alice_, "PUT", "/pics/mp?partNumber=1&uploadId=" + id, part));
  ASSERT_EQ(p1.status, 200) << p1.body;
  // The second part does not fit next to the first.
  EXPECT_EQ(codeOf(send(request(alice_, "PUT", "/pics/mp?partNumber=2&uploadId=" + id, part))), "QuotaExceeded");
  std::string etag;
  for (auto& [k, v] : p1.headers)
    if (k == "ETag") etag = v;
  std::string xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag +
                    "</ETag></Part></CompleteMultipartUpload>";
  auto done = send(request(alice_, "POST", "/pics/mp?uploadId=" + id, xml));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(get(alice_, "/pics/mp"), part);
  EXPECT_NE(done.body.find(aws::toHex(aws::md5(aws::md5(part))) + "-1"), std::string::npos) << done.body;
  EXPECT_EQ(files("pics").size(), 1u);  // the parts are gone, one object file
  EXPECT_EQ(codeOf(send(request(alice_, "GET", "/pics/mp?uploadId=" + id))), "NoSuchUpload");
}

STRATUS_DB_ENGINES(S3ServerTest);

}  // namespace
