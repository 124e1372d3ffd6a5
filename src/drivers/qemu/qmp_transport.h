// QMP transport: one unix-socket connection to a QEMU monitor.
//
// Connects, reads the greeting, negotiates capabilities, then runs commands one
// at a time (callers queue on a mutex) while a reader thread splits replies from
// asynchronous events. Replies are matched to commands by the "id" QMP echoes,
// so a late reply to a command that timed out is never taken for the next one.
// When the connection ends (QEMU died or quit) the pending command fails and the
// EOF handler runs once.
//
// Threading: execute() and close() may be called from any thread. The event and
// EOF handlers run on the reader thread and must not block; calling execute()
// from them is refused (it would deadlock), and they must not destroy the
// transport (close() from them is fine).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace stratus::qemu {

using Json = nlohmann::json;

// An asynchronous QMP event, as QEMU sent it.
struct QmpEvent {
  std::string name;           // "SHUTDOWN", "STOP", ...
  Json data = Json::object(); // the event's "data" (empty object when absent)
  std::int64_t seconds = 0;   // QEMU's timestamp
  std::int64_t micros = 0;
};

struct QmpOptions {
  // How long connect() waits for the socket to appear and the greeting/negotiation.
  std::chrono::milliseconds connectTimeout{10000};
  // Default per-command timeout (execute() can override it).
  std::chrono::milliseconds commandTimeout{30000};
  // Checked while waiting for the socket: return false when the QEMU process is
  // gone, so connect() fails at once instead of waiting for the timeout.
  std::function<bool()> processAlive;
};

class QmpTransport {
 public:
  using EventHandler = std::function<void(const QmpEvent&)>;
  // Runs once when the connection ends without close() having been called;
  // the Error says why (EOF, read error, protocol error).
  using EofHandler = std::function<void(const Error&)>;

  // Connect to the monitor socket at `path` (waiting for it to appear up to
  // options.connectTimeout), read the greeting and negotiate qmp_capabilities.
  // ConnectFailed when the socket cannot be reached; Timeout when QEMU does not
  // answer in time; OperationFailed for a broken greeting/negotiation.
  static Result<std::unique_ptr<QmpTransport>> connect(const std::string& path,
                                                       QmpOptions options = {},
                                                       EventHandler onEvent = {},
                                                       EofHandler onEof = {});

  ~QmpTransport();
  QmpTransport(const QmpTransport&) = delete;
  QmpTransport& operator=(const QmpTransport&) = delete;

  // Run one command and return its "return" value. A QMP error reply gives
  // OperationFailed ("<command>: <class>: <desc>"); no reply in time gives
  // Timeout; the connection ending gives OperationFailed.
  Result<Json> execute(const std::string& command, const Json& arguments = Json(),
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // execute() that passes `fd` to QEMU with the command (SCM_RIGHTS), as
  // `getfd` and `add-fd` expect. The caller keeps its own copy of fd.
  Result<Json> executeWithFd(const std::string& command, const Json& arguments, int fd,
                             std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // The greeting's "QMP" object (version, capabilities).
  const Json& greeting() const { return greeting_; }
  // "major.minor.micro" of the QEMU at the other end.
  std::string qemuVersion() const;

  // False once the connection has ended (EOF, error or close()).
  bool alive() const;

  // Close the connection and join the reader. Idempotent; the EOF handler is
  // not called for a close we asked for. A pending command fails.
  void close();

 private:
  QmpTransport(int fd, QmpOptions options, EventHandler onEvent, EofHandler onEof);

  void readerLoop();
  void handleLine(const std::string& line);
  void finish(Error why);  // connection over: fail pending, notify once
  Status writeAll(const std::string& data, int passFd = -1);
  Result<Json> run(const std::string& command, const Json& arguments, int passFd,
                   std::optional<std::chrono::milliseconds> timeout);

  int fd_ = -1;
  QmpOptions options_;
  EventHandler onEvent_;
  EofHandler onEof_;
  Json greeting_;

  std::mutex commandMutex_;  // one command in flight

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  bool haveGreeting_ = false;
  bool dead_ = false;
  bool closing_ = false;
  std::optional<Error> deathReason_;
  std::uint64_t nextId_ = 1;
  std::optional<std::uint64_t> pendingId_;
  std::optional<Json> pendingReply_;

  std::mutex closeMutex_;  // serialises close() callers
  std::thread reader_;
  std::thread::id readerId_;  // set before the reader does anything
};

}  // namespace stratus::qemu
