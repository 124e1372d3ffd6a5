// s3-list-bench: how long S3 ListObjectsV2 takes on a big bucket, through
// the S3 server's own request handling (signed requests straight to
// S3Server::handle, no sockets: the listing's cost, not the network's).
// The bucket's rows are inserted directly (500 a statement); their files
// do not exist, which listing never looks at.
//
//   s3-list-bench [--keys N] [--dirs D] [--db URL]
//
// Keys are dDDD/kNNNNNN (D directories, N keys in all). It times: a walk of
// the whole bucket 1000 keys a page; one page from the middle
// (start-after); a walk with delimiter "/" (D common prefixes, 1000 a page);
// one page of one directory's keys (prefix). --db: a PostgreSQL URL or an
// SQLite path (default: a fresh SQLite file in a temp dir). Prints
// `name value unit` lines; exit status 1 when a listing is not what the
// bucket holds.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"
#include "cloud/s3/s3_server.h"

using namespace stratus;
using namespace stratus::cloud;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kNow = 1700000000;

struct Bench {
  std::unique_ptr<CloudStore> store;
  std::unique_ptr<s3::S3Server> server;
  User user;

  api::Response get(const std::string& target) {
    api::Request r;
    r.method = "GET";
    r.target = target;
    r.headers = {{"host", "127.0.0.1:8888"}, {"x-amz-date", aws::formatAmzDate(kNow)},
                 {"x-amz-content-sha256", aws::toHex(aws::sha256(""))}, {"content-length", "0"}};
    sign(r);
    return server->handle(r);
  }
  api::Response put(const std::string& target) {
    api::Request q;
    q.method = "PUT";
    q.target = target;
    q.headers = {{"host", "127.0.0.1:8888"}, {"x-amz-date", aws::formatAmzDate(kNow)},
                 {"x-amz-content-sha256", aws::toHex(aws::sha256(""))}, {"content-length", "0"}};
    sign(q);
    return server->handle(q);
  }
  void sign(api::Request& r) {
    std::vector<std::string> names;
    for (const auto& [k, v] : r.headers) names.push_back(k);
    aws::SignedRequest sr{r.method, r.target, r.headers};
    std::string scope = "20231114/stratus-1/s3/aws4_request";
    auto canonical = aws::canonicalRequestV4(sr, names, r.headers["x-amz-content-sha256"], true, false);
    std::string key = aws::signingKeyV4(user.secretKey, "20231114", "stratus-1", "s3");
    std::string sig = aws::toHex(aws::hmacSha256(key, aws::stringToSignV4(r.headers["x-amz-date"], scope, *canonical)));
    std::string signedNames;
    for (const auto& n : names) signedNames += (signedNames.empty() ? "" : ";") + n;
    r.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + user.accessKey + "/" + scope +
                                 ", SignedHeaders=" + signedNames + ", Signature=" + sig;
  }
};

std::string between(const std::string& s, const std::string& a, const std::string& b, std::size_t from = 0) {
  auto i = s.find(a, from);
  if (i == std::string::npos) return "";
  return s.substr(i + a.size(), s.find(b, i + a.size()) - i - a.size());
}
int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
// A failure: main reports it, after the temp dir is removed.
struct Failure {
  std::string what;
};
[[noreturn]] void die(const std::string& what) { throw Failure{what}; }

// Walks a listing to its end; returns the items (keys and common prefixes) seen and the pages.
std::pair<int, int> walk(Bench& b, const std::string& query) {
  int items = 0, pages = 0;
  std::string token;
  for (;;) {
    auto r = b.get("/bench?list-type=2&max-keys=1000" + query +
                   (token.empty() ? "" : "&continuation-token=" + aws::uriEncode(token, true)));
    if (r.status != 200) die("listing failed: " + r.body.substr(0, 300));
    ++pages;
    items += count(r.body, "<Key>") + count(r.body, "<CommonPrefixes>");
    if (r.body.find("<IsTruncated>true</IsTruncated>") == std::string::npos) break;
    token = between(r.body, "<NextContinuationToken>", "</NextContinuationToken>");
    if (token.empty()) die("truncated page without a token");
  }
  return {items, pages};
}

}  // namespace

