// The storage pool and volume verbs over the API: server routes and
// NodeClient against the in-memory storage fake. Every option survives the
// wire, errors keep their code and words, volume contents stream both ways
// (64 MiB with a checksum, sparse files keeping their holes, failures in
// the middle of a stream on either side), and docs/api.md documents every
// field of the storage types.
#include <unistd.h>

#include <filesystem>
#include <cstring>
#include <future>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "api/client.h"
#include "api/json_storage.h"
#include "api/json_types.h"
#include "api/server.h"
#include "api_docs.h"
#include "storage_fake_node.h"

using namespace stratus;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// FNV-1a: a checksum that notices a changed, lost or moved byte.
std::uint64_t checksum(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(s.data() + i, &v, 8);
  }
  return s;
}

// Hands out pre-made chunks; fails after `failAfter` of them when set.
class ChunkSource final : public daemon::VolumeSource {
 public:
  explicit ChunkSource(std::vector<daemon::VolumeChunk> chunks) : chunks_(std::move(chunks)) {}
  std::optional<std::size_t> failAfter;
  Result<daemon::VolumeChunk> next() override {
    if (failAfter && i_ == *failAfter) return Error(ErrorCode::Cancelled, "operation aborted: source gave up");
    if (i_ >= chunks_.size()) return daemon::VolumeChunk{};
    return chunks_[i_++];
  }

 private:
  std::vector<daemon::VolumeChunk> chunks_;
  std::size_t i_ = 0;
};

// A big buffer handed out in 1 MiB pieces.
class BufferSource final : public daemon::VolumeSource {
 public:
  explicit BufferSource(const std::string& data) : data_(data) {}
  Result<daemon::VolumeChunk> next() override {
    daemon::VolumeChunk c;
    auto n = std::min<std::size_t>(1u << 20, data_.size() - pos_);
    c.data = data_.substr(pos_, n);
    pos_ += n;
    return c;
  }

 private:
  const std::string& data_;
  std::size_t pos_ = 0;
};

// Collects a download; holes become zeros, and are counted.
class CollectSink final : public daemon::VolumeSink {
 public:
  std::string bytes;
  std::uint64_t holes = 0;
  std::size_t writes = 0;
  std::optional<std::size_t> failAfterWrites;
  Status write(std::string_view d) override {
    if (failAfterWrites && writes >= *failAfterWrites)
      return Error(ErrorCode::Cancelled, "operation aborted: sink gave up");
    ++writes;
    bytes.append(d);
    return okStatus();
  }
  Status hole(std::uint64_t n) override {
    holes += n;
    bytes.append(n, '\0');
    return okStatus();
  }
};

class ApiStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-apistorage-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    api::ServerOptions o;
    o.socketPath = dir_ + "/stratusd.sock";
    auto s = api::Server::start(node_, o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(s).value();
    auto c = api::connectToDaemon(o.socketPath, "");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    client_ = std::move(c).value();
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void makeVolume(const std::string& name, std::uint64_t capacity) {
    auto v = client_->createVolume("default-pool",
                                   fmt::format("<volume><name>{}</name><capacity>{}</capacity></volume>", name, capacity),
                                   "t.xml", {});
    ASSERT_TRUE(v) << v.error().message;
  }

  apitest::StorageNode node_;
  std::string dir_;
  std::unique_ptr<api::Server> server_;
  std::unique_ptr<daemon::NodeService> client_;
};

}  // namespace

