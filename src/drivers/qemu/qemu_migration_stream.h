// The byte stream between QEMU's migration code and a save image: the image
// file itself for raw images, or a pipe through a compressor (save) or a
// decompressor (restore) for compressed ones. QEMU gets the descriptor with
// `getfd`; nothing runs through a shell.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "util/error.h"
#include "util/fd.h"
#include "util/process.h"

namespace stratus::drivers::qemu {

class MigrationStream {
 public:
  // Save: QEMU writes to qemuFd(); the (compressed) stream lands in imageFd
  // from its current offset. `logPath` receives the helper's stderr.
  static Result<MigrationStream> toImage(int imageFd, const std::string& format, const std::string& logPath);
  // Restore: QEMU reads from qemuFd() what imageFd holds from its current offset.
  static Result<MigrationStream> fromImage(int imageFd, const std::string& format, const std::string& logPath);

  MigrationStream(MigrationStream&& o) noexcept;
  MigrationStream& operator=(MigrationStream&&) = delete;
  ~MigrationStream();

  // The descriptor to hand to QEMU.
  int qemuFd() const { return pipeEnd_.valid() ? pipeEnd_.get() : imageFd_; }
  // Once QEMU holds its copy: close ours, so the helper sees EOF when QEMU
  // closes its end.
  void releaseQemuEnd() { pipeEnd_.reset(); }
  bool compressed() const { return helper_.has_value(); }
  // Wait for the helper to end after QEMU closed its end; an error when it
  // failed (disk full, corrupt input) or took longer than `timeout`.
  Status finish(std::chrono::milliseconds timeout);
  // Stop the helper now (the job failed or was cancelled).
  void abort();

 private:
  MigrationStream() = default;
  static Result<MigrationStream> make(int imageFd, const std::string& format, const std::string& logPath,
                                      bool toImage);

  int imageFd_ = -1;  // not owned
  UniqueFd pipeEnd_;  // QEMU's end of the pipe to the helper, until released
  std::optional<Process> helper_;
  std::string program_;
};

}  // namespace stratus::drivers::qemu
