// Volume bytes on a block device (a loop device standing in for an LV or a
// disk): upload, download and wipe go through the device, not a file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "storage/pool_backend.h"
#include "storage/volume_wipe.h"
#include "storage_host_support.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

using testing::LoopDevice;
constexpr std::uint64_t MiB = 1 << 20;

class ScriptedSource : public daemon::VolumeSource {
 public:
  explicit ScriptedSource(std::vector<daemon::VolumeChunk> c) : chunks_(std::move(c)) {}
  Result<daemon::VolumeChunk> next() override {
    return i_ < chunks_.size() ? chunks_[i_++] : daemon::VolumeChunk{};
  }

 private:
  std::vector<daemon::VolumeChunk> chunks_;
  std::size_t i_ = 0;
};

class StringSink : public daemon::VolumeSink {
 public:
  Status write(std::string_view d) override {
    bytes.append(d);
    return {};
  }
  Status hole(std::uint64_t n) override {
    bytes.append(n, '\0');
    holes += n;
    return {};
  }
  std::string bytes;
  std::uint64_t holes = 0;
};

std::string pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 % 251);
  return s;
}

TEST(BlockVolumeIo, UploadDownloadWipeOnALoopDevice) {
  STORAGE_REQUIRE_ROOT();
  STORAGE_REQUIRE_TOOL("losetup");
  auto root = std::filesystem::temp_directory_path() / ("stratus-blockio-" + Uuid::generate().str());
  std::filesystem::create_directories(root);
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(p, ec);
    }
  } cleanup{root};
  LoopDevice loop((root / "disk.img").string(), 16 * MiB);
  ASSERT_TRUE(loop.ok()) << loop.error();
  VolumeTarget t{loop.device(), "block", "raw"};

  auto a = pattern(MiB, 'a'), b = pattern(MiB, 'b');
  ScriptedSource src({{a, 0}, {"", 2 * MiB}, {b, 0}});
  drivers::JobMonitor job("upload");
  ASSERT_TRUE(writeVolumeBytes(t, {}, src, &job));
  EXPECT_EQ(job.snapshot().dataProcessed, 4 * MiB);

  daemon::VolumeTransferOptions range;
  range.length = 4 * MiB;
  range.sparse = true;  // no SEEK_DATA on a device: all of it comes as data
  StringSink sink;
  ASSERT_TRUE(readVolumeBytes(t, range, sink, nullptr));
  ASSERT_EQ(sink.bytes.size(), 4 * MiB);
  EXPECT_EQ(sink.holes, 0u);
  EXPECT_EQ(sink.bytes.substr(0, MiB), a);
  EXPECT_EQ(sink.bytes.substr(MiB, 2 * MiB), std::string(2 * MiB, '\0'));
  EXPECT_EQ(sink.bytes.substr(3 * MiB, MiB), b);

  // The device does not grow: an upload past its end is refused.
  daemon::VolumeTransferOptions atEnd;
  atEnd.offset = 16 * MiB - 10;
  ScriptedSource tooMuch({{std::string(100, 'x'), 0}});
  auto r = writeVolumeBytes(t, atEnd, tooMuch, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("larger than block volume"), std::string::npos) << r.error().message;

  drivers::JobMonitor wipe("wipe");
  ASSERT_TRUE(zeroVolumeBytes(loop.device(), &wipe));
  EXPECT_EQ(wipe.snapshot().dataProcessed, 16 * MiB);
  StringSink after;
  ASSERT_TRUE(readVolumeBytes(t, {}, after, nullptr));
  ASSERT_EQ(after.bytes.size(), 16 * MiB);
  EXPECT_EQ(after.bytes.find_first_not_of('\0'), std::string::npos);
}

}  // namespace
}  // namespace stratus::storage