int run(int argc, char** argv, std::string& dir) {
  int keys = 20000, dirs = 100;
  std::string url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--keys") keys = std::atoi(argv[i + 1]);
    else if (a == "--dirs") dirs = std::atoi(argv[i + 1]);
    else if (a == "--db") url = argv[i + 1];
    else die("unknown option " + a);
  }
  if (keys < 1 || dirs < 1) die("--keys and --dirs must be at least 1");
  char tmpl[] = "/tmp/s3-list-bench.XXXXXX";
  if (!mkdtemp(tmpl)) die("mkdtemp failed");
  dir = tmpl;
  if (url.empty()) url = dir + "/cloud.db";

  Bench b;
  auto store = CloudStore::open(url);
  if (!store) die(store.error().describe());
  b.store = std::move(*store);
  auto u = b.store->addUser("bench-" + std::to_string(::getpid()));
  if (!u) die(u.error().describe());
  b.user = *u;
  s3::S3Options o;
  o.dataDir = dir + "/s3";
  o.adminsFile = dir + "/admins";
  o.clock = [] { return kNow; };
  auto srv = s3::S3Server::open(*b.store, o);
  if (!srv) die(srv.error().describe());
  b.server = std::move(*srv);
  if (b.put("/bench").status != 200) die("cannot create the bucket");

  auto t = std::chrono::steady_clock::now();
  auto& db = b.store->db();
  std::vector<std::string> all;
  for (int k = 0; k < keys; ++k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "d%03d/k%06d", k % dirs, k);
    all.push_back(buf);
  }
  for (std::size_t i = 0; i < all.size(); i += 500) {
    std::string sql = "INSERT INTO s3_objects (bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, modified) VALUES ";
    std::vector<SqlValue> args;
    for (std::size_t j = i; j < std::min(all.size(), i + 500); ++j) {
      sql += (j == i ? "" : ", ") + std::string("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (SqlValue v : std::vector<SqlValue>{std::string("bench"), all[j], "o-" + std::to_string(j), std::int64_t{1},
                                              std::string("d41d8cd98f00b204e9800998ecf8427e"),
                                              std::string("application/octet-stream"), std::string("{}"), b.user.id, kNow})
        args.push_back(std::move(v));
    }
    if (auto s = db.exec(sql, args); !s) die(s.error().describe());
  }
  std::printf("insert_keys %d keys %.0f ms\n", keys, msSince(t));

  t = std::chrono::steady_clock::now();
  auto [items, pages] = walk(b, "");
  double ms = msSince(t);
  if (items != keys) die("the walk saw " + std::to_string(items) + " keys of " + std::to_string(keys));
  std::printf("walk_all %d pages %.1f ms (%.2f ms/page)\n", pages, ms, ms / pages);

  std::sort(all.begin(), all.end());
  t = std::chrono::steady_clock::now();
  const int reps = 20;
  for (int i = 0; i < reps; ++i) {
    auto r = b.get("/bench?list-type=2&max-keys=1000&start-after=" + aws::uriEncode(all[all.size() / 2], true));
    if (r.status != 200) die("middle page failed");
  }
  std::printf("middle_page %d pages %.2f ms/page\n", reps, msSince(t) / reps);

  t = std::chrono::steady_clock::now();
  auto [prefixes, dpages] = walk(b, "&delimiter=%2F");
  ms = msSince(t);
  if (prefixes != std::min(dirs, keys)) die("the delimiter walk saw " + std::to_string(prefixes) + " common prefixes");
  std::printf("walk_delimiter %d prefixes %d pages %.1f ms\n", prefixes, dpages, ms);

  t = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) {
    auto r = b.get("/bench?list-type=2&max-keys=1000&prefix=d001%2F");
    if (r.status != 200) die("prefix page failed");
  }
  std::printf("prefix_page %d pages %.2f ms/page\n", reps, msSince(t) / reps);

  return 0;
}

int main(int argc, char** argv) {
  std::string dir;
  int rc = 1;
  try {
    rc = run(argc, argv, dir);
  } catch (const Failure& f) {
    std::fprintf(stderr, "s3-list-bench: %s\n", f.what.c_str());
  }
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
  return rc;
}
