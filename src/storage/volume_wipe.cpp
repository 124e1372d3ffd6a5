#include "storage/volume_wipe.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "util/fd.h"

namespace stratus::storage {

namespace {

// Work is done in steps of this size so progress moves and cancel is seen.
constexpr std::uint64_t kStep = 64ull << 20;

}  // namespace

Status checkWipeAlgorithm(const std::string& algorithm) {
  if (algorithm.empty() || algorithm == "zero") return okStatus();
  static constexpr std::array<std::string_view, 9> kKnown = {"nnsa",     "dod",        "bsi",         "gutmann", "schneier",
                                                            "pfitzner7", "pfitzner33", "random", "trim"};
  if (std::find(kKnown.begin(), kKnown.end(), algorithm) != kKnown.end())
    return Error(ErrorCode::Unsupported, "unsupported flags: wiping algorithm '" + algorithm +
                                             "' is not supported (only 'zero' is implemented)");
  return Error(ErrorCode::InvalidArgument, "Unsupported algorithm '" + algorithm + "'");
}

Status zeroVolumeBytes(const std::string& path, drivers::JobMonitor* job) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return systemError("cannot open volume '" + path + "'", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return systemError("cannot stat volume '" + path + "'", errno);
  bool block = S_ISBLK(st.st_mode);
  std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  if (block && ::ioctl(fd.get(), BLKGETSIZE64, &size) != 0)
    return systemError("cannot read the size of '" + path + "'", errno);
  if (!block && !S_ISREG(st.st_mode))
    return Error(ErrorCode::OperationInvalid, "cannot wipe '" + path + "': not a file or block device");
  daemon::JobInfo p;
  p.dataTotal = size;
  p.dataRemaining = size;
  if (job) job->update(p);
  std::string zeros;
  for (std::uint64_t off = 0; off < size;) {
    if (job && job->cancelRequested())
      return Error(ErrorCode::Cancelled, "operation cancelled: wipe of '" + path + "' stopped");
    std::uint64_t len = std::min(kStep, size - off);
    bool done = false;
    if (block) {
      std::uint64_t range[2] = {off, len};
      done = ::ioctl(fd.get(), BLKZEROOUT, range) == 0;
    } else {
      done = ::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
                         static_cast<off_t>(len)) == 0;
    }
    if (!done) {
      if (zeros.empty()) zeros.assign(1 << 20, '\0');
      for (std::uint64_t w = 0; w < len;) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), len - w));
        ssize_t rc = ::pwrite(fd.get(), zeros.data(), n, static_cast<off_t>(off + w));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return systemError("cannot write zeros to '" + path + "'", rc < 0 ? errno : EIO);
        w += static_cast<std::uint64_t>(rc);
      }
    }
    off += len;
    p.dataProcessed = off;
    p.dataRemaining = size - off;
    if (job) job->update(p);
  }
  if (::fsync(fd.get()) != 0) return systemError("cannot flush '" + path + "'", errno);
  return okStatus();
}

}  // namespace stratus::storage
