// Helpers for tests that drive real QEMU processes: find the binary, spawn
// QEMU in a temp dir (killed by PID and reaped on destruction), record QMP
// events, and wait for lines on a serial log file (inotify, no polling).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/qemu/qmp_transport.h"
#include "../unit/qmp_recorder.h"

extern char** environ;

namespace stratus::qemu::testing {

using namespace std::chrono_literals;

inline 
std::string findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(ss, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// A QEMU process in its own temp dir; killed (by PID) and reaped on destruction.
class QemuProcess {
 public:
  QemuProcess() {
    char tmpl[] = "/tmp/stratus-qmpit-XXXXXX";
    if (mkdtemp(tmpl)) dir_ = tmpl;
  }
  ~QemuProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    if (pidfd_ >= 0) ::close(pidfd_);
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  std::string socketPath() const { return dir_ + "/qmp.sock"; }
  std::string logPath() const { return dir_ + "/qemu.log"; }
  pid_t pid() const { return pid_; }

  // QEMU with a QMP socket at socketPath() and `extra` arguments.
  bool spawnQemu(const std::string& binary, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {binary, "-qmp",
                                     "unix:" + socketPath() + ",server=on,wait=off"};
    args.insert(args.end(), extra.begin(), extra.end());
    return spawn(args);
  }

  // Any program; stdout and stderr go to logPath().
  bool spawn(std::vector<std::string> args) {
    const std::string binary = args.at(0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, logPath().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    return true;
  }

  bool alive() {
    if (exited_) return false;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      status_ = status;
      return false;
    }
    return true;
  }

  // Wait (on the pidfd, no polling) for QEMU to exit; false on timeout.
  bool waitExit(std::chrono::milliseconds timeout) {
    if (!alive()) return true;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    }
    int status;
    if (::waitpid(pid_, &status, 0) != pid_) return false;
    exited_ = true;
    status_ = status;
    return true;
  }
  int status() const { return status_; }

  std::string log() const {
    std::ifstream in(logPath());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// Follows a growing text file (QEMU's serial log) and waits for a line
// containing a pattern; woken by inotify, never by sleeping.
class SerialWatcher {
 public:
  explicit SerialWatcher(std::string path) : path_(std::move(path)) {
    std::ofstream(path_, std::ios::app).close();  // exists before QEMU opens it
    fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd_ >= 0) inotify_add_watch(fd_, path_.c_str(), IN_MODIFY);
  }
  ~SerialWatcher() {
    if (fd_ >= 0) ::close(fd_);
  }
  SerialWatcher(const SerialWatcher&) = delete;
  SerialWatcher& operator=(const SerialWatcher&) = delete;

  // The first complete line (after the ones already consumed) containing
  // `needle`; nullopt on timeout. Lines before it are consumed.
  std::optional<std::string> waitLine(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      readMore();
      for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        all_ += line + "\n";
        if (line.find(needle) != std::string::npos) return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
        char buf[4096];
        while (::read(fd_, buf, sizeof buf) > 0) {
        }
      }
    }
  }
  const std::string& seen() const { return all_; }

 private:
  void readMore() {
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += chunk.size();
    pending_ += chunk;
  }

  std::string path_;
  int fd_ = -1;
  std::size_t offset_ = 0;
  std::string pending_;
  std::string all_;
};

}  // namespace stratus::qemu::testing
