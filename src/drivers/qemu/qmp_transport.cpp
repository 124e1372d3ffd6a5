#include "drivers/qemu/qmp_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace stratus::qemu {

namespace {

using Clock = std::chrono::steady_clock;

// A line longer than this without a newline is not QMP: give up on the connection.
constexpr std::size_t kMaxLine = 64 * 1024 * 1024;

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Watches the socket's directory so a missing socket is waited for by event,
// not by sleeping.
class DirWatch {
 public:
  Status start(const std::string& socketPath) {
    if (fd_.get() >= 0) return okStatus();
    std::filesystem::path parent = std::filesystem::path(socketPath).parent_path();
    const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
    fd_.reset(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (fd_.get() < 0) return systemError("inotify_init1", errno);
    if (inotify_add_watch(fd_.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0)
      return Error(ErrorCode::ConnectFailed,
                   fmt::format("cannot watch {} for the QMP socket: {}", dir.string(), std::strerror(errno)));
    return okStatus();
  }
  // Wait for something to happen in the directory (or the timeout); drains events.
  void wait(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
      char buf[4096];
      while (::read(fd_.get(), buf, sizeof buf) > 0) {
      }
    }
  }

 private:
  Fd fd_;
};

// One connect attempt; returns the connected fd, or -errno.
int tryConnect(const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
  int err = errno;
  ::close(fd);
  return -err;
}

Result<int> connectSocket(const std::string& path, const QmpOptions& options,
                          Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Error(ErrorCode::ConnectFailed,
                 fmt::format("QMP socket path too long ({} bytes, limit {}): {}", path.size(),
                             sizeof addr.sun_path - 1, path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  DirWatch watch;
  // Cap each wait so a dead QEMU is noticed even if the directory stays quiet.
  constexpr std::chrono::milliseconds kSlice{100};
  while (true) {
    int fd = tryConnect(addr);
    if (fd >= 0) return fd;
    int err = -fd;
    if (err != ENOENT && err != ECONNREFUSED)
      return Error(ErrorCode::ConnectFailed,
                   fmt::format("cannot connect to QMP socket {}: {}", path, std::strerror(err)));
    if (options.processAlive && !options.processAlive())
      return Error(ErrorCode::ConnectFailed,
                   fmt::format("QEMU exited before its QMP socket {} accepted a connection", path));
    auto left = remaining(deadline);
    if (left.count() == 0)
      return Error(ErrorCode::ConnectFailed,
                   fmt::format("cannot connect to QMP socket {} within {} ms: {}", path,
                               options.connectTimeout.count(), std::strerror(err)));
    STRATUS_TRY(watch.start(path));
    // Re-try once after arming the watch: the socket may have appeared meanwhile.
    fd = tryConnect(addr);
    if (fd >= 0) return fd;
    // ECONNREFUSED: the file exists but nobody listens yet (or a stale file);
    // only a short wait, the directory will not change for that.
    watch.wait(std::min(left, -fd == ECONNREFUSED ? std::chrono::milliseconds(10) : kSlice));
  }
}

}  // namespace

Result<std::unique_ptr<QmpTransport>> QmpTransport::connect(const std::string& path,
                                                            QmpOptions options,
                                                            EventHandler onEvent,
                                                            EofHandler onEof) {
  auto deadline = Clock::now() + options.connectTimeout;
  auto fd = connectSocket(path, options, deadline);
  if (!fd) return std::move(fd).error();

  std::unique_ptr<QmpTransport> qmp(
      new QmpTransport(*fd, std::move(options), std::move(onEvent), std::move(onEof)));

  {
    std::unique_lock lock(qmp->mutex_);
    if (!qmp->cv_.wait_until(lock, deadline, [&] { return qmp->haveGreeting_ || qmp->dead_; }))
      return Error(ErrorCode::Timeout,
                   fmt::format("QEMU sent no QMP greeting on {} within {} ms", path,
                               qmp->options_.connectTimeout.count()));
    if (!qmp->haveGreeting_)
      return Error(ErrorCode::OperationFailed,
                   fmt::format("QMP connection {} ended before the greeting: {}", path,
                               qmp->deathReason_ ? qmp->deathReason_->message : "closed"));
  }
  auto left = std::max(remaining(deadline), std::chrono::milliseconds(1));
  auto caps = qmp->execute("qmp_capabilities", Json(), left);
  if (!caps) {
    Error e = std::move(caps).error();
    e.message = "QMP negotiation failed: " + e.message;
    return e;
  }
  return qmp;
}

QmpTransport::QmpTransport(int fd, QmpOptions options, EventHandler onEvent, EofHandler onEof)
    : fd_(fd),
      options_(std::move(options)),
      onEvent_(std::move(onEvent)),
      onEof_(std::move(onEof)) {
  // Hold mutex_ until readerId_ is set: the reader takes it before doing anything.
  std::lock_guard lock(mutex_);
  reader_ = std::thread([this] {
    { std::lock_guard started(mutex_); }
    readerLoop();
  });
  readerId_ = reader_.get_id();
}

QmpTransport::~QmpTransport() { close(); }

void QmpTransport::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  // From a handler on the reader thread: only wake the reader; the owner's
  // close() or destructor joins it and releases the socket.
  if (readerId_ == std::this_thread::get_id()) {
    ::shutdown(fd_, SHUT_RDWR);
    return;
  }
  std::lock_guard once(closeMutex_);
  if (fd_ < 0) return;
  ::shutdown(fd_, SHUT_RDWR);  // the reader sees EOF, fails the pending command
  if (reader_.joinable()) reader_.join();
  // Wait for a command still in execute() to return before the fd number can be reused.
  std::lock_guard noCommand(commandMutex_);
  ::close(fd_);
  fd_ = -1;
}

bool QmpTransport::alive() const {
  std::lock_guard lock(mutex_);
  return !dead_;
}

std::string QmpTransport::qemuVersion() const {
  try {
    const Json& q = greeting_.at("version").at("qemu");
    return fmt::format("{}.{}.{}", q.at("major").get<int>(), q.at("minor").get<int>(),
                       q.at("micro").get<int>());
  } catch (const Json::exception&) {
    return "unknown";
  }
}

void QmpTransport::readerLoop() {
  std::string buffer;
  char chunk[65536];
  Error why(ErrorCode::OperationFailed, "QEMU closed the monitor connection (EOF)");
  while (true) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = Error(ErrorCode::OperationFailed,
                  fmt::format("reading the QEMU monitor failed: {}", std::strerror(errno)));
      break;
    }
    if (n == 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1)
      handleLine(buffer.substr(start, nl - start));
    buffer.erase(0, start);
    if (buffer.size() > kMaxLine) {
      why = Error(ErrorCode::OperationFailed,
                  fmt::format("QEMU monitor sent more than {} bytes without a newline", kMaxLine));
      break;
    }
  }
  finish(std::move(why));
}

