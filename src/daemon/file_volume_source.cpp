#include "daemon/file_volume_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace stratus::daemon {

Result<std::unique_ptr<FileVolumeSource>> FileVolumeSource::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return systemError("cannot open " + path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return systemError("cannot stat " + path, errno);
  return std::unique_ptr<FileVolumeSource>(
      new FileVolumeSource(std::move(fd), path, static_cast<std::uint64_t>(st.st_size)));
}

Result<VolumeChunk> FileVolumeSource::next() {
  VolumeChunk c;
  c.data.resize(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd_.get(), c.data.data(), c.data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read " + path_, errno);
    c.data.resize(static_cast<std::size_t>(n));
    sent_ += static_cast<std::uint64_t>(n);
    if (onProgress) onProgress(sent_);
    return c;  // empty: the end
  }
}

}  // namespace stratus::daemon
