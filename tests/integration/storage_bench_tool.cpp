// The storage benchmark's driver (bench/storage-throughput.sh): runs one
// operation of the storage library on real files and prints its wall time,
// so the script can set it beside the plain tools (qemu-img convert, cp).
//
//   storage_bench_tool copy SRC POOLDIR NAME FORMAT   createVolumeFrom (qemu-img convert -p, progress parsed)
//   storage_bench_tool upload SRC VOLUME              writeVolumeBytes from SRC (holes sent as holes)
//   storage_bench_tool download VOLUME DST            readVolumeBytes --sparse into DST
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "storage/pool_backend.h"

using namespace stratus;

namespace {

constexpr std::uint64_t kChunk = 4u << 20;

class FileSource : public daemon::VolumeSource {
 public:
  explicit FileSource(const char* path) : fd_(::open(path, O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    ::fstat(fd_, &st);
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  bool ok() const { return fd_ >= 0; }
  Result<daemon::VolumeChunk> next() override {
    daemon::VolumeChunk c;
    if (pos_ >= size_) return c;
    off_t data = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_DATA);
    std::uint64_t start = data < 0 ? size_ : static_cast<std::uint64_t>(data);
    if (start > pos_) {
      c.holeBytes = start - pos_;
      pos_ = start;
      return c;
    }
    off_t hole = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_HOLE);
    std::uint64_t n = std::min<std::uint64_t>(kChunk, static_cast<std::uint64_t>(hole) - pos_);
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

class FileSink : public daemon::VolumeSink {
 public:
  explicit FileSink(const char* path) : fd_(::open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600)) {}
  ~FileSink() override {
    ::fsync(fd_);
    ::close(fd_);
  }
  Status write(std::string_view d) override {
    if (::pwrite(fd_, d.data(), d.size(), static_cast<off_t>(pos_)) != static_cast<ssize_t>(d.size()))
      return Error(ErrorCode::SystemError, "short write");
    pos_ += d.size();
    return {};
  }
  Status hole(std::uint64_t n) override {
    pos_ += n;
    return ::ftruncate(fd_, static_cast<off_t>(pos_)) == 0 ? Status() : Error(ErrorCode::SystemError, "truncate");
  }

 private:
  int fd_;
  std::uint64_t pos_ = 0;
};

int fail(const std::string& why) {
  std::fprintf(stderr, "storage_bench_tool: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail("usage: copy SRC POOLDIR NAME FORMAT | upload SRC VOLUME | download VOLUME DST");
  std::string op = argv[1];
  auto t0 = std::chrono::steady_clock::now();
  if (op == "copy" && argc == 6) {
    conf::PoolDef def;
    def.name = "bench";
    def.target.path = argv[3];
    auto b = storage::makeHostPoolBackend(conf::PoolType::Dir, "/tmp");
    if (!b) return fail(b.error().message);
    conf::VolumeDef vol;
    vol.name = argv[4];
    vol.format = argv[5];
    drivers::JobMonitor job("bench-copy");
    auto r = (*b)->createVolumeFrom(def, vol, storage::VolumeTarget{argv[2], "file", "raw"}, {}, &job);
    if (!r) return fail(r.error().message);
    if (job.snapshot().dataProcessed != job.snapshot().dataTotal) return fail("progress did not reach the total");
  } else if (op == "upload" && argc == 4) {
    FileSource src(argv[2]);
    if (!src.ok()) return fail(std::string("cannot open ") + argv[2]);
    auto r = storage::writeVolumeBytes(storage::VolumeTarget{argv[3], "file", "raw"}, {}, src, nullptr);
    if (!r) return fail(r.error().message);
  } else if (op == "download" && argc == 4) {
    FileSink sink(argv[3]);
    daemon::VolumeTransferOptions o;
    o.sparse = true;
    auto r = storage::readVolumeBytes(storage::VolumeTarget{argv[2], "file", "raw"}, o, sink, nullptr);
    if (!r) return fail(r.error().message);
  } else {
    return fail("bad arguments for '" + op + "'");
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.1f\n", ms);
  return 0;
}