TEST_F(ApiStorageTest, PoolsRoundTrip) {
  auto list = client_->listPools();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "default-pool");
  EXPECT_EQ((*list)[0].capacity, 100ull << 30);
  EXPECT_EQ((*list)[0].targetPath, "/default-pool");
  EXPECT_EQ((*list)[0].state, "running");

  auto byUuid = client_->lookupPool("dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
  ASSERT_TRUE(byUuid);
  EXPECT_EQ(byUuid->name, "default-pool");

  auto d = client_->definePool("<pool type='dir'><name>p 1</name><target><path>/p1</path></target><frob/></pool>",
                               "my file.xml");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->pool.name, "p 1");
  EXPECT_FALSE(d->pool.active);
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_EQ(d->warnings[0].where.file, "my file.xml");
  EXPECT_EQ(node_.lastCall(), "definePool my file.xml");

  daemon::PoolBuildOptions bo;
  bo.noOverwrite = true;
  auto b = client_->buildPool("p 1", bo);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(node_.lastCall(), "buildPool p 1 overwrite=false no_overwrite=true");
  EXPECT_TRUE(client_->buildPool("p 1", {}));
  daemon::PoolStartOptions so;
  so.build = true;
  EXPECT_FALSE(client_->startPool("p 1", so));
  EXPECT_EQ(node_.lastCall(), "startPool p 1 build=true");
  EXPECT_TRUE(client_->startPool("p 1", {}));
  EXPECT_TRUE(client_->refreshPool("p 1"));
  EXPECT_TRUE(client_->setPoolAutostart("p 1", true));
  EXPECT_EQ(node_.lastCall(), "setPoolAutostart p 1 true");
  EXPECT_TRUE(client_->lookupPool("p 1")->autostart);
  auto undefActive = client_->undefinePool("p 1");
  ASSERT_FALSE(undefActive);
  EXPECT_EQ(undefActive.error().code, ErrorCode::OperationInvalid);
  EXPECT_EQ(undefActive.error().message, "Requested operation is not valid: storage pool 'p 1' is active");
  EXPECT_TRUE(client_->destroyPool("p 1"));
  EXPECT_TRUE(client_->deletePool("p 1"));
  EXPECT_TRUE(client_->undefinePool("p 1"));
  EXPECT_EQ(node_.lastCall(), "undefinePool p 1");

  daemon::PoolStartOptions co;
  co.overwrite = true;
  EXPECT_FALSE(client_->createPool("<pool type='dir'><name>t</name><target><path>/t</path></target></pool>", "c.xml", co));
  EXPECT_EQ(node_.lastCall(), "createPool c.xml build=false overwrite=true no_overwrite=false");
  auto c = client_->createPool("<pool type='dir'><name>t</name><target><path>/t</path></target></pool>", "c.xml", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->pool.persistent);
  EXPECT_TRUE(c->pool.active);

  auto xml = client_->poolXml("default-pool", {});
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("<path>/default-pool</path>"), std::string::npos);
  auto inactive = client_->poolXml("default-pool", daemon::PoolXmlOptions{true});
  ASSERT_FALSE(inactive);
  EXPECT_EQ(node_.lastCall(), "poolXml default-pool inactive=true");

  auto src = client_->findPoolSources("netfs", "<source><host name='nfs.example'/></source>");
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_NE(src->find("nfs.example"), std::string::npos);
  auto noHost = client_->findPoolSources("netfs", "");
  ASSERT_FALSE(noHost);
  EXPECT_EQ(noHost.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(noHost.error().message, "invalid argument: hostname must be specified for netfs sources");
}

