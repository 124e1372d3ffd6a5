#include "util/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace stratus {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

[[noreturn]] void childFail(int errPipe, int err) {
  (void)!::write(errPipe, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (!known) return "exited";
  if (exited) return "exit code " + std::to_string(code);
  return std::string("killed by signal ") + std::to_string(code) + " (" + ::strsignal(code) + ")";
}

Process::Process(Process&& o) noexcept { *this = std::move(o); }

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    if (pidfd_ >= 0) ::close(pidfd_);
    pid_ = o.pid_;
    pidfd_ = o.pidfd_;
    child_ = o.child_;
    reaped_ = o.reaped_;
    status_ = o.status_;
    o.pid_ = -1;
    o.pidfd_ = -1;
  }
  return *this;
}

Process::~Process() {
  if (pidfd_ >= 0) ::close(pidfd_);
}

Result<Process> Process::spawn(const SpawnOptions& opts) {
  if (opts.argv.empty()) return Error(ErrorCode::InvalidArgument, "spawn: empty command");
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const auto& a : opts.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> envStore;
  for (char** e = environ; *e; ++e) envStore.emplace_back(*e);
  for (const auto& e : opts.extraEnv) envStore.push_back(e);
  std::vector<char*> envp;
  for (auto& e : envStore) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out = -1;
  if (!opts.outputFile.empty()) {
    out = ::open(opts.outputFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) return systemError("cannot open " + opts.outputFile, errno);
  } else {
    out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int errPipe[2];
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    ::close(out);
    ::close(devnull);
    return systemError("cannot create pipe", errno);
  }
  std::vector<int> keep = opts.keepFds;
  std::sort(keep.begin(), keep.end());
  const char* cmd = argv[0];
  bool usePath = std::strchr(cmd, '/') == nullptr;
  const char* workDir = opts.workDir.empty() ? nullptr : opts.workDir.c_str();

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(out);
    ::close(devnull);
    ::close(errPipe[0]);
    ::close(errPipe[1]);
    return systemError("cannot fork", err);
  }
  if (pid == 0) {
    if (opts.newSession) ::setsid();
    // Default signal dispositions and an empty mask for the new program.
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    // stdin/stdout given by the caller are high numbers (never 0-2), so the
    // order of the dup2 calls cannot clobber one another.
    int in = opts.stdinFd >= 0 ? opts.stdinFd : devnull;
    int stdoutTarget = opts.stdoutFd >= 0 ? opts.stdoutFd : out;
    if (::dup2(in, 0) < 0 || ::dup2(stdoutTarget, 1) < 0 || ::dup2(out, 2) < 0) childFail(errPipe[1], errno);
    // Everything but stdio and the fds passed on is closed by exec: mark all
    // close-on-exec in one call (a loop over 64k descriptors costs ~10 ms),
    // then clear the flag on the ones we pass.
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 65536; ++fd)
        if (fd != errPipe[1] && !std::binary_search(keep.begin(), keep.end(), fd)) ::close(fd);
    }
    for (int fd : keep) {
      int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    if (workDir && ::chdir(workDir) != 0) childFail(errPipe[1], errno);
    if (usePath)
      ::execvpe(cmd, argv.data(), envp.data());
    else
      ::execve(cmd, argv.data(), envp.data());
    childFail(errPipe[1], errno);
  }
  ::close(out);
  ::close(devnull);
  ::close(errPipe[1]);
  int childErr = 0;
  ssize_t n;
  do {
    n = ::read(errPipe[0], &childErr, sizeof childErr);
  } while (n < 0 && errno == EINTR);
  ::close(errPipe[0]);
  if (n == sizeof childErr) {
    ::waitpid(pid, nullptr, 0);
    return systemError("cannot execute " + opts.argv[0], childErr);
  }
  Process p;
  p.pid_ = pid;
  p.child_ = true;
  p.pidfd_ = pidfdOpen(pid);
  if (p.pidfd_ < 0) return systemError("pidfd_open", errno);
  return p;
}

Result<Process> Process::adopt(pid_t pid) {
  Process p;
  p.pid_ = pid;
  p.child_ = false;
  p.pidfd_ = pidfdOpen(pid);
  if (p.pidfd_ < 0) {
    if (errno == ESRCH) return Error(ErrorCode::NoDomain, "process " + std::to_string(pid) + " is gone");
    return systemError("pidfd_open", errno);
  }
  return p;
}

bool Process::alive() const {
  if (pidfd_ < 0 || reaped_) return false;
  struct pollfd pfd {pidfd_, POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;
}

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
  if (reaped_) return status_;
  if (pidfd_ < 0) return ExitStatus{true, 0};
  struct pollfd pfd {pidfd_, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return std::nullopt;
  if (child_) {
    siginfo_t info{};
    if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED) == 0) {
      status_.exited = info.si_code == CLD_EXITED;
      status_.code = info.si_status;
    }
  } else {
    status_ = ExitStatus{true, 0, false};
  }
  reaped_ = true;
  return status_;
}

Status Process::signal(int sig) const {
  if (pidfd_ < 0 || reaped_) return Error(ErrorCode::OperationInvalid, "process has exited");
  if (::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) != 0) {
    if (errno == ESRCH) return okStatus();
    return systemError("cannot signal process " + std::to_string(pid_), errno);
  }
  return okStatus();
}

ExitStatus Process::terminate(std::chrono::milliseconds grace) {
  (void)signal(SIGTERM);
  if (auto st = wait(grace)) return *st;
  (void)signal(SIGKILL);
  if (auto st = wait(std::chrono::seconds(30))) return *st;
  return ExitStatus{false, SIGKILL};
}

Result<std::string> runCapture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  char tmpl[] = "/tmp/stratus-run.XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return systemError("cannot create temporary file", errno);
  ::close(fd);
  SpawnOptions so;
  so.argv = argv;
  so.outputFile = tmpl;
  so.newSession = false;
  auto p = Process::spawn(so);
  if (!p) {
    ::unlink(tmpl);
    return std::move(p).error();
  }
  auto st = p->wait(timeout);
  if (!st) st = p->terminate(std::chrono::seconds(1));
  std::string output;
  if (FILE* f = std::fopen(tmpl, "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) output.append(buf, n);
    std::fclose(f);
  }
  ::unlink(tmpl);
  if (!st->exited || st->code != 0) {
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return Error(ErrorCode::OperationFailed, argv[0] + " failed (" + st->describe() + "): " + output);
  }
  return output;
}

}  // namespace stratus
