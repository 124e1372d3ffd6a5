// The S3 repository's records (S3Store) on both database engines
// (cloud_test_db.h): buckets, objects, uploads, usage, and ListObjects'
// pages. The PostgreSQL database of these tests sorts text like a language
// (ICU en-US: 'a' before 'B', punctuation ignored), as a server installed
// with a non-C locale does, so a listing that left the order to the
// database's default collation would show it. Listings are checked against
// hand-written answers and against a plain reference (every key sorted by
// bytes, then cut) over many prefixes, delimiters, starts and page sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cloud/aws/aws_error.h"
#include "cloud/cloud_store.h"
#include "cloud/s3/s3_key_order.h"
#include "cloud/s3/s3_store.h"
#include "cloud_test_db.h"

namespace {

using namespace stratus;
using namespace stratus::cloud;
using namespace stratus::cloud::s3;
using stratus::testing::CloudDbTest;

constexpr std::int64_t kBig = std::int64_t{1} << 40;

class S3StoreTest : public stratus::testing::LanguageSortedDbTest {
 protected:
  void SetUp() override {
    CloudDbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto s = CloudStore::open(url());
    ASSERT_TRUE(s) << s.error().describe();
    cloud = std::move(*s);
    auto a = cloud->addUser("alice");
    ASSERT_TRUE(a);
    alice = *a;
    store = std::make_unique<S3Store>(cloud->db());
    ASSERT_TRUE(store->createBucket(Bucket{"b", alice.id, 1}).ok());
  }
  void TearDown() override {
    store.reset();
    cloud.reset();
    CloudDbTest::TearDown();
  }
  ObjectInfo object(const std::string& key, std::int64_t size = 1) {
    return ObjectInfo{"b", key, "o-" + std::to_string(next++), size, "etag", "text/plain", "{}", alice.id, 1};
  }
  void put(const std::vector<std::string>& keys) {
    for (const auto& k : keys) ASSERT_TRUE(store->putObject(object(k), kBig).ok()) << k;
  }
  // Rows straight into the table, 500 a statement (putObject's quota sum
  // would make 20,000 of them slow, and is not what is tested here).
  void insertMany(const std::vector<std::string>& keys) {
    auto& db = cloud->db();
    ASSERT_TRUE(db.transaction([&]() -> Status {
      for (std::size_t i = 0; i < keys.size(); i += 500) {
        std::string sql = "INSERT INTO s3_objects (bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, "
                          "modified) VALUES ";
        std::vector<SqlValue> args;
        for (std::size_t j = i; j < std::min(keys.size(), i + 500); ++j) {
          sql += j == i ? "(?, ?, ?, 1, 'e', 't', '{}', ?, 1)" : ", (?, ?, ?, 1, 'e', 't', '{}', ?, 1)";
          args.insert(args.end(), {std::string("b"), keys[j], "f" + std::to_string(j), alice.id});
        }
        STRATUS_TRY(db.exec(sql, args));
      }
      return okStatus();
    }).ok());
  }
  ListResult page(const std::string& prefix, const std::string& delimiter, const std::string& after, int maxKeys) {
    auto r = store->listPage("b", ListRequest{prefix, delimiter, after, maxKeys});
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? *r : ListResult{};
  }
  // Keys and common prefixes of a page, in order, common prefixes marked.
  static std::vector<std::string> items(const ListResult& r) {
    std::vector<std::string> out;
    for (const auto& o : r.contents) out.push_back(o.key);
    for (const auto& cp : r.commonPrefixes) out.push_back("[" + cp + "]");
    return out;
  }
  // A page's keys and common prefixes merged back into listing order
  // (the store returns them apart), common prefixes marked [..].
  static std::vector<std::string> ordered(const ListResult& r) {
    std::vector<std::pair<std::string, bool>> all;
    for (const auto& o : r.contents) all.emplace_back(o.key, false);
    for (const auto& cp : r.commonPrefixes) all.emplace_back(cp, true);
    std::sort(all.begin(), all.end());
    std::vector<std::string> out;
    for (const auto& [s, cp] : all) out.push_back(cp ? "[" + s + "]" : s);
    return out;
  }
  // Every page from the start, each resuming after the previous one's last item.
  std::vector<std::string> walk(const std::string& prefix, const std::string& delimiter, int maxKeys, int* pages = nullptr) {
    std::vector<std::string> out;
    std::string after;
    for (int n = 1; n <= 100000; ++n) {
      auto r = page(prefix, delimiter, after, maxKeys);
      auto got = ordered(r);
      EXPECT_LE(static_cast<int>(got.size()), maxKeys);
      out.insert(out.end(), got.begin(), got.end());
      if (pages) *pages = n;
      if (!r.truncated) break;
      EXPECT_FALSE(got.empty());
      if (got.empty()) break;
      std::string last = got.back().front() == '[' ? got.back().substr(1, got.back().size() - 2) : got.back();
      EXPECT_EQ(r.lastItem, last);
      after = r.lastItem;
    }
    return out;
  }

