// The pool-* and vol-* commands against the storage fake (modelled on
// libvirt's test driver): every golden case of tests/data/cli/storage the
// fake can play is compared with what the real virsh printed; what the
// golden data cannot show (--json, uploads and downloads of real files,
// sparse files, progress, Ctrl-C, pool-edit, read-only connections) is
// checked here.
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
#include <functional>
#include <future>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/ctl.h"
#include "cli/readonly_node.h"
#include "cli/storage_cli.h"
#include "storage_fake_node.h"

using namespace stratus;
using namespace stratus::cli;
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

struct Captured {
  bool ok;
  std::string out, err;
};

// Runs `line` on a connection to `fake`; `during` sees the fake while the
// connection (which owns it) is open.
Captured run(std::unique_ptr<apitest::StorageNode> fake, std::string_view line, bool quiet = false,
             bool readonly = false, const std::function<void(apitest::StorageNode&)>& after = {}) {
  apitest::StorageNode* raw = fake.get();
  std::unique_ptr<daemon::NodeService> node = std::move(fake);
  char* outBuf = nullptr;
  char* errBuf = nullptr;
  std::size_t outLen = 0, errLen = 0;
  FILE* out = open_memstream(&outBuf, &outLen);
  FILE* err = open_memstream(&errBuf, &errLen);
  Captured c;
  {
    Ctl ctl("test:///default", out, err);
    ctl.quiet = quiet;
    if (readonly) node = makeReadonly(std::move(node));
    ctl.setConnection(std::move(node), "test:///default");
    c.ok = ctl.runLine(line);
    if (after) after(*raw);
  }
  std::fclose(out);
  std::fclose(err);
  c.out.assign(outBuf, outLen);
  c.err.assign(errBuf, errLen);
  std::free(outBuf);
  std::free(errBuf);
  return c;
}

Captured run(std::string_view line) { return run(std::make_unique<apitest::StorageNode>(), line); }

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Runs in a scratch directory holding the golden data's XML files.
class CliStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("stratus-cli-storage-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(kData))
      if (e.path().extension() == ".xml") fs::copy_file(e.path(), dir_ / e.path().filename());
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_);
    fs::remove_all(dir_);
  }
  fs::path old_, dir_;
};

// Golden cases the fake cannot play like libvirt's test driver, and why.
const std::set<std::string> kFakeCannot = {};

}  // namespace

TEST_F(CliStorage, GoldenCasesAgainstTheFake) {
  int compared = 0;
  for (const auto& e : fs::directory_iterator(kStorageData)) {
    std::string name = e.path().stem();
    if (e.path().extension() != ".cmd" || !apitest::isStorageCase(name) || kFakeCannot.count(name)) continue;
    std::string cmd = slurp(e.path());
    while (!cmd.empty() && cmd.back() == '\n') cmd.pop_back();
    std::string opts = fs::exists(kStorageData / (name + ".opts")) ? slurp(kStorageData / (name + ".opts")) : "";
    auto got = run(std::make_unique<apitest::StorageNode>(), cmd, opts.find("-q") != std::string::npos,
                   opts.find("-r") != std::string::npos);
    EXPECT_EQ(got.out, slurp(kStorageData / (name + ".out"))) << name << ": " << cmd;
    EXPECT_EQ(got.err, slurp(kStorageData / (name + ".err"))) << name << ": " << cmd;
    EXPECT_EQ(got.ok ? 0 : 1, std::stoi(slurp(kStorageData / (name + ".rc")))) << name << ": " << cmd;
    ++compared;
  }
  EXPECT_GT(compared, 90);
}

