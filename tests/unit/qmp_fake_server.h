// A scripted fake QMP server for unit tests: listens on a unix socket in its own
// temp dir, accepts one client and plays a script (send greeting, expect a
// command and answer it, send events or raw bytes, close). Mismatches are
// recorded as failures, never thrown. Everything is cleaned up in the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::qemu::testing {

using Json = nlohmann::json;

class FakeQmpServer {
 public:
  FakeQmpServer();  // binds and listens; the script runs after start()
  ~FakeQmpServer();
  FakeQmpServer(const FakeQmpServer&) = delete;
  FakeQmpServer& operator=(const FakeQmpServer&) = delete;

  const std::string& socketPath() const { return socketPath_; }
  const std::string& dir() const { return dir_; }

  // --- script steps, played in order ---
  FakeQmpServer& greeting();  // a QEMU 7.2.0-like greeting
  // greeting + expect qmp_capabilities -> {"return": {}}
  FakeQmpServer& handshake();
  // Read one command; it must be `command` ("" accepts any). Reply with `reply`
  // ({"return": ...} or {"error": ...}) carrying the command's id.
  FakeQmpServer& expect(const std::string& command, Json reply);
  // Read one command and do not answer it (its id is kept for replyLate).
  FakeQmpServer& expectNoReply(const std::string& command);
  // Answer the last command read (typically after a timeout on the client).
  FakeQmpServer& replyLate(Json reply);
  FakeQmpServer& event(const std::string& name, Json data = Json::object());
  FakeQmpServer& raw(std::string bytes);      // sent exactly as given
  FakeQmpServer& run(std::function<void()> fn);  // runs on the server thread
  FakeQmpServer& close();                     // close the client connection

  void start();
  // Wait for the script to finish; false on timeout.
  bool waitDone(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<std::string> failures() const;
  std::vector<Json> received() const;  // every command read, in order

 private:
  struct Conn;
  using Step = std::function<bool(Conn&)>;  // false: stop the script
  void play();
  void fail(std::string what);
  bool readCommand(Conn& c, Json& out);
  void markDone();

  std::string dir_;
  std::string socketPath_;
  int listenFd_ = -1;
  int stopFd_ = -1;  // eventfd: wakes the server thread on destruction
  std::vector<Step> steps_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable doneCv_;
  bool done_ = false;
  std::vector<std::string> failures_;
  std::vector<Json> received_;
  Json lastIdJson_;
};

}  // namespace stratus::qemu::testing