TEST_F(ApiStorageTest, PoolErrorsKeepCodeWordsAndStatus) {
  auto missing = client_->lookupPool("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NoStoragePool);
  EXPECT_EQ(missing.error().message, "Storage pool not found: no storage pool with matching name 'nope'");
  api::HttpConnection raw(dir_ + "/stratusd.sock");
  auto r = raw.request("GET", "/v1/storage-pools/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  auto vol = raw.request("GET", "/v1/storage-pools/default-pool/volumes/nope");
  ASSERT_TRUE(vol);
  EXPECT_EQ(vol->status, 404);
  auto bad = client_->definePool("<pool type='frob'><name>x</name></pool>", "x.xml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::XmlInvalid);
  auto badBody = raw.request("PUT", "/v1/storage-pools/default-pool/autostart", "application/json", "{\"enabled\":1}");
  ASSERT_TRUE(badBody);
  EXPECT_EQ(badBody->status, 400);
  auto badResize =
      raw.request("POST", "/v1/storage-pools/default-pool/volumes/x/actions/resize", "application/json", "{}");
  ASSERT_TRUE(badResize);
  EXPECT_EQ(badResize->status, 400);
  auto noKey = raw.request("GET", "/v1/storage-volumes");
  ASSERT_TRUE(noKey);
  EXPECT_EQ(noKey->status, 400);
  auto badOffset = raw.request("GET", "/v1/storage-pools/default-pool/volumes/x/content?offset=-1");
  ASSERT_TRUE(badOffset);
  EXPECT_EQ(badOffset->status, 400);
}

TEST_F(ApiStorageTest, VolumesRoundTrip) {
  daemon::VolumeCreateOptions o;
  o.preallocMetadata = true;
  auto v = client_->createVolume(
      "default-pool", "<volume><name>a b</name><capacity unit='M'>10</capacity><target><format type='qcow2'/></target></volume>",
      "v.xml", o);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->name, "a b");
  EXPECT_EQ(v->capacity, 10u << 20);
  EXPECT_EQ(v->format, "qcow2");
  EXPECT_EQ(v->path, "/default-pool/a b");
  EXPECT_EQ(node_.lastCall(), "createVolume default-pool v.xml prealloc=true");

  auto list = client_->listVolumes("default-pool");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "/default-pool/a b");

  // Without a pool: by key or path, then the verbs go to the pool it is in.
  auto byKey = client_->lookupVolume("", "/default-pool/a b");
  ASSERT_TRUE(byKey) << byKey.error().message;
  EXPECT_EQ(byKey->pool, "default-pool");
  EXPECT_EQ(node_.lastCall(), "lookupVolume  /default-pool/a b");
  auto missing = client_->lookupVolume("", "/nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NoStorageVolume);
  EXPECT_EQ(missing.error().message, "Storage volume not found: no storage vol with matching path '/nowhere'");

  daemon::VolumeResizeOptions ro;
  ro.delta = true;
  ro.allocate = true;
  EXPECT_TRUE(client_->resizeVolume("", "/default-pool/a b", 1u << 20, ro));
  EXPECT_EQ(node_.lastCall(), "resizeVolume default-pool a b 1048576 allocate=true delta=true shrink=false");
  auto shrink = client_->resizeVolume("default-pool", "a b", 1, {});
  ASSERT_FALSE(shrink);
  EXPECT_EQ(shrink.error().code, ErrorCode::InvalidArgument);

  daemon::VolumeWipeOptions wo;
  wo.algorithm = "gutmann";
  auto wipe = client_->wipeVolume("default-pool", "a b", wo);
  ASSERT_FALSE(wipe);
  EXPECT_EQ(node_.lastCall(), "wipeVolume default-pool a b gutmann");
  EXPECT_TRUE(client_->wipeVolume("default-pool", "a b", {}));

  auto xml = client_->volumeXml("", "/default-pool/a b");
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("<name>a b</name>"), std::string::npos);

  daemon::VolumeCreateOptions co;
  co.reflink = true;
  auto clone = client_->createVolumeFrom("default-pool", "<volume><name>c</name><capacity>1</capacity></volume>",
                                         "<vol-clone>", "", "/default-pool/a b", co);
  ASSERT_TRUE(clone) << clone.error().message;
  EXPECT_EQ(clone->name, "c");
  EXPECT_EQ(node_.lastCall(), "createVolumeFrom default-pool <vol-clone> from default-pool/a b prealloc=false reflink=true");
  auto dup = client_->createVolumeFrom("default-pool", "<volume><name>c</name><capacity>1</capacity></volume>", "x",
                                       "default-pool", "a b", {});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "operation failed: storage vol already exists");

  auto job = client_->volumeJobInfo("default-pool", "c");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->type, "none");
  auto abort = client_->abortVolumeJob("default-pool", "c");
  ASSERT_FALSE(abort);
  EXPECT_EQ(abort.error().code, ErrorCode::OperationInvalid);

  EXPECT_TRUE(client_->deleteVolume("", "/default-pool/c"));
  EXPECT_EQ(node_.lastCall(), "deleteVolume default-pool c");
  EXPECT_EQ(client_->listVolumes("default-pool")->size(), 1u);
}

TEST_F(ApiStorageTest, CopyCanBeWatchedAndCancelled) {
  makeVolume("slow-src", 1024);
  std::promise<Result<daemon::VolumeSummary>> done;
  std::thread copier([&] {
    done.set_value(client_->createVolumeFrom("default-pool", "<volume><name>dst</name><capacity>1</capacity></volume>",
                                             "x", "default-pool", "slow-src", {}));
  });
  ASSERT_TRUE(node_.waitForCopy(std::chrono::seconds(10)));
  auto job = client_->volumeJobInfo("default-pool", "dst");
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->type, "unbounded");
  EXPECT_EQ(job->dataProcessed, 40u);
  EXPECT_TRUE(client_->abortVolumeJob("default-pool", "dst"));
  auto r = done.get_future().get();
  copier.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  auto gone = client_->lookupVolume("default-pool", "dst");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::NoStorageVolume);
}

