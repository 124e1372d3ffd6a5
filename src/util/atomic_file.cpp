#include "util/atomic_file.h"

#include "util/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace stratus {

namespace {
std::string dirOf(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}
}  // namespace

Status syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return systemError("cannot open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return systemError("cannot sync directory " + dir, err);
  return okStatus();
}

Status writeFileAtomic(const std::string& path, std::string_view content, int mode, DirSync dirSync) {
  std::string dir = dirOf(path);
  std::string tmpl = path + ".XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return systemError("cannot create temporary file for " + path, errno);
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    return systemError(what + " " + path, err);
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("cannot set mode of");
  if (auto w = writeAll(fd, content, "cannot write " + path); !w) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return w;
  }
  if (::fdatasync(fd) != 0) return fail("cannot sync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return systemError("cannot close " + path, err);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return systemError("cannot rename into " + path, err);
  }
  return dirSync == DirSync::Yes ? syncDir(dir) : okStatus();
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return systemError("cannot read " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status removeFileDurable(const std::string& path, DirSync dirSync) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return okStatus();
    return systemError("cannot remove " + path, errno);
  }
  return dirSync == DirSync::Yes ? syncDir(dirOf(path)) : okStatus();
}

Status makeDirs(const std::string& path, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot create directory " + path + ": " + ec.message());
  (void)mode;
  return okStatus();
}

}  // namespace stratus
