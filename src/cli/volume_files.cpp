#include "cli/volume_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace stratus::cli {

namespace {

constexpr std::size_t kPiece = 1u << 20;

Error cancelled() { return Error(ErrorCode::Cancelled, "operation aborted: transfer cancelled by the user"); }


// "\rUpload: [ 63 %]" whenever the percentage changes.
class Progress {
 public:
  Progress(Ctl& ctl, std::string_view label, std::uint64_t total, bool enabled)
      : ctl_(ctl), label_(label), total_(total), enabled_(enabled) {}
  void add(std::uint64_t bytes) {
    done_ += bytes;
    if (!enabled_ || total_ == 0) return;
    int p = static_cast<int>(std::min<std::uint64_t>(done_, total_) * 100 / total_);
    if (p == 100 || p == shown_) return;
    shown_ = p;
    ctl_.progress(fmt::format("\r{}: [{:3} %]", label_, p));
  }
  void finish(bool ok) {
    if (!enabled_) return;
    if (ok) ctl_.progress(fmt::format("\r{}: [100 %]\n", label_));
    else if (shown_ >= 0) ctl_.progress("\n");
  }

 private:
  Ctl& ctl_;
  std::string label_;
  std::uint64_t total_, done_ = 0;
  bool enabled_;
  int shown_ = -1;
};


// The local file read piece by piece; with `sparse` its holes (SEEK_HOLE)
// travel as holes.
class FileSource final : public daemon::VolumeSource {
 public:
  FileSource(int fd, std::uint64_t limit, bool sparse, Progress& progress, const SigintScope& sigint)
      : fd_(fd), limit_(limit), sparse_(sparse), progress_(progress), sigint_(sigint) {}

  Result<daemon::VolumeChunk> next() override {
    if (sigint_.interrupted()) return cancelled();
    daemon::VolumeChunk c;
    std::uint64_t left = limit_ ? limit_ - pos_ : kPiece;
    if (limit_ && left == 0) return c;
    if (sparse_) {
      off_t data = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_DATA);
      if (data < 0 && errno != ENXIO) return systemError("cannot seek in the file", errno);
      std::uint64_t holeEnd = data < 0 ? fileSize() : static_cast<std::uint64_t>(data);
      if (holeEnd > pos_) {
        c.holeBytes = holeEnd - pos_;
        if (limit_) c.holeBytes = std::min(c.holeBytes, left);
        pos_ += c.holeBytes;
        progress_.add(c.holeBytes);
        return c;
      }
    }
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, limit_ ? left : kPiece));
    if (sparse_) {
      // Data only up to the next hole.
      off_t hole = ::lseek(fd_, static_cast<off_t>(pos_), SEEK_HOLE);
      if (hole > 0 && static_cast<std::uint64_t>(hole) > pos_)
        want = static_cast<std::size_t>(std::min<std::uint64_t>(want, static_cast<std::uint64_t>(hole) - pos_));
    }
    c.data.resize(want);
    ssize_t n;
    do {
      n = ::pread(fd_, c.data.data(), want, static_cast<off_t>(pos_));
    } while (n < 0 && errno == EINTR && !sigint_.interrupted());
    if (sigint_.interrupted()) return cancelled();
    if (n < 0) return systemError("cannot read the file", errno);
    c.data.resize(static_cast<std::size_t>(n));
    pos_ += static_cast<std::uint64_t>(n);
    progress_.add(static_cast<std::uint64_t>(n));
    return c;  // empty at the end of the file
  }

 private:
  std::uint64_t fileSize() const {
    struct stat st;
    return ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : pos_;
  }
  int fd_;
  std::uint64_t limit_, pos_ = 0;
  bool sparse_;
  Progress& progress_;
  const SigintScope& sigint_;
};


// The local file written piece by piece; holes become holes (seek past),
// and the file ends where the stream ended.
class FileSink final : public daemon::VolumeSink {
 public:
  FileSink(int fd, Progress& progress, const SigintScope& sigint)
      : fd_(fd), progress_(progress), sigint_(sigint) {}

  Status write(std::string_view data) override {
    if (sigint_.interrupted()) return cancelled();
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(pos_));
      if (n < 0 && errno == EINTR) {
        if (sigint_.interrupted()) return cancelled();
        continue;
      }
      if (n < 0) return systemError("cannot write the file", errno);
      data.remove_prefix(static_cast<std::size_t>(n));
      pos_ += static_cast<std::uint64_t>(n);
      progress_.add(static_cast<std::uint64_t>(n));
    }
    return okStatus();
  }
  Status hole(std::uint64_t bytes) override {
    if (sigint_.interrupted()) return cancelled();
    pos_ += bytes;
    progress_.add(bytes);
    return okStatus();
  }
  // A trailing hole still counts: the file gets its full length.
  Status finish() {
    if (::ftruncate(fd_, static_cast<off_t>(pos_)) != 0) return systemError("cannot set the file's size", errno);
    return okStatus();
  }

 private:
  int fd_;
  std::uint64_t pos_ = 0;
  Progress& progress_;
  const SigintScope& sigint_;
};

}  // namespace

Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

Status uploadFd(Ctl& ctl, const std::string& pool, const std::string& vol, int fd,
                const daemon::VolumeTransferOptions& opts, std::string_view label, bool verbose,
                const SigintScope& sigint) {
  struct stat st;
  std::uint64_t total = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (opts.length) total = std::min(total, opts.length);
  Progress progress(ctl, label, total, verbose);
  FileSource source(fd, opts.length, opts.sparse, progress, sigint);
  auto r = ctl.conn()->uploadVolume(pool, vol, opts, source);
  progress.finish(r.ok());
  return r;
}

Status downloadFd(Ctl& ctl, const std::string& pool, const std::string& vol, int fd,
                  const daemon::VolumeTransferOptions& opts, std::uint64_t total, std::string_view label,
                  bool verbose, const SigintScope& sigint) {
  Progress progress(ctl, label, total, verbose);
  FileSink sink(fd, progress, sigint);
  auto r = ctl.conn()->downloadVolume(pool, vol, opts, sink);
  if (r) r = sink.finish();
  progress.finish(r.ok());
  return r;
}

}  // namespace stratus::cli