TEST_F(ApiStorageTest, SixtyFourMebibytesStreamBothWaysWithTheSameChecksum) {
  const std::size_t size = 64u << 20;
  makeVolume("big", size);
  std::string data = randomBytes(size, 7);
  BufferSource src(data);
  auto t0 = std::chrono::steady_clock::now();
  auto up = client_->uploadVolume("default-pool", "big", {}, src);
  auto upMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(node_.uploadDataBytes, size);
  // The server hands the body over as it arrives: never more than one read
  // buffer at a time, never the whole 64 MiB.
  EXPECT_LE(node_.uploadMaxChunk, 1u << 20);
  EXPECT_EQ(checksum(node_.content("default-pool", "big")), checksum(data));

  CollectSink sink;
  t0 = std::chrono::steady_clock::now();
  auto down = client_->downloadVolume("", "/default-pool/big", {}, sink);
  auto downMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("upload_ms", static_cast<int>(upMs));
  RecordProperty("download_ms", static_cast<int>(downMs));
  ASSERT_TRUE(down) << down.error().message;
  EXPECT_EQ(sink.bytes.size(), size);
  EXPECT_EQ(checksum(sink.bytes), checksum(data));
  EXPECT_GT(sink.writes, 1u);  // streamed in pieces
}

TEST_F(ApiStorageTest, OffsetAndLengthTravel) {
  makeVolume("v", 4096);
  node_.putContent("default-pool", "v", std::string(4096, 'a'));
  ChunkSource src({daemon::VolumeChunk{"0123456789", 0}});
  daemon::VolumeTransferOptions o;
  o.offset = 100;
  o.length = 4;
  ASSERT_TRUE(client_->uploadVolume("default-pool", "v", o, src));
  EXPECT_EQ(node_.lastCall(), "uploadVolume default-pool v offset=100 length=4 sparse=false");
  EXPECT_EQ(node_.content("default-pool", "v").substr(98, 8), "aa0123aa");
  CollectSink sink;
  daemon::VolumeTransferOptions d;
  d.offset = 99;
  d.length = 6;
  ASSERT_TRUE(client_->downloadVolume("default-pool", "v", d, sink));
  EXPECT_EQ(sink.bytes, "a0123a");
}

TEST_F(ApiStorageTest, SparseStreamsKeepTheirHoles) {
  const std::uint64_t mib = 1u << 20;
  makeVolume("sparse", 32 * mib);
  std::string a = randomBytes(mib, 1), b = randomBytes(mib, 2);
  // data, a 10 MiB hole, data, a 5 MiB hole at the end
  ChunkSource src({daemon::VolumeChunk{a, 0}, daemon::VolumeChunk{"", 10 * mib}, daemon::VolumeChunk{b, 0},
                   daemon::VolumeChunk{"", 5 * mib}});
  daemon::VolumeTransferOptions o;
  o.sparse = true;
  ASSERT_TRUE(client_->uploadVolume("default-pool", "sparse", o, src));
  EXPECT_EQ(node_.uploadHoleBytes, 15 * mib);
  EXPECT_EQ(node_.uploadDataBytes, 2 * mib);
  std::string want = a + std::string(10 * mib, '\0') + b + std::string(5 * mib, '\0');
  EXPECT_EQ(checksum(node_.content("default-pool", "sparse")), checksum(want));

  CollectSink sink;
  daemon::VolumeTransferOptions d;
  d.sparse = true;
  d.length = want.size();
  ASSERT_TRUE(client_->downloadVolume("default-pool", "sparse", d, sink));
  EXPECT_EQ(sink.holes, 15 * mib);
  EXPECT_EQ(checksum(sink.bytes), checksum(want));
  // Without --sparse the same bytes come as data.
  CollectSink dense;
  d.sparse = false;
  ASSERT_TRUE(client_->downloadVolume("default-pool", "sparse", d, dense));
  EXPECT_EQ(dense.holes, 0u);
  EXPECT_EQ(checksum(dense.bytes), checksum(want));
}

TEST_F(ApiStorageTest, StreamFailuresOnEitherSide) {
  makeVolume("v", 1u << 20);
  makeVolume("err-midway", 1u << 20);
  node_.putContent("default-pool", "err-midway", randomBytes(1u << 20, 3));

  // The node fails after the answer began: the trailer carries its error.
  CollectSink sink;
  auto mid = client_->downloadVolume("default-pool", "err-midway", {}, sink);
  ASSERT_FALSE(mid);
  EXPECT_EQ(mid.error().code, ErrorCode::OperationFailed);
  EXPECT_EQ(mid.error().message, "operation failed: the disk went away");
  EXPECT_EQ(sink.bytes.size(), 1000u);

  // Before any byte: a plain error answer.
  CollectSink none;
  auto missing = client_->downloadVolume("default-pool", "nope", {}, none);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NoStorageVolume);

  // The receiver gives up: its error, and the server lives on.
  node_.putContent("default-pool", "v", randomBytes(1u << 20, 4));
  CollectSink quitter;
  quitter.failAfterWrites = 1;
  auto quit = client_->downloadVolume("default-pool", "v", {}, quitter);
  ASSERT_FALSE(quit);
  EXPECT_EQ(quit.error().message, "operation aborted: sink gave up");

  // The sender gives up half way: the node sees a cut body and fails.
  ChunkSource src({daemon::VolumeChunk{std::string(1000, 'x'), 0}, daemon::VolumeChunk{std::string(1000, 'y'), 0}});
  src.failAfter = 1;
  auto cut = client_->uploadVolume("default-pool", "v", {}, src);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message, "operation aborted: source gave up");
  // An upload to a missing volume is refused whole.
  ChunkSource some({daemon::VolumeChunk{std::string(1000, 'x'), 0}});
  auto refused = client_->uploadVolume("default-pool", "nope", {}, some);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::NoStorageVolume);

  // Still serving, on the pooled connection too.
  EXPECT_TRUE(client_->lookupVolume("default-pool", "v"));
  EXPECT_TRUE(client_->listPools());
}

