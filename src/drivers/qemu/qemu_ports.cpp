#include "drivers/qemu/qemu_ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stratus::drivers::qemu {

namespace {
bool portFree(int port, const std::string& addr) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) sa.sin_addr.s_addr = htonl(INADDR_ANY);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

Result<int> PortAllocator::reserve(int from, int to, const std::string& listenAddress) {
  std::lock_guard lk(mu_);
  for (int p = from; p <= to; ++p) {
    if (used_.count(p)) continue;
    if (!portFree(p, listenAddress)) continue;
    used_.insert(p);
    return p;
  }
  return Error(ErrorCode::OperationFailed, "no free port between " + std::to_string(from) + " and " + std::to_string(to));
}

void PortAllocator::release(int port) {
  std::lock_guard lk(mu_);
  used_.erase(port);
}

}  // namespace stratus::drivers::qemu
