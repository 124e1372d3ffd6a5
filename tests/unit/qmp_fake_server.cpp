#include "qmp_fake_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace stratus::qemu::testing {

namespace {
// How long the server waits for the client at any point before giving up.
constexpr int kIoTimeoutMs = 10000;
}  // namespace

struct FakeQmpServer::Conn {
  int fd = -1;
  std::string buffer;
};

FakeQmpServer::FakeQmpServer() {
  char tmpl[] = "/tmp/stratus-qmp-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  socketPath_ = dir_ + "/qmp.sock";
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socketPath_.c_str(), sizeof addr.sun_path - 1);
  if (listenFd_ < 0 || ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 4) != 0) {
    int err = errno;
    if (listenFd_ >= 0) ::close(listenFd_);
    std::filesystem::remove_all(dir_);
    throw std::runtime_error(std::string("fake QMP server listen: ") + std::strerror(err));
  }
  stopFd_ = ::eventfd(0, EFD_CLOEXEC);
}

FakeQmpServer::~FakeQmpServer() {
  std::uint64_t one = 1;
  if (stopFd_ >= 0) (void)!::write(stopFd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  if (listenFd_ >= 0) ::close(listenFd_);
  if (stopFd_ >= 0) ::close(stopFd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void FakeQmpServer::fail(std::string what) {
  std::lock_guard lock(mutex_);
  failures_.push_back(std::move(what));
}

std::vector<std::string> FakeQmpServer::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::vector<Json> FakeQmpServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

static bool sendAll(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Wait until `fd` is readable or the server is being destroyed.
static bool waitReadable(int fd, int stopFd) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stopFd, POLLIN, 0}};
  int r = ::poll(p, 2, kIoTimeoutMs);
  return r > 0 && (p[1].revents & POLLIN) == 0 && (p[0].revents & (POLLIN | POLLHUP)) != 0;
}

bool FakeQmpServer::readCommand(Conn& c, Json& out) {
  while (true) {
    auto nl = c.buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = c.buffer.substr(0, nl);
      c.buffer.erase(0, nl + 1);
      if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
      out = Json::parse(line, nullptr, false);
      if (out.is_discarded()) {
        fail("client sent malformed JSON: " + line);
        return false;
      }
      std::lock_guard lock(mutex_);
      received_.push_back(out);
      return true;
    }
    if (!waitReadable(c.fd, stopFd_)) {
      fail("timed out (or stopped) waiting for a command from the client");
      return false;
    }
    char buf[4096];
    ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n <= 0) {
      fail("client closed the connection while a command was expected");
      return false;
    }
    c.buffer.append(buf, static_cast<std::size_t>(n));
  }
}

FakeQmpServer& FakeQmpServer::greeting() {
  return raw(R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, )"
             R"("package": "fake"}, "capabilities": ["oob"]}})"
             "\r\n");
}

FakeQmpServer& FakeQmpServer::handshake() {
  greeting();
  return expect("qmp_capabilities", {{"return", Json::object()}});
}

FakeQmpServer& FakeQmpServer::expect(const std::string& command, Json reply) {
  steps_.push_back([this, command, reply](Conn& c) mutable {
    Json cmd;
    if (!readCommand(c, cmd)) return false;
    std::string got = cmd.value("execute", std::string());
    if (!command.empty() && got != command) fail("expected command " + command + ", got " + cmd.dump());
    if (cmd.contains("id")) reply["id"] = cmd["id"];
    lastIdJson_ = cmd.contains("id") ? cmd["id"] : Json();
    return sendAll(c.fd, reply.dump() + "\r\n");
  });
  return *this;
}

FakeQmpServer& FakeQmpServer::expectNoReply(const std::string& command) {
  steps_.push_back([this, command](Conn& c) {
    Json cmd;
    if (!readCommand(c, cmd)) return false;
    std::string got = cmd.value("execute", std::string());
    if (!command.empty() && got != command) fail("expected command " + command + ", got " + cmd.dump());
    lastIdJson_ = cmd.contains("id") ? cmd["id"] : Json();
    return true;
  });
  return *this;
}

FakeQmpServer& FakeQmpServer::replyLate(Json reply) {
  steps_.push_back([this, reply](Conn& c) mutable {
    if (!lastIdJson_.is_null()) reply["id"] = lastIdJson_;
    return sendAll(c.fd, reply.dump() + "\r\n");
  });
  return *this;
}

FakeQmpServer& FakeQmpServer::event(const std::string& name, Json data) {
  Json ev = {{"event", name},
             {"data", std::move(data)},
             {"timestamp", {{"seconds", 1700000000}, {"microseconds", 42}}}};
  return raw(ev.dump() + "\r\n");
}

FakeQmpServer& FakeQmpServer::raw(std::string bytes) {
  steps_.push_back([bytes](Conn& c) { return sendAll(c.fd, bytes); });
  return *this;
}

FakeQmpServer& FakeQmpServer::run(std::function<void()> fn) {
  steps_.push_back([fn](Conn&) {
    fn();
    return true;
  });
  return *this;
}

FakeQmpServer& FakeQmpServer::close() {
  steps_.push_back([](Conn& c) {
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    c.fd = -1;
    return false;
  });
  return *this;
}

void FakeQmpServer::start() {
  thread_ = std::thread([this] { play(); });
}

void FakeQmpServer::play() {
  Conn c;
  if (waitReadable(listenFd_, stopFd_)) c.fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (c.fd < 0) {
    fail("no client connected");
  } else {
    for (auto& step : steps_)
      if (!step(c)) break;
    if (c.fd >= 0) {
      // Script over: keep the connection open until the client closes it or
      // the server is destroyed, so the client never sees a spurious EOF.
      markDone();
      while (waitReadable(c.fd, stopFd_)) {
        char buf[4096];
        ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n <= 0) break;
        fail("client sent data after the script ended: " + std::string(buf, static_cast<std::size_t>(n)));
      }
      ::close(c.fd);
    }
  }
  markDone();
}

void FakeQmpServer::markDone() {
  std::lock_guard lock(mutex_);
  done_ = true;
  doneCv_.notify_all();
}

bool FakeQmpServer::waitDone(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return doneCv_.wait_for(lock, timeout, [&] { return done_; });
}

}  // namespace stratus::qemu::testing