// Every storage case has its data files, and no data file is left over.
TEST(CliStorageData, CasesAndFilesAgree) {
  std::set<std::string> listed;
  std::istringstream in(slurp(kData / "cases.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string head = line.substr(0, line.find('|'));
    std::string name = head.substr(0, head.find(' '));
    if (apitest::isStorageCase(name)) listed.insert(name);
  }
  EXPECT_GT(listed.size(), 90u);
  for (const auto& name : listed)
    for (const char* ext : {".cmd", ".out", ".err", ".rc"})
      EXPECT_TRUE(fs::exists(kStorageData / (name + ext))) << name << ext << " missing: run capture.sh";
  for (const auto& e : fs::directory_iterator(kStorageData))
    if (apitest::isStorageCase(e.path().stem()))
      EXPECT_TRUE(listed.count(e.path().stem())) << e.path().filename() << " is not in cases.txt";
}

TEST_F(CliStorage, JsonOnListsAndInfos) {
  auto list = run("pool-list --all --json");
  ASSERT_TRUE(list.ok) << list.err;
  auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "default-pool");
  EXPECT_EQ(j[0]["uuid"], "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
  EXPECT_EQ(j[0]["capacity"], 100ull << 30);
  EXPECT_EQ(j[0]["targetPath"], "/default-pool");
  EXPECT_EQ(j[0]["state"], "running");
  // Filters apply to --json as to the table.
  EXPECT_EQ(nlohmann::json::parse(run("pool-list --inactive --json").out).size(), 0u);

  auto info = run("pool-info default-pool --json");
  ASSERT_TRUE(info.ok);
  EXPECT_EQ(nlohmann::json::parse(info.out)["type"], "dir");

  auto vols = run("vol-create-as default-pool b 2M --format qcow2; vol-create-as default-pool a 1M; "
                  "vol-list default-pool --json");
  ASSERT_TRUE(vols.ok) << vols.err;
  auto arr = nlohmann::json::parse(vols.out.substr(vols.out.find('[')));
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr[0]["name"], "a");  // sorted by name
  EXPECT_EQ(arr[1]["format"], "qcow2");
  EXPECT_EQ(arr[1]["capacity"], 2u << 20);

  auto vi = run("vol-create-as default-pool a 1M; vol-info /default-pool/a --json");
  ASSERT_TRUE(vi.ok) << vi.err;
  auto o = nlohmann::json::parse(vi.out.substr(vi.out.find('{')));
  EXPECT_EQ(o["path"], "/default-pool/a");
  EXPECT_EQ(o["pool"], "default-pool");
}

TEST_F(CliStorage, VolumeVerbsReachTheNodeWithTheirOptions) {
  auto node = std::make_unique<apitest::StorageNode>();
  auto r = run(std::move(node),
               "vol-create-as default-pool v 1G --prealloc-metadata; vol-resize v 2G --pool default-pool --allocate; "
               "vol-resize /default-pool/v -1G --shrink; vol-wipe v --pool default-pool --algorithm zero; "
               "vol-create-from default-pool vol-raw.xml /default-pool/v --reflink; vol-delete v2 --pool default-pool "
               "--delete-snapshots",
               false, false, [](apitest::StorageNode& n) {
                 auto calls = n.allCalls();
                 auto has = [&](const std::string& c) {
                   return std::find(calls.begin(), calls.end(), c) != calls.end();
                 };
                 EXPECT_TRUE(has("createVolume default-pool <vol-create-as> prealloc=true"));
                 EXPECT_TRUE(has("resizeVolume default-pool v 2147483648 allocate=true delta=false shrink=false"));
                 EXPECT_TRUE(has("resizeVolume default-pool v 1073741824 allocate=false delta=true shrink=true"));
                 EXPECT_TRUE(has("wipeVolume default-pool v zero"));
                 EXPECT_TRUE(has("createVolumeFrom default-pool vol-raw.xml from default-pool/v prealloc=false reflink=true"));
                 EXPECT_TRUE(has("deleteVolume default-pool v2"));
               });
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.out,
            "Vol v created\n\n"
            "Size of volume 'v' successfully changed to 2G\n\n"
            "Size of volume 'v' successfully changed by 1G\n\n"
            "Vol v wiped\n\n"
            "Vol v2 created from input vol v\n\n"
            "Vol v2 deleted\n\n");
  auto info = run("vol-create-as default-pool v 1G; vol-resize v 1 --pool default-pool");
  EXPECT_FALSE(info.ok);
  EXPECT_EQ(info.err,
            "error: Failed to change size of volume 'v' to 1\n"
            "error: invalid argument: Can't shrink capacity below current capacity unless shrink flag explicitly "
            "specified\n");
  auto alg = run("vol-create-as default-pool v 1G; vol-wipe v --pool default-pool --algorithm gutmann");
  EXPECT_FALSE(alg.ok);
  EXPECT_EQ(alg.err, "error: Failed to wipe vol v\nerror: unsupported configuration: wiping algorithm 'gutmann'\n");
  auto phys = run("vol-create-as default-pool v 1G; vol-info v --pool default-pool --physical --bytes");
  ASSERT_TRUE(phys.ok) << phys.err;
  EXPECT_NE(phys.out.find("Physical:       0 bytes\n"), std::string::npos) << phys.out;
  auto other = run("vol-create-as default-pool v 1G; vol-info v --pool nope");
  EXPECT_EQ(other.err, "error: failed to get pool 'nope'\nerror: Storage pool not found: no storage pool with matching name 'nope'\n");
}

