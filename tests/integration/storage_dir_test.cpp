// The dir pool backend for real: qemu-img volumes of every format, copies
// with progress and cancel, resize, wipe, upload/download round trips.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "storage/command.h"
#include "storage/file_volumes.h"
#include "storage/image_info_cache.h"
#include "storage/pool_backend.h"
#include "storage_host_support.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

using testing::waitUntil;
constexpr std::uint64_t MiB = 1 << 20;

std::uint64_t allocatedBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_blocks) * 512 : 0;
}

// `size` bytes of cheap pseudo-random data (incompressible, no zero blocks)
// so qemu-img has real work to do.
void writeNoise(const std::string& path, std::uint64_t size, std::uint64_t seed = 88172645463325252ull) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  std::vector<std::uint64_t> block(MiB / 8);
  std::uint64_t x = seed;
  for (std::uint64_t done = 0; done < size; done += MiB) {
    for (auto& w : block) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      w = x;
    }
    f.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(std::min(MiB, size - done)));
  }
}

std::string sha256(const std::string& path) {
  auto r = runCommand({"sha256sum", path});
  return r ? r->out.substr(0, 64) : "error: " + r.error().message;
}

// vol-upload's client side: a file read with SEEK_DATA/SEEK_HOLE, holes
// sent as holes.
class SparseFileSource : public daemon::VolumeSource {
 public:
  explicit SparseFileSource(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    ::fstat(fd_, &st);
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~SparseFileSource() override { ::close(fd_); }
  Result<daemon::VolumeChunk> next() override {
    if (pos_ >= size_) return daemon::VolumeChunk{};
    off_t data = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_DATA);
    std::uint64_t dataStart = data < 0 ? size_ : static_cast<std::uint64_t>(data);
    if (dataStart > pos_) {
      daemon::VolumeChunk c;
      c.holeBytes = dataStart - pos_;
      pos_ = dataStart;
      return c;
    }
    off_t hole = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_HOLE);
    std::uint64_t n = std::min<std::uint64_t>(MiB, static_cast<std::uint64_t>(hole) - pos_);
    daemon::VolumeChunk c;
    c.data.resize(n);
    ssize_t got = ::pread(fd_, c.data.data(), n, static_cast<off_t>(pos_));
    if (got <= 0) return Error(ErrorCode::SystemError, "read failed");
    c.data.resize(static_cast<std::size_t>(got));
    pos_ += static_cast<std::uint64_t>(got);
    return c;
  }

 private:
  int fd_;
  std::uint64_t pos_ = 0, size_ = 0;
};

// vol-download's client side: writes data, seeks over holes.
class SparseFileSink : public daemon::VolumeSink {
 public:
  explicit SparseFileSink(const std::string& path)
      : fd_(::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600)) {}
  ~SparseFileSink() override { ::close(fd_); }
  Status write(std::string_view d) override {
    if (::pwrite(fd_, d.data(), d.size(), static_cast<off_t>(pos_)) != static_cast<ssize_t>(d.size()))
      return Error(ErrorCode::SystemError, "short write");
    pos_ += d.size();
    return {};
  }
  Status hole(std::uint64_t n) override {
    pos_ += n;
    if (::ftruncate(fd_, static_cast<off_t>(pos_)) != 0) return Error(ErrorCode::SystemError, "truncate");
    return {};
  }

 private:
  int fd_;
  std::uint64_t pos_ = 0;
};

class DirPool : public ::testing::Test {
 protected:
  void SetUp() override {
    STORAGE_REQUIRE_TOOL("qemu-img");
    root = std::filesystem::temp_directory_path() / ("stratus-dirpool-" + Uuid::generate().str());
    def.type = conf::PoolType::Dir;
    def.name = "images";
    def.target.path = (root / "images").string();
    auto b = makeHostPoolBackend(conf::PoolType::Dir, (root / "run").string());
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
    ASSERT_TRUE(backend->build(def, {}));
    ASSERT_TRUE(backend->start(def));
  }
  void TearDown() override {
    std::error_code ec;
    if (!root.empty()) std::filesystem::remove_all(root, ec);
  }

