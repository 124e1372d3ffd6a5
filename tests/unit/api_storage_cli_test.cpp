// The storage commands through the whole client stack: `stratus` talking to
// a daemon's API (NodeClient -> HTTP on a unix socket -> routes) in front of
// the in-memory storage fake. Every golden case of tests/data/cli/storage
// prints over the API what virsh printed; real files go up and down as
// streams (sparse files stay sparse); Ctrl-C in the middle of a transfer
// ends it on both sides and leaves the daemon serving.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "api/client.h"
#include "api/server.h"
#include "cli/ctl.h"
#include "storage_fake_node.h"

using namespace stratus;
namespace fs = std::filesystem;

namespace {

const fs::path kData = STRATUS_CLI_DATA_DIR;
const fs::path kStorageData = STRATUS_CLI_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct Captured {
  bool ok;
  std::string out, err;
};

// A daemon (API server over a fresh storage fake) and `stratus` connected to it.
class Daemon {
 public:
  explicit Daemon(const fs::path& dir) : socket_((dir / "stratusd.sock").string()) {
    api::ServerOptions o;
    o.socketPath = socket_;
    auto s = api::Server::start(node, o);
    if (s.ok()) server_ = std::move(s).value();
  }
  bool up() const { return server_ != nullptr; }
  Captured run(std::string_view line, bool quiet = false) {
    char* outBuf = nullptr;
    char* errBuf = nullptr;
    std::size_t outLen = 0, errLen = 0;
    FILE* out = open_memstream(&outBuf, &outLen);
    FILE* err = open_memstream(&errBuf, &errLen);
    Captured c{false, {}, {}};
    {
      cli::Ctl ctl("stratus:///test", out, err);
      ctl.quiet = quiet;
      auto client = api::connectToDaemon(socket_, "stratus:///test");
      if (client.ok()) {
        ctl.setConnection(std::move(client).value(), "stratus:///test");
        c.ok = ctl.runLine(line);
      }
    }
    std::fclose(out);
    std::fclose(err);
    c.out.assign(outBuf, outLen);
    c.err.assign(errBuf, errLen);
    std::free(outBuf);
    std::free(errBuf);
    return c;
  }

  apitest::StorageNode node;

 private:
  std::string socket_;
  std::unique_ptr<api::Server> server_;
};

class StorageOverApi : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = fs::current_path();
    char tmpl[] = "/tmp/stratus-storage-api-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const auto& e : fs::directory_iterator(kData))
      if (e.path().extension() == ".xml") fs::copy_file(e.path(), dir_ / e.path().filename());
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path old_, dir_;
};

}  // namespace

TEST_F(StorageOverApi, GoldenCasesPrintWhatVirshPrinted) {
  int compared = 0;
  for (const auto& e : fs::directory_iterator(kStorageData)) {
    std::string name = e.path().stem();
    if (e.path().extension() != ".cmd" || !apitest::isStorageCase(name)) continue;
    std::string cmd = slurp(e.path());
    while (!cmd.empty() && cmd.back() == '\n') cmd.pop_back();
    std::string opts = fs::exists(kStorageData / (name + ".opts")) ? slurp(kStorageData / (name + ".opts")) : "";
    Daemon d(dir_);
    ASSERT_TRUE(d.up());
    auto got = d.run(cmd, opts.find("-q") != std::string::npos);
    EXPECT_EQ(got.out, slurp(kStorageData / (name + ".out"))) << name << ": " << cmd;
    EXPECT_EQ(got.err, slurp(kStorageData / (name + ".err"))) << name << ": " << cmd;
    EXPECT_EQ(got.ok ? 0 : 1, std::stoi(slurp(kStorageData / (name + ".rc")))) << name << ": " << cmd;
    ++compared;
  }
  EXPECT_GT(compared, 90);
}