  std::unique_ptr<CloudStore> cloud;
  std::unique_ptr<S3Store> store;
  User alice;
  int next = 0;
};

// The plain answer: all keys by bytes, then S3's rules one key at a time.
std::vector<std::string> reference(std::vector<std::string> keys, const std::string& prefix, const std::string& delimiter,
                                   const std::string& after, int maxKeys, bool* truncated) {
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> out;
  *truncated = false;
  std::string lastCp;
  for (const auto& k : keys) {
    if (k.rfind(prefix, 0) != 0 || (!after.empty() && k <= after)) continue;
    std::string cp;
    if (!delimiter.empty()) {
      auto d = k.find(delimiter, prefix.size());
      if (d != std::string::npos) cp = k.substr(0, d + delimiter.size());
    }
    if (!cp.empty() && (cp == lastCp || (!after.empty() && after.rfind(cp, 0) == 0))) continue;
    if (static_cast<int>(out.size()) == maxKeys) {
      *truncated = maxKeys > 0;
      break;
    }
    if (!cp.empty()) lastCp = cp;
    out.push_back(cp.empty() ? k : "[" + cp + "]");
  }
  return out;
}

}  // namespace

TEST(S3KeyOrder, SuccessorBoundsEveryKeyWithThePrefix) {
  EXPECT_EQ(keySuccessor("a/"), "a0");
  EXPECT_EQ(keySuccessor("abc"), "abd");
  EXPECT_EQ(keySuccessor(""), std::nullopt);
  EXPECT_EQ(keySuccessor("\x7f"), "\xc2\x80");                  // U+007F -> U+0080
  EXPECT_EQ(keySuccessor("\xc2\xbf"), "\xc3\x80");              // ¿ -> À (not the byte 0xC0)
  EXPECT_EQ(keySuccessor("x\xed\x9f\xbf"), "x\xee\x80\x80");    // U+D7FF -> U+E000, past the surrogates
  EXPECT_EQ(keySuccessor("a\xf4\x8f\xbf\xbf"), "b");            // U+10FFFF has no successor: the one before it
  EXPECT_EQ(keySuccessor("\xf4\x8f\xbf\xbf"), std::nullopt);
  EXPECT_EQ(keySuccessor("a\xff"), "b");                        // not UTF-8: by bytes
  for (const char* p : {"a/", "\xc2\xbf", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "z\x7f"}) {
    auto s = keySuccessor(p);
    ASSERT_TRUE(s) << p;
    EXPECT_TRUE(validUtf8(*s)) << p;
    for (std::string tail : {"", "\x01", "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", "\xff\xff"}) EXPECT_LT(std::string(p) + tail, *s) << p;
  }
  EXPECT_TRUE(validUtf8("plain/\xc3\xa9\xf0\x9f\x98\x80"));
  EXPECT_FALSE(validUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(validUtf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(validUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(validUtf8("\xc3"));              // cut short
}

TEST_P(S3StoreTest, BucketsObjectsUploadsAndUsage) {
  EXPECT_EQ(aws::awsCode(store->createBucket(Bucket{"b", alice.id, 2}).error()), "BucketAlreadyOwnedByYou");
  ASSERT_TRUE(store->createBucket(Bucket{"common", std::nullopt, 3}).ok());
  auto visible = store->visibleBuckets(alice.id);
  ASSERT_TRUE(visible.ok());
  ASSERT_EQ(visible->size(), 2u);
  EXPECT_EQ((*visible)[0].name, "b");
  EXPECT_FALSE((*visible)[1].ownerId.has_value());

  auto first = store->putObject(object("k", 10), kBig);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  auto replaced = store->putObject(object("k", 30), kBig);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->value_or(""), "o-0");
  EXPECT_EQ(store->usage(alice.id).value(), 30);
  EXPECT_EQ(aws::awsCode(store->putObject(object("k2", 71), 100).error()), "QuotaExceeded");

  ASSERT_TRUE(store->createUpload(Upload{"up1", "b", "big", alice.id, "t", "{}", 5}).ok());
  ASSERT_TRUE(store->putPart("up1", Part{2, 40, "e2", 6}).ok());
  ASSERT_TRUE(store->putPart("up1", Part{1, 20, "e1", 6}).ok());
  ASSERT_TRUE(store->putPart("up1", Part{1, 25, "e1b", 7}).ok());  // a part sent again replaces it
  EXPECT_EQ(store->usage(alice.id).value(), 95);
  auto parts = store->parts("up1");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].etag, "e1b");
  EXPECT_EQ(aws::awsCode(store->deleteBucket("b").error()), "BucketNotEmpty");
  auto done = store->completeUpload("up1", object("big", 65), kBig);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_FALSE(store->upload("up1")->has_value());
  EXPECT_EQ(store->usage(alice.id).value(), 95);
  EXPECT_EQ(store->deleteObject("b", "big")->value_or(""), "o-3");
  EXPECT_FALSE(store->deleteObject("b", "big")->has_value());
  EXPECT_EQ(store->deleteObject("b", "k")->value_or(""), "o-1");
  ASSERT_TRUE(store->deleteBucket("b").ok());
  EXPECT_FALSE(store->bucket("b")->has_value());
}