  conf::VolumeDef newVol(const std::string& name, const std::string& fmt, std::uint64_t cap) {
    conf::VolumeDef v;
    v.name = name;
    v.format = fmt;
    v.capacity = cap;
    return v;
  }
  std::string pathOf(const std::string& name) { return def.target.path + "/" + name; }
  std::optional<conf::VolumeDef> listed(const std::string& name) {
    auto c = backend->refresh(def);
    EXPECT_TRUE(c) << c.error().message;
    if (!c) return std::nullopt;
    for (auto& v : c->volumes)
      if (v.name == name) return v;
    return std::nullopt;
  }

  std::filesystem::path root;
  conf::PoolDef def;
  std::unique_ptr<PoolBackend> backend;
};

TEST_F(DirPool, LifecycleAndNumbers) {
  EXPECT_TRUE(backend->isActive(def));
  auto c = backend->refresh(def);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_GT(c->capacity, 0u);
  EXPECT_LE(c->available, c->capacity);
  EXPECT_EQ(c->allocation + c->available <= c->capacity + c->capacity / 10, true);
  EXPECT_TRUE(c->volumes.empty());
  // A sub-directory is not a volume.
  std::filesystem::create_directory(pathOf("subdir"));
  EXPECT_TRUE(backend->refresh(def)->volumes.empty());
  std::filesystem::remove(pathOf("subdir"));
  ASSERT_TRUE(backend->stop(def));
  ASSERT_TRUE(backend->remove(def));
  EXPECT_FALSE(std::filesystem::exists(def.target.path));
  auto st = backend->start(def);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find(def.target.path), std::string::npos);
}

TEST_F(DirPool, EveryFormatCreatedAndCheckedClean) {
  for (const char* fmt : {"raw", "qcow2", "vmdk", "vdi", "vhdx"}) {
    std::string name = std::string("v.") + fmt;
    auto v = backend->createVolume(def, newVol(name, fmt, 64 * MiB), {});
    ASSERT_TRUE(v) << fmt << ": " << v.error().message;
    EXPECT_EQ(v->format, fmt);
    EXPECT_EQ(v->capacity, 64 * MiB) << fmt;
    EXPECT_EQ(v->path, pathOf(name));
    EXPECT_EQ(v->key, pathOf(name));
    EXPECT_EQ(v->type, "file");
    if (std::string(fmt) != "raw") {
      auto check = runCommand({"qemu-img", "check", "-q", "-f", fmt, pathOf(name)});
      EXPECT_TRUE(check) << fmt << ": " << check.error().message;
    }
    auto l = listed(name);
    ASSERT_TRUE(l) << name;
    EXPECT_EQ(l->format, fmt);
    EXPECT_EQ(l->capacity, 64 * MiB);
  }
  auto again = backend->createVolume(def, newVol("v.raw", "raw", MiB), {});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("exists already"), std::string::npos);
  auto iso = backend->createVolume(def, newVol("x.iso", "iso", MiB), {});
  ASSERT_FALSE(iso);
  EXPECT_FALSE(std::filesystem::exists(pathOf("x.iso")));
  EXPECT_FALSE(backend->createVolume(def, newVol("../escape", "raw", MiB), {}));
}

TEST_F(DirPool, AllocationPreallocationBackingAndPermissions) {
  auto v = newVol("full.raw", "raw", 32 * MiB);
  v.allocation = 32 * MiB;
  v.perms.mode = "0640";
  auto full = backend->createVolume(def, v, {});
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_GE(*full->allocation, 32 * MiB);
  EXPECT_EQ(full->perms.mode, "0640");
  auto sparse = backend->createVolume(def, newVol("sparse.raw", "raw", 32 * MiB), {});
  ASSERT_TRUE(sparse);
  EXPECT_LT(*sparse->allocation, MiB);

  daemon::VolumeCreateOptions meta;
  meta.preallocMetadata = true;
  auto pm = backend->createVolume(def, newVol("meta.qcow2", "qcow2", 256 * MiB), meta);
  ASSERT_TRUE(pm) << pm.error().message;
  auto plain = backend->createVolume(def, newVol("plain.qcow2", "qcow2", 256 * MiB), {});
  ASSERT_TRUE(plain);
  EXPECT_GT(*pm->allocation, *plain->allocation) << "metadata preallocation allocated nothing more";

  auto top = newVol("top.qcow2", "qcow2", 0);
  top.backing = conf::VolumeBacking{pathOf("sparse.raw"), "raw", {}};
  auto t = backend->createVolume(def, top, {});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->capacity, 32 * MiB);  // taken from the backing file
  ASSERT_TRUE(t->backing);
  EXPECT_EQ(t->backing->path, pathOf("sparse.raw"));
  EXPECT_EQ(t->backing->format, "raw");
}