TEST_F(StorageOverApi, SparseFileRoundTripThroughTheDaemon) {
  const off_t mib = 1 << 20;
  std::string a = randomBytes(mib, 1), b = randomBytes(3 * mib / 2, 2);
  {
    int fd = ::open("disk.img", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, a.data(), a.size(), 0), mib);
    ASSERT_EQ(::pwrite(fd, b.data(), b.size(), 20 * mib), static_cast<ssize_t>(b.size()));
    ASSERT_EQ(::ftruncate(fd, 32 * mib), 0);
    ::close(fd);
  }
  struct stat st;
  ASSERT_EQ(::stat("disk.img", &st), 0);
  bool fsHoles = st.st_blocks * 512 < st.st_size;
  Daemon d(dir_);
  ASSERT_TRUE(d.up());
  auto r = d.run(
      "vol-create-as default-pool disk 32M; vol-upload disk disk.img --pool default-pool --sparse --verbose; "
      "vol-download /default-pool/disk back.img --sparse --verbose");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_NE(r.err.find("\rUpload: [100 %]\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\rDownload: [100 %]\n"), std::string::npos) << r.err;
  EXPECT_EQ(slurp("back.img"), slurp("disk.img"));
  EXPECT_GE(d.node.downloadHoleBytes, 28u * mib);
  if (!fsHoles) GTEST_SKIP() << "this file system does not keep holes: the upload's holes cannot be checked";
  EXPECT_GE(d.node.uploadHoleBytes, 28u * mib);
  ASSERT_EQ(::stat("back.img", &st), 0);
  EXPECT_EQ(st.st_size, 32 * mib);
  EXPECT_LT(st.st_blocks * 512, 8 * mib);
}

TEST_F(StorageOverApi, CtrlCEndsAnUploadOnBothSides) {
  std::ofstream("in.bin", std::ios::binary) << randomBytes(8u << 20, 9);
  Daemon d(dir_);
  ASSERT_TRUE(d.up());
  ASSERT_TRUE(d.run("vol-create-as default-pool v 16M").ok);
  // Once: a piece already in flight when the CLI gave up would otherwise
  // raise it again after the CLI put back the default action, killing the test.
  d.node.onUploadChunk = [once = std::make_shared<std::once_flag>()] { std::call_once(*once, [] { std::raise(SIGINT); }); };
  auto r = d.run("vol-upload v in.bin --pool default-pool");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: cannot upload to volume v\nerror: operation aborted: transfer cancelled by the user\n");
  // The node saw a cut stream: nothing of it was stored.
  EXPECT_EQ(d.node.content("default-pool", "v"), "");
  d.node.onUploadChunk = nullptr;
  auto after = d.run("vol-upload v in.bin --pool default-pool; vol-info v --pool default-pool");
  EXPECT_TRUE(after.ok) << after.err;
  EXPECT_EQ(d.node.content("default-pool", "v"), slurp("in.bin"));
}

TEST_F(StorageOverApi, DownloadFailingMidwayRemovesTheNewFile) {
  Daemon d(dir_);
  ASSERT_TRUE(d.up());
  auto r = d.run("vol-create-as default-pool err-midway 1M; vol-download err-midway out.bin --pool default-pool");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: cannot download from volume err-midway\nerror: operation failed: the disk went away\n");
  EXPECT_FALSE(fs::exists("out.bin"));
}

TEST_F(StorageOverApi, CopyCancelledFromTheCliOverTheApi) {
  Daemon d(dir_);
  ASSERT_TRUE(d.up());
  ASSERT_TRUE(d.run("vol-create-as default-pool slow 1M").ok);
  std::thread interrupter([&] {
    if (d.node.waitForCopy(std::chrono::seconds(20))) std::raise(SIGINT);
  });
  auto r = d.run("vol-create-from default-pool vol-raw.xml slow --inputpool default-pool --verbose");
  interrupter.join();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.find("error: Failed to create vol from vol-raw.xml\nerror: operation aborted: volume copy cancelled\n"),
            std::string::npos)
      << r.err;
  auto list = d.run("vol-list default-pool");
  EXPECT_EQ(list.out.find("v2"), std::string::npos) << "a cancelled copy left a volume behind";
}

TEST_F(StorageOverApi, CtrlCEndsADownloadOnBothSides) {
  Daemon d(dir_);
  ASSERT_TRUE(d.up());
  ASSERT_TRUE(d.run("vol-create-as default-pool v 16M").ok);
  d.node.putContent("default-pool", "v", randomBytes(16u << 20, 4));
  // Once: a piece already in flight when the CLI gave up would otherwise
  // raise it again after the CLI put back the default action, killing the test.
  d.node.onDownloadPiece = [once = std::make_shared<std::once_flag>()] { std::call_once(*once, [] { std::raise(SIGINT); }); };
  auto r = d.run("vol-download v out.bin --pool default-pool");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: cannot download from volume v\nerror: operation aborted: transfer cancelled by the user\n");
  EXPECT_FALSE(fs::exists("out.bin"));
  // The daemon's side noticed the client going away and stopped reading the
  // volume; then it serves the next request.
  EXPECT_NE(d.node.downloadResult, "ok");
  d.node.onDownloadPiece = nullptr;
  auto again = d.run("vol-download v out.bin --pool default-pool");
  EXPECT_TRUE(again.ok) << again.err;
  EXPECT_EQ(slurp("out.bin"), d.node.content("default-pool", "v"));
}