TEST_F(ApiStorageTest, MalformedSparseUploadIsRefused) {
  makeVolume("v", 4096);
  api::HttpConnection raw(dir_ + "/stratusd.sock");
  int calls = 0;
  auto r = raw.requestStreamingBody("PUT", "/v1/storage-pools/default-pool/volumes/v/content?sparse=1",
                                    api::kSparseVolumeType, [&]() -> Result<std::string> {
                                      if (calls++ == 0) return std::string("Zgarbage-and-more");
                                      return std::string();
                                    });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 400);
  auto err = api::errorFromReply(*r);
  EXPECT_NE(err.message.find("unknown record kind"), std::string::npos) << err.message;
  // A sparse body that stops without its end record.
  calls = 0;
  auto cut = raw.requestStreamingBody("PUT", "/v1/storage-pools/default-pool/volumes/v/content?sparse=1",
                                      api::kSparseVolumeType, [&]() -> Result<std::string> {
                                        if (calls++ == 0) return api::sparseRecordHeader('H', 10);
                                        return std::string();
                                      });
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->status, 400);
  EXPECT_NE(api::errorFromReply(*cut).message.find("without its end record"), std::string::npos);
}

TEST(ApiStorageDocs, TypesAndRoutesAreDocumented) {
  auto docs = apitest::loadApiDocs();
  auto expectFields = [&](const std::string& type, const json& j) {
    ASSERT_TRUE(docs.types.count(type)) << type << " not documented";
    EXPECT_EQ(apitest::keysOf(j), docs.types[type]) << "fields of " << type;
  };
  expectFields("PoolSummary", json(daemon::PoolSummary{}));
  expectFields("PoolDefineResult", json(daemon::PoolDefineResult{}));
  expectFields("PoolBuildOptions", json(daemon::PoolBuildOptions{}));
  expectFields("PoolStartOptions", json(daemon::PoolStartOptions{}));
  expectFields("VolumeSummary", json(daemon::VolumeSummary{}));
  expectFields("VolumeWipeOptions", json(daemon::VolumeWipeOptions{}));
  json resize = daemon::VolumeResizeOptions{};
  resize["capacity"] = 1;
  expectFields("VolumeResizeBody", resize);
  for (const char* r : {"/v1/storage-pools", "/v1/storage-pools/{pool}/volumes/{vol}/content"})
    EXPECT_TRUE(docs.routes.count({"GET", r})) << r;
  EXPECT_TRUE(docs.routes.count({"PUT", "/v1/storage-pools/{pool}/volumes/{vol}/content"}));
}

TEST(ApiSparseStream, DecoderTakesRecordsInAnyPieces) {
  std::string stream = api::sparseRecordHeader('D', 3) + "abc" + api::sparseRecordHeader('H', 1ull << 40) +
                       api::sparseRecordHeader('E', 0);
  api::SparseDecoder dec;
  std::vector<daemon::VolumeChunk> got;
  for (char c : stream) {
    dec.feed(std::string_view(&c, 1));
    for (;;) {
      auto r = dec.next();
      ASSERT_TRUE(r) << r.error().message;
      if (!*r) break;
      got.push_back(**r);
      if (dec.ended()) break;
    }
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, "abc");
  EXPECT_EQ(got[1].holeBytes, 1ull << 40);
  EXPECT_TRUE(got[2].end());
  api::SparseDecoder big;
  big.feed(api::sparseRecordHeader('D', api::kSparseMaxData + 1));
  EXPECT_FALSE(big.next());
  api::SparseDecoder emptyHole;
  emptyHole.feed(api::sparseRecordHeader('H', 0));
  EXPECT_FALSE(emptyHole.next());
}
