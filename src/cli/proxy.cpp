#include "cli/proxy.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/connect.h"

namespace stratus::cli {

namespace {

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: stratus proxy [--socket PATH]\n\n"
               "  Relays stdin/stdout to stratusd's unix socket (default %s).\n"
               "  qemu+ssh://HOST/system URIs run it on HOST through ssh.\n",
               std::string(kDefaultSocket).c_str());
}

bool writeAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

int runProxy(int argc, char** argv) {
  std::string path(kDefaultSocket);
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
    if (a == "--socket" && i + 1 < argc) {
      path = argv[++i];
    } else if (a.starts_with("--socket=")) {
      path = std::string(a.substr(9));
    } else {
      std::fprintf(stderr, "error: stratus proxy: unexpected argument '%s'\n", argv[i]);
      usage(stderr);
      return 1;
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "error: stratus proxy: bad socket path '%s'\n", path.c_str());
    return 1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "error: stratus proxy: cannot connect to stratusd at %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  // stdin -> daemon until stdin ends (then half-close, so the daemon still
  // answers what it got); daemon -> stdout until the daemon closes.
  bool inOpen = true;
  char buf[65536];
  for (;;) {
    pollfd p[2] = {{s, POLLIN, 0}, {inOpen ? 0 : -1, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[0].revents) {
      ssize_t n = ::read(s, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !writeAll(1, buf, static_cast<std::size_t>(n))) break;
    }
    if (inOpen && p[1].revents) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        inOpen = false;
        ::shutdown(s, SHUT_WR);
      } else if (!writeAll(s, buf, static_cast<std::size_t>(n))) {
        break;
      }
    }
  }
  ::close(s);
  return 0;
}

}  // namespace stratus::cli
