// Node: consoles of running guests (the pty QEMU created for a serial port).
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/node_impl.h"
#include "util/fd.h"

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

Result<std::string> Node::consoleLog(const std::string& key, std::uint64_t maxBytes) {
  std::string path;
  {
    std::shared_lock lk(impl_->mu);
    auto d = impl_->find(key);
    if (!d) return noDomainError(key);
    const conf::DomainDef* def = d->live ? &*d->live : d->config ? &*d->config : nullptr;
    if (def)
      for (const auto& c : def->devices.serials)
        if (c.type == "file" && !c.sources.empty() && !c.sources.front().path.empty()) {
          path = c.sources.front().path;
          break;
        }
  }
  if (path.empty()) return Error(ErrorCode::Unsupported, "Operation not supported: the domain has no file-backed serial console");
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return std::string();  // the guest has not written yet
    return systemError("cannot open console log " + path, errno);
  }
  UniqueFd fd(raw);
  off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) return systemError("cannot size console log " + path, errno);
  off_t from = static_cast<std::uint64_t>(end) > maxBytes ? end - static_cast<off_t>(maxBytes) : 0;
  std::string out(static_cast<std::size_t>(end - from), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd.get(), out.data() + got, out.size() - got, from + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read console log " + path, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace stratus::daemon
