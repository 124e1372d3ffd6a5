// vol-upload / vol-download's byte movers on real files in a temp dir:
// offset/length, holes kept as holes both ways, progress and cancel.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "storage/pool_backend.h"
#include "temp_root.h"

namespace stratus::storage {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

// A source that serves a scripted list of chunks (data or holes).
class ScriptedSource : public daemon::VolumeSource {
 public:
  explicit ScriptedSource(std::vector<daemon::VolumeChunk> chunks) : chunks_(std::move(chunks)) {}
  Result<daemon::VolumeChunk> next() override {
    if (failAt_ && i_ == *failAt_) return Error(ErrorCode::ConnectFailed, "client went away");
    if (i_ >= chunks_.size()) return daemon::VolumeChunk{};
    return chunks_[i_++];
  }
  std::optional<std::size_t> failAt_;

 private:
  std::vector<daemon::VolumeChunk> chunks_;
  std::size_t i_ = 0;
};

// A sink recording what arrives (holes as runs of '\0' in `bytes`).
class RecordingSink : public daemon::VolumeSink {
 public:
  Status write(std::string_view d) override {
    bytes.append(d);
    dataBytes += d.size();
    return {};
  }
  Status hole(std::uint64_t n) override {
    bytes.append(n, '\0');
    holeBytes += n;
    return {};
  }
  std::string bytes;
  std::uint64_t dataBytes = 0, holeBytes = 0;
};

std::string randomBytes(std::size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(g() & 0xff);
  return s;
}

std::string readAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::uint64_t allocated(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

void makeFile(const std::string& path, std::uint64_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  ::close(fd);
}

class VolumeIo : public ::testing::Test {
 protected:
  testing::TempRoot tmp{"stratus-volio-"};
  std::string path = tmp.str() + "/vol.img";
  VolumeTarget target() { return VolumeTarget{path, "file", "raw"}; }
};

TEST_F(VolumeIo, UploadDataAndHolesKeepsHolesSparse) {
  makeFile(path, 0);
  auto a = randomBytes(MiB, 1), b = randomBytes(MiB, 2);
  ScriptedSource src({{a, 0}, {"", 8 * MiB}, {b, 0}, {"", 4 * MiB}});
  drivers::JobMonitor job("upload");
  ASSERT_TRUE(writeVolumeBytes(target(), {}, src, &job));
  std::string got = readAll(path);
  ASSERT_EQ(got.size(), 14 * MiB);  // the trailing hole extends the file
  EXPECT_EQ(got.substr(0, MiB), a);
  EXPECT_EQ(got.substr(9 * MiB, MiB), b);
  EXPECT_EQ(got.substr(MiB, 8 * MiB), std::string(8 * MiB, '\0'));
  EXPECT_LT(allocated(path), 4 * MiB) << "holes were written as zeros";
  EXPECT_EQ(job.snapshot().dataProcessed, 14 * MiB);
}

TEST_F(VolumeIo, UploadOverDataPunchesHoles) {
  {
    std::ofstream f(path, std::ios::binary);
    f << randomBytes(4 * MiB, 3);
  }
  ScriptedSource src({{"", 4 * MiB}});
  ASSERT_TRUE(writeVolumeBytes(target(), {}, src, nullptr));
  EXPECT_EQ(readAll(path), std::string(4 * MiB, '\0'));
  EXPECT_LT(allocated(path), MiB);
}

TEST_F(VolumeIo, UploadOffsetAndLength) {
  makeFile(path, 2 * MiB);
  daemon::VolumeTransferOptions o;
  o.offset = 1000;
  o.length = 10;
  ScriptedSource src({{"0123456789abcdef", 0}});
  ASSERT_TRUE(writeVolumeBytes(target(), o, src, nullptr));
  std::string got = readAll(path);
  ASSERT_EQ(got.size(), 2 * MiB);  // a file never shrinks on upload
  EXPECT_EQ(got.substr(1000, 12), std::string("0123456789") + std::string(2, '\0'));
}

TEST_F(VolumeIo, UploadFailureAndCancel) {
  makeFile(path, MiB);
  ScriptedSource broken({{"abc", 0}, {"def", 0}});
  broken.failAt_ = 1;
  auto r = writeVolumeBytes(target(), {}, broken, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("client went away"), std::string::npos);
  EXPECT_NE(r.error().message.find(path), std::string::npos);
  drivers::JobMonitor job("upload");
  job.requestCancel();
  ScriptedSource src({{"abc", 0}});
  auto c = writeVolumeBytes(target(), {}, src, &job);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Cancelled);
}

TEST_F(VolumeIo, DownloadSparseSendsHoles) {
  makeFile(path, 16 * MiB);
  auto a = randomBytes(MiB, 4);
  {
    int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_EQ(::pwrite(fd, a.data(), a.size(), static_cast<off_t>(8 * MiB)), static_cast<ssize_t>(a.size()));
    ::close(fd);
  }
  daemon::VolumeTransferOptions o;
  o.sparse = true;
  RecordingSink sparse;
  drivers::JobMonitor job("download");
  ASSERT_TRUE(readVolumeBytes(target(), o, sparse, &job));
  ASSERT_EQ(sparse.bytes.size(), 16 * MiB);
  EXPECT_EQ(sparse.bytes.substr(8 * MiB, MiB), a);
  EXPECT_EQ(sparse.dataBytes, MiB);
  EXPECT_EQ(sparse.holeBytes, 15 * MiB);
  EXPECT_EQ(job.snapshot().dataTotal, 16 * MiB);
  EXPECT_EQ(job.snapshot().dataProcessed, 16 * MiB);

  RecordingSink dense;
  ASSERT_TRUE(readVolumeBytes(target(), {}, dense, nullptr));
  EXPECT_EQ(dense.bytes, sparse.bytes);
  EXPECT_EQ(dense.holeBytes, 0u);
}

TEST_F(VolumeIo, DownloadRangeAndBadOffset) {
  {
    std::ofstream f(path, std::ios::binary);
    f << "0123456789";
  }
  daemon::VolumeTransferOptions o;
  o.offset = 3;
  o.length = 4;
  RecordingSink s;
  ASSERT_TRUE(readVolumeBytes(target(), o, s, nullptr));
  EXPECT_EQ(s.bytes, "3456");
  o.offset = 8;
  o.length = 100;
  RecordingSink tail;
  ASSERT_TRUE(readVolumeBytes(target(), o, tail, nullptr));
  EXPECT_EQ(tail.bytes, "89");
  o.offset = 11;
  RecordingSink none;
  auto r = readVolumeBytes(target(), o, none, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

TEST_F(VolumeIo, NetworkVolumesAndMissingFiles) {
  RecordingSink s;
  auto net = readVolumeBytes(VolumeTarget{"iscsi://h:3260/iqn.x/1", "network", "raw"}, {}, s, nullptr);
  ASSERT_FALSE(net);
  EXPECT_EQ(net.error().code, ErrorCode::Unsupported);
  auto missing = readVolumeBytes(VolumeTarget{tmp.str() + "/nope", "file", "raw"}, {}, s, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nope"), std::string::npos);
}

}  // namespace
}  // namespace stratus::storage
