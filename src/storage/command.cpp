#include "storage/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "util/fd.h"
#include "util/process.h"

namespace stratus::storage {

namespace {

using namespace std::chrono_literals;

// How often a running command looks at its JobMonitor's cancel flag. The
// child's output and exit wake the loop at once; only a cancel waits a tick.
constexpr auto kCancelTick = 100ms;

std::string readWholeFile(int fd) {
  std::string s;
  char buf[4096];
  ::lseek(fd, 0, SEEK_SET);
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
  return s;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

std::string commandLine(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    if (a.find(' ') != std::string::npos || a.empty())
      s += "'" + a + "'";
    else
      s += a;
  }
  return s;
}

Result<CommandOutput> runCommand(const std::vector<std::string>& argv, const CommandOptions& opts) {
  if (argv.empty()) return Error(ErrorCode::InternalError, "runCommand: empty command");
  // stderr goes to an unlinked temporary file: it can be large (mkfs) and is
  // only read once the command is over.
  char tmpl[] = "/tmp/stratus-cmd-err.XXXXXX";
  UniqueFd errFd(::mkostemp(tmpl, O_CLOEXEC));
  if (!errFd.valid()) return systemError("cannot create a temporary file", errno);
  std::string errPath = tmpl;
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) {
    ::unlink(errPath.c_str());
    return systemError("cannot create a pipe", errno);
  }
  UniqueFd readEnd(pipeFds[0]), writeEnd(pipeFds[1]);
  ::fcntl(readEnd.get(), F_SETFL, O_NONBLOCK);

  SpawnOptions so;
  so.argv = argv;
  so.extraEnv = opts.extraEnv;
  so.outputFile = errPath;
  so.stdoutFd = writeEnd.get();
  so.newSession = true;
  auto proc = Process::spawn(so);
  ::unlink(errPath.c_str());  // errFd keeps it readable
  writeEnd.reset();
  if (!proc) return Error(proc.error().code, proc.error().message);

  CommandOutput result;
  bool cancelled = false, timedOut = false, outOpen = true;
  auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  std::optional<ExitStatus> status;
  char buf[65536];
  auto drain = [&] {
    ssize_t n;
    while ((n = ::read(readEnd.get(), buf, sizeof buf)) > 0) {
      std::string_view piece(buf, static_cast<std::size_t>(n));
      result.out.append(piece);
      if (opts.onOutput) opts.onOutput(piece);
    }
    if (n == 0) outOpen = false;
  };
  while (!status) {
    struct pollfd pfds[2] = {{proc->pidfd(), POLLIN, 0}, {outOpen ? readEnd.get() : -1, POLLIN, 0}};
    int rc = ::poll(pfds, 2, static_cast<int>(kCancelTick.count()));
    if (rc < 0 && errno != EINTR) return systemError("poll", errno);
    if (outOpen && (pfds[1].revents & (POLLIN | POLLHUP))) drain();
    if (pfds[0].revents & POLLIN) {
      drain();  // what the child wrote just before it exited
      status = proc->wait(0ms);
      break;
    }
    if (opts.job && opts.job->cancelRequested()) {
      cancelled = true;
      status = proc->terminate(2s);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timedOut = true;
      status = proc->terminate(2s);
      break;
    }
  }
  result.err = readWholeFile(errFd.get());
  std::string cmd = commandLine(argv);
  if (cancelled) return Error(ErrorCode::Cancelled, "operation cancelled: " + cmd + " was stopped");
  if (timedOut) return Error(ErrorCode::Timeout, cmd + " did not finish in time and was stopped");
  if (!status->exited || status->code != 0) {
    std::string why = trimmed(result.err);
    if (why.empty()) why = trimmed(result.out);
    return Error(ErrorCode::OperationFailed, cmd + " failed (" + status->describe() + ")" +
                                                 (why.empty() ? std::string() : ": " + why));
  }
  return result;
}

}  // namespace stratus::storage
