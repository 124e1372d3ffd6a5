#include "daemon/file_volume_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace stratus::daemon {

Result<std::unique_ptr<FileVolumeSink>> FileVolumeSink::create(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return systemError("cannot create " + path, errno);
  return std::unique_ptr<FileVolumeSink>(new FileVolumeSink(std::move(fd), path));
}

Status FileVolumeSink::write(std::string_view data) {
  STRATUS_TRY(writeAll(fd_.get(), data, "cannot write " + path_));
  offset_ += data.size();
  return okStatus();
}

Status FileVolumeSink::hole(std::uint64_t bytes) {
  offset_ += bytes;
  if (::lseek(fd_.get(), static_cast<off_t>(offset_), SEEK_SET) < 0) return systemError("cannot seek in " + path_, errno);
  return okStatus();
}

Status FileVolumeSink::finish() {
  if (::ftruncate(fd_.get(), static_cast<off_t>(offset_)) != 0) return systemError("cannot size " + path_, errno);
  if (::fsync(fd_.get()) != 0) return systemError("cannot flush " + path_, errno);
  return okStatus();
}

}  // namespace stratus::daemon
