// Spawning and watching child processes (QEMU, dnsmasq, qemu-img).
//
// Exit is observed through a pidfd, so a watcher can wait on it with poll()
// and a timeout instead of polling with sleeps, and it works for processes we
// did not start ourselves (reattach after a daemon restart).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace stratus {

struct SpawnOptions {
  std::vector<std::string> argv;      // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> extraEnv;  // "KEY=VALUE" added to the inherited environment
  std::string outputFile;             // stdout+stderr appended here; empty: /dev/null
  bool newSession = true;             // setsid(): terminal signals of the parent do not reach it
  std::vector<int> keepFds;           // file descriptors passed on (others are closed)
  int stdinFd = -1;                   // >= 0: the child's stdin (default /dev/null)
  int stdoutFd = -1;                  // >= 0: the child's stdout (stderr still goes to outputFile)
  std::string workDir;
};

struct ExitStatus {
  bool exited = false;   // normal exit
  int code = 0;          // exit code, or signal number when !exited
  bool known = true;     // false for adopted processes: their status went to their parent
  std::string describe() const;  // "exit code 1", "killed by signal 9"
};

// A started (or adopted) process. Move-only; the destructor neither kills nor
// waits: guests outlive their daemon by design.
class Process {
 public:
  Process() = default;
  Process(Process&&) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  static Result<Process> spawn(const SpawnOptions& opts);
  // Watch a process that is not our child (e.g. after a daemon restart).
  static Result<Process> adopt(pid_t pid);

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }  // readable once the process has exited
  bool isChild() const { return child_; }

  bool alive() const;
  // Wait for exit, up to `timeout`. Returns the status (for our own children;
  // an adopted process reports exited=true, code=0 as its status is not ours
  // to read) or nullopt on timeout.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
  Status signal(int sig) const;
  // SIGTERM, wait up to `grace`, then SIGKILL and wait again.
  ExitStatus terminate(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool child_ = false;
  bool reaped_ = false;
  ExitStatus status_;
};

// Run a command to completion, capturing stdout (and stderr into the error).
Result<std::string> runCapture(const std::vector<std::string>& argv,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace stratus