TEST_P(S3StoreTest, EmptyBucketAndMaxKeysZero) {
  auto r = page("", "/", "", 1000);
  EXPECT_TRUE(items(r).empty());
  EXPECT_FALSE(r.truncated);
  put({"a"});
  r = page("", "", "", 0);
  EXPECT_TRUE(items(r).empty());
  EXPECT_FALSE(r.truncated);  // nothing asked, nothing to resume
}

TEST_P(S3StoreTest, KeysInUtf8ByteOrder) {
  put({"é", "e", "ab", "a/b", "a-b", "a b", "a", "_x", "Z/1", "B", "\xf0\x9f\x98\x80", "\xef\xbf\xbd"});
  EXPECT_EQ(walk("", "", 1000), (std::vector<std::string>{"B", "Z/1", "_x", "a", "a b", "a-b", "a/b", "ab", "e", "é",
                                                            "\xef\xbf\xbd", "\xf0\x9f\x98\x80"}));
  // Page by page, one item each, the same order.
  EXPECT_EQ(walk("", "", 1).size(), 12u);
  EXPECT_EQ(walk("", "", 1), walk("", "", 1000));
  EXPECT_EQ(walk("a", "", 2), (std::vector<std::string>{"a", "a b", "a-b", "a/b", "ab"}));
}

TEST_P(S3StoreTest, PrefixDelimiterAndContinuationAcrossCommonPrefixes) {
  put({"photos/2023/a.jpg", "photos/2023/b.jpg", "photos/2024/c.jpg", "photos/index.html", "photos/x/y/z", "photosX",
       "readme", "video/1.mp4", "video/2.mp4"});
  EXPECT_EQ(walk("", "/", 1000), (std::vector<std::string>{"[photos/]", "photosX", "readme", "[video/]"}));
  EXPECT_EQ(walk("photos/", "/", 1000),
            (std::vector<std::string>{"[photos/2023/]", "[photos/2024/]", "photos/index.html", "[photos/x/]"}));
  // MaxKeys 1: each page one item, a common prefix is never repeated.
  int pages = 0;
  EXPECT_EQ(walk("photos/", "/", 1, &pages),
            (std::vector<std::string>{"[photos/2023/]", "[photos/2024/]", "photos/index.html", "[photos/x/]"}));
  EXPECT_EQ(pages, 4);
  auto first = page("photos/", "/", "", 1);
  EXPECT_EQ(items(first), (std::vector<std::string>{"[photos/2023/]"}));
  EXPECT_TRUE(first.truncated);
  EXPECT_EQ(first.lastItem, "photos/2023/");
  // Resuming inside a common prefix (start-after a key under it) skips it whole.
  EXPECT_EQ(items(page("photos/", "/", "photos/2023/a.jpg", 10)),
            (std::vector<std::string>{"photos/index.html", "[photos/2024/]", "[photos/x/]"}));
  // start-after before the prefix, and past everything.
  EXPECT_EQ(items(page("video/", "", "a", 10)), (std::vector<std::string>{"video/1.mp4", "video/2.mp4"}));
  EXPECT_TRUE(items(page("", "", "zzz", 10)).empty());
  // A delimiter of several characters, and one that is the prefix's end.
  EXPECT_EQ(walk("", "/20", 1000), (std::vector<std::string>{"[photos/20]", "photos/index.html", "photos/x/y/z", "photosX",
                                                               "readme", "video/1.mp4", "video/2.mp4"}));
  EXPECT_EQ(walk("photos", "/", 1000), (std::vector<std::string>{"[photos/]", "photosX"}));
  // The last page ends exactly: not truncated.
  auto last = page("video/", "", "video/1.mp4", 1);
  EXPECT_EQ(items(last), (std::vector<std::string>{"video/2.mp4"}));
  EXPECT_FALSE(last.truncated);
}

