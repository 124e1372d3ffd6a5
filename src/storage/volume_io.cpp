// vol-upload / vol-download: a volume's bytes to and from a stream, on
// regular files and block devices, holes kept as holes.
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "storage/pool_backend.h"
#include "util/fd.h"

namespace stratus::storage {

namespace {

constexpr std::size_t kReadChunk = 4u << 20;  // bytes per data chunk sent downstream

struct OpenVolume {
  UniqueFd fd;
  bool block = false;
  std::uint64_t size = 0;
};

Result<OpenVolume> openVolume(const VolumeTarget& t, int flags, const char* verb) {
  if (t.type == "network")
    return Error(ErrorCode::Unsupported, std::string("volume ") + verb + " is not supported for network volumes ('" +
                                             t.path + "')");
  OpenVolume v;
  v.fd.reset(::open(t.path.c_str(), flags | O_CLOEXEC));
  if (!v.fd.valid()) return systemError("cannot open volume '" + t.path + "'", errno);
  struct stat st {};
  if (::fstat(v.fd.get(), &st) != 0) return systemError("cannot stat volume '" + t.path + "'", errno);
  v.block = S_ISBLK(st.st_mode);
  if (!v.block && !S_ISREG(st.st_mode))
    return Error(ErrorCode::OperationInvalid, "volume '" + t.path + "' is neither a file nor a block device");
  v.size = static_cast<std::uint64_t>(st.st_size);
  if (v.block && ::ioctl(v.fd.get(), BLKGETSIZE64, &v.size) != 0)
    return systemError("cannot read the size of '" + t.path + "'", errno);
  return v;
}

Status pwriteAll(int fd, const char* data, std::size_t n, std::uint64_t pos, const std::string& path) {
  while (n > 0) {
    ssize_t rc = ::pwrite(fd, data, n, static_cast<off_t>(pos));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return systemError("cannot write to volume '" + path + "'", rc < 0 ? errno : EIO);
    data += rc;
    n -= static_cast<std::size_t>(rc);
    pos += static_cast<std::uint64_t>(rc);
  }
  return okStatus();
}

// [pos, pos+n) reads as zeros afterwards. Files: punch a hole where the file
// already has bytes (past its end, a later truncate makes the hole). Block
// devices: BLKZEROOUT, else written zeros.
Status makeHole(OpenVolume& v, std::uint64_t pos, std::uint64_t n, const std::string& path) {
  if (!v.block) {
    if (pos >= v.size) return okStatus();
    std::uint64_t len = std::min(n, v.size - pos);
    if (::fallocate(v.fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(pos),
                    static_cast<off_t>(len)) == 0)
      return okStatus();
    n = len;
  } else {
    std::uint64_t range[2] = {pos, n};
    if (::ioctl(v.fd.get(), BLKZEROOUT, range) == 0) return okStatus();
  }
  static const std::string zeros(1u << 20, '\0');
  for (std::uint64_t done = 0; done < n;) {
    std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), n - done));
    STRATUS_TRY(pwriteAll(v.fd.get(), zeros.data(), k, pos + done, path));
    done += k;
  }
  return okStatus();
}

void report(drivers::JobMonitor* job, std::uint64_t total, std::uint64_t done) {
  if (!job) return;
  daemon::JobInfo p;
  p.dataTotal = total;
  p.dataProcessed = done;
  p.dataRemaining = total > done ? total - done : 0;
  job->update(p);
}

Error cancelled(const char* what, const std::string& path) {
  return Error(ErrorCode::Cancelled, std::string("operation aborted: ") + what + " of volume '" + path + "' cancelled");
}

}  // namespace