TEST_F(CliStorage, PoolVerbsCarryBuildOptions) {
  auto r = run(std::make_unique<apitest::StorageNode>(),
               "pool-define pool-dir.xml; pool-start p1 --build; pool-build p1 --overwrite", false, false,
               [](apitest::StorageNode& n) {
                 auto calls = n.allCalls();
                 EXPECT_NE(std::find(calls.begin(), calls.end(), "startPool p1 build=true"), calls.end());
                 EXPECT_NE(std::find(calls.begin(), calls.end(), "buildPool p1 overwrite=true no_overwrite=false"),
                           calls.end());
               });
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err,
            "error: Failed to start pool p1\nerror: unsupported flags (0x1) in function testStoragePoolCreate\n"
            "error: Failed to build pool p1\nerror: unsupported flags (0x8) in function testStoragePoolBuild\n");
  auto src = run("find-storage-pool-sources-as netfs --host nfs.example --port 2049");
  ASSERT_TRUE(src.ok) << src.err;
  EXPECT_NE(src.out.find("<host name='nfs.example'/>"), std::string::npos);
  EXPECT_EQ(buildSourceSpec("h", "2049", "iqn.x"),
            "<source>\n  <host name='h' port='2049'/>\n  <initiator>\n    <iqn name='iqn.x'/>\n  </initiator>\n</source>\n");
  std::ofstream("spec.xml") << "<source><host name='files.example'/></source>";
  auto fromFile = run("find-storage-pool-sources netfs --srcSpec spec.xml");
  ASSERT_TRUE(fromFile.ok) << fromFile.err;
  EXPECT_NE(fromFile.out.find("files.example"), std::string::npos);
}

TEST_F(CliStorage, PoolEdit) {
  const char* old = std::getenv("EDITOR");
  std::string saved = old ? old : "";
  unsetenv("VISUAL");
  setenv("EDITOR", "true", 1);
  auto same = run("pool-edit default-pool");
  EXPECT_TRUE(same.ok) << same.err;
  EXPECT_EQ(same.out, "Pool default-pool XML configuration not changed.\n\n");
  setenv("EDITOR", "sed -i s,/default-pool,/elsewhere,", 1);
  auto changed = run(std::make_unique<apitest::StorageNode>(), "pool-edit default-pool", false, false,
                     [](apitest::StorageNode& n) { EXPECT_EQ(n.pools["default-pool"].info.targetPath, "/elsewhere"); });
  EXPECT_TRUE(changed.ok) << changed.err;
  EXPECT_EQ(changed.out, "Pool default-pool XML configuration edited.\n\n");
  if (old)
    setenv("EDITOR", saved.c_str(), 1);
  else
    unsetenv("EDITOR");
}

TEST_F(CliStorage, ReadonlyConnectionsRefuseChanges) {
  auto r = run(std::make_unique<apitest::StorageNode>(), "pool-list; pool-define pool-dir.xml", false, true);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.out.find("default-pool"), std::string::npos);
  EXPECT_EQ(r.err,
            "error: Failed to define pool from pool-dir.xml\n"
            "error: operation forbidden: read only access prevents virStoragePoolDefineXML\n");
  auto up = run(std::make_unique<apitest::StorageNode>(), "vol-list default-pool; vol-upload x pool-dir.xml --pool default-pool", false, true);
  EXPECT_FALSE(up.ok);
}