TEST_P(S3StoreTest, MultibytePrefixesAndDelimiters) {
  put({"é/1", "é/2", "éa", "ê", "\xc2\xbfx", "\xc3\x80", "日本/東京/a", "日本/東京/b", "日本/大阪", "日本語",
       "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbfz"});
  EXPECT_EQ(walk("é", "", 1000), (std::vector<std::string>{"é/1", "é/2", "éa"}));
  EXPECT_EQ(walk("\xc2\xbf", "", 1000), (std::vector<std::string>{"\xc2\xbfx"}));  // not À, whose first byte is ¿'s + 1
  EXPECT_EQ(walk("日本/", "/", 1), (std::vector<std::string>{"日本/大阪", "[日本/東京/]"}));
  EXPECT_EQ(walk("", "本", 1000).front(), "\xc2\xbfx");
  EXPECT_EQ(walk("日", "本", 1000), (std::vector<std::string>{"[日本]"}));
  EXPECT_EQ(walk("\xf4\x8f\xbf\xbf", "", 1000),
            (std::vector<std::string>{"\xf4\x8f\xbf\xbfz", "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"}));
  EXPECT_EQ(walk("", "\xf4\x8f\xbf\xbf", 1), (std::vector<std::string>{"\xc2\xbfx", "\xc3\x80", "é/1", "é/2", "éa", "ê",
                                                                        "日本/大阪", "日本/東京/a", "日本/東京/b", "日本語",
                                                                        "[\xf4\x8f\xbf\xbf]"}));
}

TEST_P(S3StoreTest, AgreesWithTheReferenceEverywhere) {
  std::vector<std::string> keys = {"a", "a/", "a/b", "a/b/c", "a/b/d", "a/c", "a//x", "ab", "b/1", "b/2/3", "b/2/4",
                                   "c", "c/", "cc/dd/ee", "é/é", "é/f", "z"};
  put(keys);
  std::set<std::string> starts = {""};
  for (const auto& k : keys) {
    starts.insert(k);
    for (std::size_t i = 1; i < k.size(); ++i) starts.insert(k.substr(0, i));  // also cut inside é: a prefix that is not UTF-8
  }
  int checked = 0;
  for (const std::string prefix : {"", "a", "a/", "a/b", "b/", "c", "é", "é/", "q"})
    for (const std::string delimiter : {"", "/", "b", "//", "é"})
      for (const auto& after : starts)
        for (int maxKeys : {1, 2, 3, 1000}) {
          if (!validUtf8(after)) continue;  // the server refuses those before the store
          bool truncated = false;
          auto want = reference(keys, prefix, delimiter, after, maxKeys, &truncated);
          auto got = page(prefix, delimiter, after, maxKeys);
          auto merged = ordered(got);
          auto bare = [](const std::string& s) { return s.front() == '[' ? s.substr(1, s.size() - 2) : s; };
          ASSERT_EQ(merged, want) << "prefix '" << prefix << "' delimiter '" << delimiter << "' after '" << after
                                  << "' max " << maxKeys;
          ASSERT_EQ(got.truncated, truncated) << "prefix '" << prefix << "' delimiter '" << delimiter << "' after '"
                                              << after << "' max " << maxKeys;
          if (!want.empty()) EXPECT_EQ(got.lastItem, bare(want.back()));
          ++checked;
        }
  EXPECT_GT(checked, 1000);
}

TEST_P(S3StoreTest, TwentyThousandKeysPageInOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "d%02d/k%05d", (i * 7) % 100, i);
    keys.push_back(buf);
  }
  insertMany(keys);
  std::sort(keys.begin(), keys.end());
  int pages = 0;
  EXPECT_EQ(walk("", "", 1000, &pages), keys);
  EXPECT_EQ(pages, 20);
  // Common prefixes only: 100 of them, 7 a page, each once.
  auto dirs = walk("", "/", 7, &pages);
  ASSERT_EQ(dirs.size(), 100u);
  EXPECT_EQ(pages, 15);
  EXPECT_EQ(dirs.front(), "[d00/]");
  EXPECT_EQ(dirs.back(), "[d99/]");
  EXPECT_TRUE(std::is_sorted(dirs.begin(), dirs.end()));
  // One directory's 200 keys, and a page that starts in the middle.
  auto d42 = walk("d42/", "/", 1000);
  ASSERT_EQ(d42.size(), 200u);
  EXPECT_TRUE(std::all_of(d42.begin(), d42.end(), [](const std::string& k) { return k.rfind("d42/k", 0) == 0; }));
  auto middle = page("", "", keys[12345], 3);
  EXPECT_EQ(items(middle), (std::vector<std::string>{keys[12346], keys[12347], keys[12348]}));
  EXPECT_TRUE(middle.truncated);
}

STRATUS_DB_ENGINES(S3StoreTest);