TEST_F(DirPool, CloneRawToQcow2WithProgress) {
  writeNoise(pathOf("src.raw"), 128 * MiB);
  drivers::JobMonitor job("vol-clone");
  std::atomic<std::uint64_t> midway{0};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    // Progress samples while the copy runs (informational; the numbers
    // after it are what the test asserts).
    while (!done) {
      auto s = job.snapshot();
      if (s.dataProcessed > 0 && s.dataProcessed < s.dataTotal) midway = s.dataProcessed;
      job.waitForCancel(std::chrono::milliseconds(2));
    }
  });
  auto v = backend->createVolumeFrom(def, newVol("copy.qcow2", "qcow2", 0),
                                     VolumeTarget{pathOf("src.raw"), "file", "raw"}, {}, &job);
  done = true;
  watcher.join();
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->format, "qcow2");
  EXPECT_EQ(v->capacity, 128 * MiB);
  auto s = job.snapshot();
  EXPECT_EQ(s.dataTotal, 128 * MiB);
  EXPECT_EQ(s.dataProcessed, 128 * MiB) << "qemu-img's progress never reached 100% in the job";
  std::cout << "[ progress ] seen mid-copy: " << midway.load() << " of " << s.dataTotal << " bytes\n";
  auto cmp = runCommand({"qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", pathOf("src.raw"), pathOf("copy.qcow2")});
  EXPECT_TRUE(cmp) << cmp.error().message;
  EXPECT_TRUE(runCommand({"qemu-img", "check", "-q", pathOf("copy.qcow2")}));

  // Bigger capacity than the source: the copy is grown.
  auto big = backend->createVolumeFrom(def, newVol("big.raw", "raw", 256 * MiB),
                                       VolumeTarget{pathOf("src.raw"), "file", "raw"}, {}, nullptr);
  ASSERT_TRUE(big) << big.error().message;
  EXPECT_EQ(big->capacity, 256 * MiB);
}