Status writeVolumeBytes(const VolumeTarget& target, const daemon::VolumeTransferOptions& opts,
                        daemon::VolumeSource& source, drivers::JobMonitor* job) {
  auto vol = openVolume(target, O_WRONLY, "upload");
  if (!vol) return std::move(vol).error();
  if (vol->block && opts.offset > vol->size)
    return Error(ErrorCode::InvalidArgument, "offset " + std::to_string(opts.offset) +
                                                 " is beyond the end of volume '" + target.path + "' (" +
                                                 std::to_string(vol->size) + " bytes)");
  const std::uint64_t limit = opts.length;  // 0: as much as the source gives
  std::uint64_t pos = opts.offset, written = 0;
  report(job, limit, 0);
  while (limit == 0 || written < limit) {
    if (job && job->cancelRequested()) return cancelled("upload", target.path);
    auto chunk = source.next();
    if (!chunk) return Error(chunk.error().code, "upload to volume '" + target.path + "' aborted: " + chunk.error().message);
    if (chunk->end()) break;
    std::uint64_t want = chunk->data.empty() ? chunk->holeBytes : chunk->data.size();
    std::uint64_t n = limit ? std::min(want, limit - written) : want;
    // A device does not grow: bytes past its end are an error, not dropped.
    if (vol->block && pos + n > vol->size)
      return Error(ErrorCode::InvalidArgument, "upload is larger than block volume '" + target.path + "' (" +
                                                   std::to_string(vol->size) + " bytes)");
    if (!chunk->data.empty())
      STRATUS_TRY(pwriteAll(vol->fd.get(), chunk->data.data(), static_cast<std::size_t>(n), pos, target.path));
    else
      STRATUS_TRY(makeHole(*vol, pos, n, target.path));
    pos += n;
    written += n;
    if (!vol->block && pos > vol->size && !chunk->data.empty()) vol->size = pos;
    report(job, limit ? limit : written, written);
  }
  // A trailing hole past the end: the file grows to cover it, unwritten.
  if (!vol->block && pos > vol->size && ::ftruncate(vol->fd.get(), static_cast<off_t>(pos)) != 0)
    return systemError("cannot extend volume '" + target.path + "'", errno);
  if (::fsync(vol->fd.get()) != 0) return systemError("cannot flush volume '" + target.path + "'", errno);
  return okStatus();
}

Status readVolumeBytes(const VolumeTarget& target, const daemon::VolumeTransferOptions& opts,
                       daemon::VolumeSink& sink, drivers::JobMonitor* job) {
  auto vol = openVolume(target, O_RDONLY, "download");
  if (!vol) return std::move(vol).error();
  if (opts.offset > vol->size)
    return Error(ErrorCode::InvalidArgument, "offset " + std::to_string(opts.offset) +
                                                 " is beyond the end of volume '" + target.path + "' (" +
                                                 std::to_string(vol->size) + " bytes)");
  const std::uint64_t end = opts.length ? std::min(vol->size, opts.offset + opts.length) : vol->size;
  const std::uint64_t total = end - opts.offset;
  const bool seekHoles = opts.sparse && !vol->block;  // block devices have no SEEK_DATA
  std::string buf(kReadChunk, '\0');
  std::uint64_t pos = opts.offset;
  report(job, total, 0);
  while (pos < end) {
    if (job && job->cancelRequested()) return cancelled("download", target.path);
    std::uint64_t dataEnd = end;
    if (seekHoles) {
      off_t data = ::lseek(vol->fd.get(), static_cast<off_t>(pos), SEEK_DATA);
      std::uint64_t dataStart = data < 0 ? end : std::min<std::uint64_t>(static_cast<std::uint64_t>(data), end);
      if (data < 0 && errno != ENXIO) return systemError("cannot seek in volume '" + target.path + "'", errno);
      if (dataStart > pos) {
        STRATUS_TRY(sink.hole(dataStart - pos));
        pos = dataStart;
        report(job, total, pos - opts.offset);
        continue;
      }
      off_t hole = ::lseek(vol->fd.get(), static_cast<off_t>(pos), SEEK_HOLE);
      if (hole >= 0) dataEnd = std::min<std::uint64_t>(static_cast<std::uint64_t>(hole), end);
    }
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), dataEnd - pos));
    ssize_t n = ::pread(vol->fd.get(), buf.data(), want, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read volume '" + target.path + "'", errno);
    if (n == 0) break;  // the file shrank under us
    STRATUS_TRY(sink.write(std::string_view(buf.data(), static_cast<std::size_t>(n))));
    pos += static_cast<std::uint64_t>(n);
    report(job, total, pos - opts.offset);
  }
  return okStatus();
}

}  // namespace stratus::storage
