#include "api/endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "api/host_port.h"

namespace stratus::api {

namespace {

Result<int> connectUnix(const std::string& path) {
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof addr);
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return Error(ErrorCode::ConnectFailed, "cannot connect to stratusd at " + path + ": socket path too long");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::ConnectFailed, "cannot create socket: " + std::string(std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    return Error(ErrorCode::ConnectFailed,
                 "cannot connect to stratusd at " + path + ": " + std::string(std::strerror(err)));
  }
  return fd;
}

// One address, non-blocking connect bounded by `ms`; errno-style result.
int connectOne(const addrinfo* ai, int ms, int& fdOut) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) return errno;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      int err = errno;
      ::close(fd);
      return err;
    }
    pollfd p{fd, POLLOUT, 0};
    int r;
    do r = ::poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      ::close(fd);
      return ETIMEDOUT;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (r < 0) err = errno;
    else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      ::close(fd);
      return err;
    }
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fdOut = fd;
  return 0;
}

}  // namespace

Endpoint unixEndpoint(std::string socketPath) {
  Endpoint e;
  e.name = "stratusd at " + socketPath;
  e.socketPath = socketPath;
  e.dial = [path = std::move(socketPath)] { return connectUnix(path); };
  return e;
}

Endpoint tcpEndpoint(std::string host, std::uint16_t port, std::string token, std::chrono::milliseconds connectTimeout,
                     std::chrono::milliseconds ioTimeout) {
  Endpoint e;
  HostPort hp{host, port, true};
  e.name = "stratusd at " + hp.str();
  e.token = std::move(token);
  e.ioTimeout = ioTimeout;
  e.dial = [host = std::move(host), port, connectTimeout, ioTimeout]() -> Result<int> {
    auto fd = dialTcp(host, port, connectTimeout);
    if (fd.ok()) setTcpTimeouts(*fd, ioTimeout.count() > 0 ? std::min(ioTimeout, kTcpDeadPeer) : kTcpDeadPeer);
    return fd;
  };
  return e;
}

Result<int> dialTcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  HostPort hp{host, port, true};
  auto fail = [&](const std::string& why) {
    return Error(ErrorCode::ConnectFailed, "unable to connect to server at '" + hp.str() + "': " + why);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
    hints.ai_flags &= ~AI_ADDRCONFIG;  // loopback-only namespaces have no "configured" address
    rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  }
  if (rc != 0) return fail(std::string("cannot resolve host: ") + ::gai_strerror(rc));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int lastErr = ETIMEDOUT;
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      lastErr = ETIMEDOUT;
      break;
    }
    lastErr = connectOne(ai, static_cast<int>(left.count()), fd);
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    if (lastErr == ETIMEDOUT)
      return fail("connection timed out after " + std::to_string(timeout.count()) + " ms");
    return fail(std::strerror(lastErr));
  }
  return fd;
}

void setTcpTimeouts(int fd, std::chrono::milliseconds timeout) {
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  int secs = static_cast<int>(std::max<long long>(1, timeout.count() / 3000));
  int count = 3;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof secs);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  unsigned ms = static_cast<unsigned>(timeout.count());
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

}  // namespace stratus::api