TEST_F(DirPool, CancelledCloneLeavesNothing) {
  writeNoise(pathOf("src.raw"), 512 * MiB);
  drivers::JobMonitor job("vol-clone");
  std::atomic<bool> sawProgress{false};
  std::thread canceller([&] {
    // Cancel once qemu-img is really copying (its first progress figure).
    sawProgress = waitUntil([&] { return job.snapshot().dataProcessed > 0; }, std::chrono::seconds(30));
    job.requestCancel();
  });
  auto v = backend->createVolumeFrom(def, newVol("copy.qcow2", "qcow2", 0),
                                     VolumeTarget{pathOf("src.raw"), "file", "raw"}, {}, &job);
  canceller.join();
  if (v) GTEST_SKIP() << "the copy finished before the cancel landed (machine too fast for 512 MiB)";
  EXPECT_TRUE(sawProgress);
  EXPECT_EQ(v.error().code, ErrorCode::Cancelled) << v.error().message;
  EXPECT_FALSE(std::filesystem::exists(pathOf("copy.qcow2"))) << "a cancelled copy left a half volume";
  EXPECT_FALSE(listed("copy.qcow2"));
  // A failing copy (unreadable source) leaves nothing either.
  auto bad = backend->createVolumeFrom(def, newVol("bad.qcow2", "qcow2", 0),
                                       VolumeTarget{pathOf("missing.raw"), "file", "raw"}, {}, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_FALSE(std::filesystem::exists(pathOf("bad.qcow2")));
}

TEST_F(DirPool, ResizeGrowShrink) {
  for (const char* fmt : {"raw", "qcow2"}) {
    std::string name = std::string("r.") + fmt;
    ASSERT_TRUE(backend->createVolume(def, newVol(name, fmt, 64 * MiB), {}));
    conf::VolumeDef v = newVol(name, fmt, 0);
    ASSERT_TRUE(backend->resizeVolume(def, v, 128 * MiB, {})) << fmt;
    EXPECT_EQ(listed(name)->capacity, 128 * MiB);
    auto refused = backend->resizeVolume(def, v, 32 * MiB, {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("shrink"), std::string::npos);
    EXPECT_EQ(listed(name)->capacity, 128 * MiB);
    daemon::VolumeResizeOptions shrink;
    shrink.shrink = true;
    ASSERT_TRUE(backend->resizeVolume(def, v, 32 * MiB, shrink)) << fmt;
    EXPECT_EQ(listed(name)->capacity, 32 * MiB);
  }
  daemon::VolumeResizeOptions alloc;
  alloc.allocate = true;
  ASSERT_TRUE(backend->resizeVolume(def, newVol("r.raw", "raw", 0), 96 * MiB, alloc));
  EXPECT_GE(*listed("r.raw")->allocation, 64 * MiB);
  ASSERT_TRUE(backend->resizeVolume(def, newVol("r.qcow2", "qcow2", 0), 256 * MiB, alloc));
  EXPECT_EQ(listed("r.qcow2")->capacity, 256 * MiB);
  EXPECT_TRUE(runCommand({"qemu-img", "check", "-q", pathOf("r.qcow2")}));
  // A format qemu-img cannot resize: its words, naming the volume.
  ASSERT_TRUE(backend->createVolume(def, newVol("r.vmdk", "vmdk", 64 * MiB), {}));
  auto vmdk = backend->resizeVolume(def, newVol("r.vmdk", "vmdk", 0), 128 * MiB, {});
  ASSERT_FALSE(vmdk);
  EXPECT_NE(vmdk.error().message.find("'r.vmdk'"), std::string::npos);
  EXPECT_NE(vmdk.error().message.find("does not support resize"), std::string::npos) << vmdk.error().message;
  EXPECT_EQ(backend->resizeVolume(def, newVol("missing", "raw", 0), MiB, {}).error().code, ErrorCode::NoStorageVolume);
}

TEST_F(DirPool, RefreshReadsOnlyTheFilesThatChanged) {
  ASSERT_TRUE(backend->createVolume(def, newVol("old.qcow2", "qcow2", 64 * MiB), {}));
  ASSERT_TRUE(backend->createVolume(def, newVol("new.qcow2", "qcow2", 64 * MiB), {}));
  // old.qcow2 was last written an hour ago; new.qcow2 just now.
  timespec past[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, pathOf("old.qcow2").c_str(), past, 0), 0);
  auto capacityOf = [](const PoolContents& c, const std::string& name) -> std::uint64_t {
    for (const auto& v : c.volumes)
      if (v.name == name) return v.capacity;
    return 0;
  };
  ImageInfoCache cache;
  auto first = scanDirectoryPool(def.target.path, &cache);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(cache.hits(), 0u);
  auto second = scanDirectoryPool(def.target.path, &cache);
  ASSERT_TRUE(second);
  EXPECT_EQ(cache.hits(), 1u) << "old.qcow2 is read once; new.qcow2, racily clean, every time";
  EXPECT_EQ(capacityOf(*second, "old.qcow2"), 64 * MiB);
  EXPECT_EQ(capacityOf(*second, "new.qcow2"), 64 * MiB);
  // A change is seen at once: the file's mtime (and ctime) moved.
  ASSERT_TRUE(runCommand({"qemu-img", "resize", "-q", pathOf("old.qcow2"), "128M"}));
  auto third = scanDirectoryPool(def.target.path, &cache);
  ASSERT_TRUE(third);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(capacityOf(*third, "old.qcow2"), 128 * MiB);
  // Even a rewrite that keeps size and mtime changes the ctime.
  ASSERT_TRUE(runCommand({"qemu-img", "resize", "-q", pathOf("old.qcow2"), "256M"}));
  ASSERT_EQ(::utimensat(AT_FDCWD, pathOf("old.qcow2").c_str(), past, 0), 0);
  EXPECT_EQ(capacityOf(*scanDirectoryPool(def.target.path, &cache), "old.qcow2"), 256 * MiB);
}

TEST_F(DirPool, WipeZeroesAndKeepsImagesValid) {
  writeNoise(pathOf("data.raw"), 16 * MiB);
  ASSERT_TRUE(backend->wipeVolume(def, newVol("data.raw", "raw", 0), {}, nullptr));
  std::ifstream f(pathOf("data.raw"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  ASSERT_EQ(bytes.size(), 16 * MiB);
  EXPECT_EQ(bytes.find_first_not_of('\0'), std::string::npos);

  writeNoise(pathOf("src.raw"), 8 * MiB);
  ASSERT_TRUE(backend->createVolumeFrom(def, newVol("img.qcow2", "qcow2", 0),
                                        VolumeTarget{pathOf("src.raw"), "file", "raw"}, {}, nullptr));
  ASSERT_TRUE(backend->wipeVolume(def, newVol("img.qcow2", "qcow2", 0), {}, nullptr));
  EXPECT_TRUE(runCommand({"qemu-img", "check", "-q", pathOf("img.qcow2")}));
  auto l = listed("img.qcow2");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->format, "qcow2");
  EXPECT_EQ(l->capacity, 8 * MiB);
  // All zero as a guest sees it: equal to an empty raw image of that size.
  ASSERT_TRUE(runCommand({"qemu-img", "create", "-q", "-f", "raw", pathOf("zero.raw"), std::to_string(8 * MiB)}));
  EXPECT_TRUE(runCommand({"qemu-img", "compare", "-q", pathOf("zero.raw"), pathOf("img.qcow2")}));

  daemon::VolumeWipeOptions nnsa;
  nnsa.algorithm = "nnsa";
  auto r = backend->wipeVolume(def, newVol("img.qcow2", "qcow2", 0), nnsa, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
}

TEST_F(DirPool, UploadDownloadRoundTripKeepsSparseness) {
  // A 64 MiB sparse file with three data islands.
  std::string src = (root / "upload.img").string();
  {
    int fd = ::open(src.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 64 * MiB), 0);
    ::close(fd);
    std::string noise = (root / "noise").string();
    writeNoise(noise, 2 * MiB);
    std::ifstream n(noise, std::ios::binary);
    std::string d((std::istreambuf_iterator<char>(n)), {});
    fd = ::open(src.c_str(), O_WRONLY);
    for (std::uint64_t at : {std::uint64_t{0}, 30 * MiB, 62 * MiB})
      ASSERT_EQ(::pwrite(fd, d.data(), d.size(), static_cast<off_t>(at)), static_cast<ssize_t>(d.size()));
    ::close(fd);
  }
  ASSERT_TRUE(backend->createVolume(def, newVol("up.raw", "raw", 64 * MiB), {}));
  auto target = backend->target(def, newVol("up.raw", "", 0));
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(target->path, pathOf("up.raw"));
  EXPECT_EQ(target->format, "raw");

  SparseFileSource source(src);
  drivers::JobMonitor up("vol-upload");
  ASSERT_TRUE(writeVolumeBytes(*target, {}, source, &up));
  EXPECT_EQ(up.snapshot().dataProcessed, 64 * MiB);
  EXPECT_EQ(sha256(pathOf("up.raw")), sha256(src));
  EXPECT_LT(allocatedBytes(pathOf("up.raw")), 16 * MiB) << "upload wrote the holes";

  std::string back = (root / "download.img").string();
  daemon::VolumeTransferOptions sparse;
  sparse.sparse = true;
  {
    SparseFileSink sink(back);
    drivers::JobMonitor down("vol-download");
    ASSERT_TRUE(readVolumeBytes(*target, sparse, sink, &down));
    EXPECT_EQ(down.snapshot().dataProcessed, 64 * MiB);
  }
  EXPECT_EQ(sha256(back), sha256(src));
  EXPECT_LT(allocatedBytes(back), 16 * MiB) << "download filled the holes";

  // A range: 1 MiB from 30 MiB.
  daemon::VolumeTransferOptions range;
  range.offset = 30 * MiB;
  range.length = MiB;
  std::string part = (root / "part.img").string();
  {
    SparseFileSink sink(part);
    ASSERT_TRUE(readVolumeBytes(*target, range, sink, nullptr));
  }
  auto cmpPart = runCommand({"cmp", "-n", std::to_string(MiB), "-i", std::to_string(30 * MiB) + ":0", src, part});
  EXPECT_TRUE(cmpPart) << cmpPart.error().message;

  ASSERT_TRUE(backend->deleteVolume(def, newVol("up.raw", "", 0)));
  EXPECT_FALSE(std::filesystem::exists(pathOf("up.raw")));
  auto gone = backend->deleteVolume(def, newVol("up.raw", "", 0));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::NoStorageVolume);
}

}  // namespace
}  // namespace stratus::storage