TEST_F(CliStorage, UploadAndDownloadRealFiles) {
  std::string data = randomBytes(3u << 20, 11);
  std::ofstream("in.bin", std::ios::binary) << data;
  auto node = std::make_unique<apitest::StorageNode>();
  auto r = run(std::move(node),
               "vol-create-as default-pool v 4M; vol-upload v in.bin --pool default-pool --verbose; "
               "vol-download /default-pool/v out.bin --length 3145728 --verbose",
               false, false, [&](apitest::StorageNode& n) { EXPECT_EQ(n.content("default-pool", "v"), data); });
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(slurp("out.bin"), data);
  // virsh's progress bar on stderr, ending at 100 %.
  EXPECT_NE(r.err.find("\rUpload: [100 %]\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\rDownload: [ 33 %]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\rDownload: [100 %]\n"), std::string::npos) << r.err;

  // Offset and length: a window of the file into a window of the volume.
  auto win = run(std::make_unique<apitest::StorageNode>(),
                 "vol-create-as default-pool v 4M; vol-upload v in.bin --pool default-pool --offset 10 --length 5", false,
                 false, [&](apitest::StorageNode& n) {
                   auto c = n.content("default-pool", "v");
                   ASSERT_GE(c.size(), 15u);
                   EXPECT_EQ(c.substr(10, 5), data.substr(0, 5));
                   EXPECT_EQ(c.substr(0, 10), std::string(10, '\0'));
                 });
  ASSERT_TRUE(win.ok) << win.err;
}

