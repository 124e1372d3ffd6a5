// Running the host's storage tools (qemu-img, mkfs, lvm, losetup, mount,
// iscsi-ls): an argv vector, never a shell, stdout captured (and optionally
// streamed to a callback for progress), stderr kept for the error message,
// and cancel through a JobMonitor that kills the child by its PID.
//
// util/process.h's runCapture mixes stdout with stderr and cannot be
// cancelled; this builds on its Process::spawn.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/job_monitor.h"
#include "util/error.h"

namespace stratus::storage {

struct CommandOptions {
  std::vector<std::string> extraEnv;  // "KEY=VALUE" added to the environment
  // Called with each piece of stdout as it arrives (qemu-img -p progress).
  std::function<void(std::string_view)> onOutput;
  // Cancel: when job->cancelRequested() the child gets SIGTERM (then SIGKILL)
  // and the result is ErrorCode::Cancelled.
  drivers::JobMonitor* job = nullptr;
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
};

struct CommandOutput {
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv[0] (looked up in PATH) to completion. A non-zero exit is an
// OperationFailed error naming the command and quoting its stderr:
// "mkfs.ext4 /dev/loop0 failed (exit code 1): <stderr>".
Result<CommandOutput> runCommand(const std::vector<std::string>& argv, const CommandOptions& opts = {});

// "prog arg1 arg2" for messages (arguments with spaces quoted).
std::string commandLine(const std::vector<std::string>& argv);

}  // namespace stratus::storage
