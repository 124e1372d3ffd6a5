// Node: consoles of running guests (the pty QEMU created for a serial port).
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/node_impl.h"

namespace stratus::daemon {

Result<int> Node::openConsole(const std::string& key, const std::string& device) {
  std::string tty, alias;
  {
    std::shared_lock lk(impl_->mu);
    auto d = impl_->find(key);
    if (!d) return noDomainError(key);
    if (!d->active() || !d->live)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
    const auto& dv = d->live->devices;
    std::vector<const conf::ChardevDef*> candidates;
    for (const auto& c : dv.serials) candidates.push_back(&c);
    for (const auto& c : dv.consoles) candidates.push_back(&c);
    for (const auto* c : candidates) {
      if (!device.empty() && c->info.alias != device) continue;
      alias = c->info.alias;
      if (c->type != "pty")
        return Error(ErrorCode::Unsupported, "Operation not supported: character device " + alias +
                                                 " is not using a PTY (type '" + c->type + "')");
      tty = c->tty;
      break;
    }
  }
  if (alias.empty())
    return Error(ErrorCode::Unsupported, device.empty() ? "Operation not supported: the domain has no console"
                                                        : "Operation not supported: cannot find character device " + device);
  if (tty.empty()) return Error(ErrorCode::OperationFailed, "internal error: character device " + alias + " has no pty path");
  int fd = ::open(tty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return systemError("cannot open console " + tty, errno);
  // Raw bytes both ways: the guest's line discipline does the work.
  termios t{};
  if (::tcgetattr(fd, &t) == 0) {
    ::cfmakeraw(&t);
    (void)::tcsetattr(fd, TCSANOW, &t);
  }
  return fd;
}

}  // namespace stratus::daemon