TEST_F(CliStorage, SparseFilesKeepTheirHoles) {
  const off_t mib = 1 << 20;
  {
    int fd = ::open("sparse.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::string a = randomBytes(mib, 1), b = randomBytes(mib, 2);
    ASSERT_EQ(::pwrite(fd, a.data(), a.size(), 0), mib);
    ASSERT_EQ(::pwrite(fd, b.data(), b.size(), 9 * mib), mib);
    ASSERT_EQ(::ftruncate(fd, 16 * mib), 0);
    ::close(fd);
  }
  struct stat st;
  ASSERT_EQ(::stat("sparse.bin", &st), 0);
  if (st.st_blocks * 512 >= st.st_size) GTEST_SKIP() << "this file system does not keep holes in files";
  std::string want = slurp("sparse.bin");
  std::uint64_t holes = 0;
  auto r = run(std::make_unique<apitest::StorageNode>(),
               "vol-create-as default-pool v 16M; vol-upload v sparse.bin --pool default-pool --sparse; "
               "vol-download v back.bin --pool default-pool --sparse",
               false, false, [&](apitest::StorageNode& n) {
                 holes = n.uploadHoleBytes;
                 EXPECT_EQ(n.content("default-pool", "v"), want);
                 EXPECT_GE(n.downloadHoleBytes, 13u * mib);
               });
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_GE(holes, 13u * mib);  // holes travelled as holes, not as zeros
  EXPECT_EQ(slurp("back.bin"), want);
  struct stat back;
  ASSERT_EQ(::stat("back.bin", &back), 0);
  EXPECT_EQ(back.st_size, 16 * mib);
  EXPECT_LT(back.st_blocks * 512, 4 * mib) << "the download wrote its holes as zeros";
}

TEST_F(CliStorage, CtrlCCancelsAnUpload) {
  std::ofstream("in.bin", std::ios::binary) << randomBytes(4u << 20, 5);
  auto node = std::make_unique<apitest::StorageNode>();
  // Once: a piece already in flight when the CLI gave up would otherwise
  // raise it again after the CLI put back the default action, killing the test.
  node->onUploadChunk = [once = std::make_shared<std::once_flag>()] { std::call_once(*once, [] { std::raise(SIGINT); }); };
  auto r = run(std::move(node), "vol-create-as default-pool v 8M; vol-upload v in.bin --pool default-pool", false,
               false, [](apitest::StorageNode& n) { EXPECT_EQ(n.uploadDataBytes, 1u << 20); });
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: cannot upload to volume v\nerror: operation aborted: transfer cancelled by the user\n");
  // The handler is gone afterwards: SIGINT is back to what it was.
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST_F(CliStorage, CtrlCCancelsACopy) {
  auto node = std::make_unique<apitest::StorageNode>();
  apitest::StorageNode* raw = node.get();
  std::thread interrupter([raw] {
    if (raw->waitForCopy(std::chrono::seconds(20))) std::raise(SIGINT);
  });
  auto r = run(std::move(node), "vol-create-as default-pool slow 1M; vol-clone slow copy --pool default-pool --verbose",
               false, false, [](apitest::StorageNode& n) {
                 auto calls = n.allCalls();
                 EXPECT_NE(std::find(calls.begin(), calls.end(), "abortVolumeJob default-pool copy"), calls.end());
               });
  interrupter.join();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.find("error: Failed to clone vol from slow\nerror: operation aborted: volume copy cancelled\n"),
            std::string::npos)
      << r.err;
}

TEST_F(CliStorage, FailedDownloadLeavesNoNewFile) {
  auto r = run("vol-create-as default-pool err-midway 1M; vol-download err-midway dl.bin --pool default-pool");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: cannot download from volume err-midway\nerror: operation failed: the disk went away\n");
  EXPECT_FALSE(fs::exists("dl.bin"));
  // A file that was there before stays (truncated, as virsh leaves it).
  std::ofstream("keep.bin") << "x";
  run("vol-create-as default-pool err-midway 1M; vol-download err-midway keep.bin --pool default-pool");
  EXPECT_TRUE(fs::exists("keep.bin"));
}

TEST(CliStorageHelpers, CapacityAndSizes) {
  EXPECT_EQ(prettyCapacity(0), "0.00 B");
  EXPECT_EQ(prettyCapacity(1023), "1023.00 B");
  EXPECT_EQ(prettyCapacity(1024), "1.00 KiB");
  EXPECT_EQ(prettyCapacity(100ull << 30), "100.00 GiB");
  EXPECT_EQ(prettyCapacity(1536ull << 40), "1.50 PiB");
  EXPECT_EQ(prettyCapacity(UINT64_MAX), "16.00 EiB");
  EXPECT_EQ(parseSizeBytes("1G"), 1ull << 30);
  EXPECT_EQ(parseSizeBytes("1500"), 1500u);
  EXPECT_EQ(parseSizeBytes("2MB"), 2000000u);
  EXPECT_EQ(parseSizeBytes("3KiB"), 3072u);
  EXPECT_EQ(parseSizeBytes("1e"), 1ull << 60);
  EXPECT_EQ(parseSizeBytes("10bytes"), 10u);
  EXPECT_FALSE(parseSizeBytes("abc"));
  EXPECT_FALSE(parseSizeBytes("-1"));
  EXPECT_FALSE(parseSizeBytes("1X"));
  EXPECT_FALSE(parseSizeBytes("16E"));  // overflows
}

TEST(CliStorageHelpers, CloneXmlKeepsEverythingButTheName) {
  auto x = cloneVolumeXml(
      "<volume type='file'>\n  <name>v1</name>\n  <key>/p/v1</key>\n  <target>\n    <format type='raw'/>\n  "
      "</target>\n</volume>\n",
      "v&3");
  ASSERT_TRUE(x) << x.error().message;
  EXPECT_EQ(*x,
            "<volume type=\"file\">\n  <name>v&amp;3</name>\n  <key>/p/v1</key>\n  <target>\n    <format "
            "type=\"raw\"/>\n  </target>\n</volume>");
  EXPECT_FALSE(cloneVolumeXml("<volume>", "x"));
  EXPECT_FALSE(cloneVolumeXml("<volume/>", "x"));
}

TEST(CliStorageHelpers, EveryCommandHasHelpAndAGroup) {
  std::set<std::string> names;
  for (const auto& c : storageCommands()) {
    names.insert(std::string(c.name));
    EXPECT_TRUE(c.group == "Storage Pool" || c.group == "Storage Volume") << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_NE(findCommand(c.name), nullptr) << c.name << " not in the command table";
  }
  EXPECT_EQ(names.size(), 35u);
  auto help = run("help pool");
  EXPECT_TRUE(help.ok);
  EXPECT_NE(help.out.find(" Storage Pool (help keyword 'pool'):\n"), std::string::npos) << help.out;
  auto one = run("help vol-upload");
  EXPECT_TRUE(one.ok) << one.err;
  EXPECT_NE(one.out.find("--sparse"), std::string::npos);
}

TEST_F(CliStorage, AVolumeOfAnotherPoolIsNotTaken) {
  auto r = run("pool-create-as other dir --target /other; vol-create-as other v 1M; "
               "vol-info /other/v --pool default-pool");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err, "error: Requested volume '/other/v' is not in pool 'default-pool'\n");
  auto ok = run("pool-create-as other dir --target /other; vol-create-as other v 1M; vol-path /other/v --pool other");
  EXPECT_TRUE(ok.ok) << ok.err;
  EXPECT_NE(ok.out.find("/other/v\n"), std::string::npos);
}
