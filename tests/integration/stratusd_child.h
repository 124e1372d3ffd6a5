// Child processes for the tests that drive the real binaries: a stratusd
// (--driver test) on its own temp root, and one run of the stratus CLI.
// Children are stopped by PID, also when an assertion fails.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "api/client.h"

extern char** environ;

namespace stratus::ittest {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/stratus-it-XXXXXX";
    if (::mkdtemp(tmpl)) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A spawned process with stdout/stderr in files; SIGKILLed and reaped by the
// destructor when still running.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { kill(SIGKILL), wait(std::chrono::seconds(10)); }

  bool spawn(const std::vector<std::string>& args, const std::string& outFile, const std::string& errFile) {
    std::vector<std::string> a = args;
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      status_ = st;
      return false;
    }
    return true;
  }
  void kill(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // The exit code (128+signal when killed), or -1 when it did not end in time.
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// stratusd --driver test --root ROOT.
class TestDaemon {
 public:
  explicit TestDaemon(std::string root) : root_(std::move(root)) {}
  bool start(const std::string& binary) {
    return child_.spawn({binary, "--root", root_, "--driver", "test"}, "/dev/null", root_ + "/stratusd.stderr");
  }
  std::string socket() const { return api::socketPathForRoot(root_); }
  std::string uri() const { return "qemu+unix:///system?socket=" + socket(); }
  // Until the socket answers; false when the daemon exited or time ran out.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      api::HttpConnection c(socket());
      if (c.connect().ok()) return true;
      if (!child_.running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  void kill(int sig) { child_.kill(sig); }
  int wait(std::chrono::milliseconds timeout) { return child_.wait(timeout); }
  std::string stderrText() const { return slurp(root_ + "/stratusd.stderr"); }

 private:
  std::string root_;
  Child child_;
};

}  // namespace stratus::ittest