void QmpTransport::handleLine(const std::string& raw) {
  auto first = raw.find_first_not_of(" \t\r");
  if (first == std::string::npos) return;
  Json msg = Json::parse(raw.begin() + static_cast<std::ptrdiff_t>(first), raw.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (msg.is_discarded() || !msg.is_object()) {
    spdlog::warn("qmp: ignoring malformed message from QEMU: {:.200}", raw);
    return;
  }

  if (auto it = msg.find("event"); it != msg.end()) {
    if (!it->is_string()) {
      spdlog::warn("qmp: ignoring event without a name: {:.200}", raw);
      return;
    }
    QmpEvent ev;
    ev.name = it->get<std::string>();
    if (auto d = msg.find("data"); d != msg.end() && d->is_object()) ev.data = *d;
    if (auto ts = msg.find("timestamp"); ts != msg.end() && ts->is_object()) {
      ev.seconds = ts->value("seconds", std::int64_t{0});
      ev.micros = ts->value("microseconds", std::int64_t{0});
    }
    if (onEvent_) {
      try {
        onEvent_(ev);
      } catch (const std::exception& e) {
        spdlog::error("qmp: event handler for {} threw: {}", ev.name, e.what());
      }
    }
    return;
  }

  if (msg.contains("return") || msg.contains("error")) {
    std::lock_guard lock(mutex_);
    auto id = msg.find("id");
    bool matches = pendingId_ && !pendingReply_ &&
                   (id == msg.end() ||
                    (id->is_number_unsigned() && id->get<std::uint64_t>() == *pendingId_));
    if (!matches) {
      spdlog::debug("qmp: dropping reply nobody waits for: {:.200}", raw);
      return;
    }
    pendingReply_ = std::move(msg);
    cv_.notify_all();
    return;
  }

  if (auto q = msg.find("QMP"); q != msg.end()) {
    std::lock_guard lock(mutex_);
    if (!haveGreeting_) {
      greeting_ = q->is_object() ? *q : Json::object();
      haveGreeting_ = true;
      cv_.notify_all();
    }
    return;
  }
  spdlog::warn("qmp: ignoring unknown message from QEMU: {:.200}", raw);
}

void QmpTransport::finish(Error why) {
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    if (dead_) return;
    dead_ = true;
    deathReason_ = why;
    notify = !closing_;
    cv_.notify_all();
  }
  if (notify && onEof_) {
    try {
      onEof_(why);
    } catch (const std::exception& e) {
      spdlog::error("qmp: EOF handler threw: {}", e.what());
    }
  }
}

