#include "drivers/qemu/qemu_migration_stream.h"

#include <fcntl.h>
#include <signal.h>

#include <utility>

#include "util/compress.h"

namespace stratus::drivers::qemu {

using namespace std::chrono_literals;

Result<MigrationStream> MigrationStream::toImage(int imageFd, const std::string& format,
                                                 const std::string& logPath) {
  return make(imageFd, format, logPath, true);
}

Result<MigrationStream> MigrationStream::fromImage(int imageFd, const std::string& format,
                                                   const std::string& logPath) {
  return make(imageFd, format, logPath, false);
}

Result<MigrationStream> MigrationStream::make(int imageFd, const std::string& format, const std::string& logPath,
                                              bool toImage) {
  MigrationStream s;
  s.imageFd_ = imageFd;
  if (format.empty() || format == "raw") return s;
  auto c = compressorFor(format);
  if (!c) return std::move(c).error();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return systemError("cannot create a pipe for the save image", errno);
  UniqueFd readEnd(p[0]), writeEnd(p[1]);
  // Larger pipe buffers: fewer context switches between QEMU and the helper.
  (void)::fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
  SpawnOptions so;
  so.argv = toImage ? c->compressArgv : c->decompressArgv;
  so.outputFile = logPath;
  so.newSession = true;
  if (toImage) {
    so.stdinFd = readEnd.get();
    so.stdoutFd = imageFd;
  } else {
    so.stdinFd = imageFd;
    so.stdoutFd = writeEnd.get();
  }
  auto proc = Process::spawn(so);
  if (!proc) return std::move(proc).error();
  s.helper_ = std::move(proc).value();
  s.program_ = so.argv[0];
  s.pipeEnd_ = toImage ? std::move(writeEnd) : std::move(readEnd);
  return s;
}

MigrationStream::MigrationStream(MigrationStream&& o) noexcept
    : imageFd_(o.imageFd_),
      pipeEnd_(std::move(o.pipeEnd_)),
      helper_(std::exchange(o.helper_, std::nullopt)),
      program_(std::move(o.program_)) {}

MigrationStream::~MigrationStream() { abort(); }

Status MigrationStream::finish(std::chrono::milliseconds timeout) {
  pipeEnd_.reset();
  if (!helper_) return okStatus();
  auto st = helper_->wait(timeout);
  if (!st) {
    abort();
    return Error(ErrorCode::OperationFailed, "operation failed: " + program_ + " did not finish the save image");
  }
  helper_.reset();
  if (!st->exited || st->code != 0)
    return Error(ErrorCode::OperationFailed, "operation failed: " + program_ + " failed on the save image (" +
                                                 st->describe() + ")");
  return okStatus();
}

void MigrationStream::abort() {
  pipeEnd_.reset();
  if (!helper_) return;
  // Our own child, by pid(fd): killed and reaped, never left behind.
  (void)helper_->signal(SIGKILL);
  (void)helper_->wait(5s);
  helper_.reset();
}

}  // namespace stratus::drivers::qemu
