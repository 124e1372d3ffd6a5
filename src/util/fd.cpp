#include "util/fd.h"

#include <cerrno>
#include <string>

namespace stratus {

Status writeAll(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return systemError(std::string(what), errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return okStatus();
}

}  // namespace stratus
