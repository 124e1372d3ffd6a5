// Shared pieces of the storage backends' integration tests: prerequisites
// that SKIP saying what is missing, and RAII owners of what a test makes on
// the host (loop devices, network namespaces, processes) so a failing test
// still cleans up.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "storage/command.h"
#include "util/process.h"

namespace stratus::storage::testing {

// Empty when `prog` is on PATH, else the reason to skip.
inline std::string missingTool(const std::string& prog) {
  auto r = runCommand({"sh", "-c", "command -v " + prog});
  return r ? std::string() : "'" + prog + "' is not installed (scripts/install-deps.sh installs it)";
}

#define STORAGE_REQUIRE_ROOT()                                                       \
  do {                                                                               \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (loop devices, mounts, LVM)";  \
  } while (0)
#define STORAGE_REQUIRE_TOOL(prog)                                  \
  do {                                                              \
    if (auto why = ::stratus::storage::testing::missingTool(prog);  \
        !why.empty())                                               \
      GTEST_SKIP() << why;                                          \
  } while (0)

// Waits for `pred` to hold, looking every few milliseconds, up to `timeout`
// (for states with no event to wait on: a daemon's socket, a job's numbers).
inline bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A sparse image file attached to a loop device for the test's lifetime.
class LoopDevice {
 public:
  LoopDevice(const std::string& file, std::uint64_t size) : file_(file) {
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd >= 0) {
      ok_ = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
      ::close(fd);
    }
    if (!ok_) return;
    auto r = runCommand({"losetup", "--find", "--show", file});
    ok_ = r.ok();
    if (ok_) {
      device_ = r->out;
      while (!device_.empty() && device_.back() == '\n') device_.pop_back();
    } else {
      error_ = r.error().message;
    }
  }
  ~LoopDevice() {
    if (!device_.empty()) (void)runCommand({"losetup", "-d", device_});
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  bool ok() const { return ok_; }
  const std::string& device() const { return device_; }
  const std::string& error() const { return error_; }

 private:
  std::string file_, device_, error_;
  bool ok_ = false;
};

// A network namespace made for the test; enter() moves the calling thread
// (and the processes it starts) into it until the guard goes away.
class NetnsGuard {
 public:
  explicit NetnsGuard(std::string name) : name_(std::move(name)) {
    (void)runCommand({"ip", "netns", "del", name_});  // a leftover of a killed run
    auto r = runCommand({"ip", "netns", "add", name_});
    if (!r) {
      error_ = r.error().message;
      return;
    }
    made_ = true;
    if (auto up = runCommand({"ip", "-n", name_, "link", "set", "lo", "up"}); !up) error_ = up.error().message;
  }
  ~NetnsGuard() {
    leave();
    if (made_) (void)runCommand({"ip", "netns", "del", name_});
  }
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  bool ok() const { return made_ && error_.empty(); }
  const std::string& error() const { return error_; }

  bool enter() {
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = ::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && original_ >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
  }
  void leave() {
    if (original_ >= 0) {
      (void)::setns(original_, CLONE_NEWNET);
      ::close(original_);
      original_ = -1;
    }
  }

 private:
  std::string name_, error_;
  bool made_ = false;
  int original_ = -1;
};

// A process the test started, stopped by its PID when the test ends.
class ChildGuard {
 public:
  ChildGuard() = default;
  explicit ChildGuard(Process p) : p_(std::move(p)), live_(true) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() { stop(); }
  void stop() {
    if (live_) (void)p_.terminate(std::chrono::seconds(5));
    live_ = false;
  }
  Process& process() { return p_; }

 private:
  Process p_;
  bool live_ = false;
};

}  // namespace stratus::storage::testing