Status QmpTransport::writeAll(const std::string& data, int passFd) {
  std::size_t off = 0;
  if (passFd >= 0 && !data.empty()) {
    // The descriptor rides on the first byte(s) of the command.
    iovec iov{const_cast<char*>(data.data()), data.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &passFd, sizeof(int));
    ssize_t n;
    do {
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return systemError("passing a file descriptor to the QEMU monitor", errno);
    off = static_cast<std::size_t>(n);
  }
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("writing to the QEMU monitor", errno);
    off += static_cast<std::size_t>(n);
  }
  return okStatus();
}

Result<Json> QmpTransport::execute(const std::string& command, const Json& arguments,
                                   std::optional<std::chrono::milliseconds> timeout) {
  return run(command, arguments, -1, timeout);
}

Result<Json> QmpTransport::executeWithFd(const std::string& command, const Json& arguments, int fd,
                                         std::optional<std::chrono::milliseconds> timeout) {
  if (fd < 0) return Error(ErrorCode::InvalidArgument, fmt::format("QMP command '{}': no file descriptor to pass", command));
  return run(command, arguments, fd, timeout);
}

Result<Json> QmpTransport::run(const std::string& command, const Json& arguments, int passFd,
                               std::optional<std::chrono::milliseconds> timeout) {
  if (readerId_ == std::this_thread::get_id())
    return Error(ErrorCode::InternalError,
                 fmt::format("QMP command '{}' issued from the monitor's own event thread", command));

  std::lock_guard one(commandMutex_);
  auto wait = timeout.value_or(options_.commandTimeout);
  auto deadline = Clock::now() + wait;

  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    if (dead_)
      return Error(ErrorCode::OperationFailed,
                   fmt::format("cannot run QMP command '{}': monitor connection is closed ({})",
                               command, deathReason_ ? deathReason_->message : "closed"));
    id = nextId_++;
    pendingId_ = id;
    pendingReply_.reset();
  }

  Json request = {{"execute", command}, {"id", id}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  if (auto w = writeAll(request.dump() + "\n", passFd); !w) {
    std::lock_guard lock(mutex_);
    pendingId_.reset();
    return Error(ErrorCode::OperationFailed,
                 fmt::format("QMP command '{}': {}", command, w.error().message));
  }

  std::unique_lock lock(mutex_);
  bool done = cv_.wait_until(lock, deadline, [&] { return pendingReply_.has_value() || dead_; });
  pendingId_.reset();
  if (!done)
    return Error(ErrorCode::Timeout,
                 fmt::format("QMP command '{}' got no reply within {} ms", command, wait.count()));
  if (!pendingReply_)
    return Error(ErrorCode::OperationFailed,
                 fmt::format("QEMU monitor connection closed while waiting for the reply to '{}' "
                             "(QEMU exited?): {}",
                             command, deathReason_ ? deathReason_->message : "closed"));
  Json reply = std::move(*pendingReply_);
  pendingReply_.reset();
  lock.unlock();

  if (auto err = reply.find("error"); err != reply.end()) {
    std::string cls = "GenericError", desc = "(no description)";
    if (err->is_object()) {
      if (auto c = err->find("class"); c != err->end() && c->is_string()) cls = c->get<std::string>();
      if (auto d = err->find("desc"); d != err->end() && d->is_string()) desc = d->get<std::string>();
    }
    return Error(ErrorCode::OperationFailed, fmt::format("QMP {}: {}: {}", command, cls, desc));
  }
  return std::move(reply["return"]);
}

}  // namespace stratus::qemu
