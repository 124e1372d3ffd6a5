// The simulated hypervisor's migration: enough for the node's phases, the
// orchestrator and the API to be tested without QEMU. The guest's "memory"
// is its size in bytes of progress; a bandwidth limit makes the send take
// (memory / bandwidth) so that progress, abort and keepalive loss can be
// observed; a tunnelled send writes a marker through the fd that the
// incoming side checks.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "drivers/driver.h"
#include "util/fd.h"

namespace stratus::drivers::testmig {

inline constexpr std::string_view kStreamMarker = "stratus-test-migration\n";

// The source side: what Instance::migrate does for a simulated guest.
class Outgoing {
 public:
  explicit Outgoing(std::uint64_t memoryBytes) : memoryBytes_(memoryBytes) {}
  Result<MigrationResult> migrate(const MigrationTarget& to, const MigrationParams& params);
  Status setSpeed(std::uint64_t bytesPerSecond) {
    speed_ = bytesPerSecond;
    return okStatus();
  }
  Status setDowntime(std::uint64_t ms) {
    downtime_ = ms;
    return okStatus();
  }
  std::pair<std::uint64_t, std::uint64_t> tuning() const { return {downtime_.load(), speed_.load()}; }

 private:
  std::uint64_t memoryBytes_;
  std::atomic<std::uint64_t> speed_{0};
  std::atomic<std::uint64_t> downtime_{300};
};

// The destination side of an instance launched with `incoming`.
class Incoming {
 public:
  explicit Incoming(const IncomingMigration& in);
  std::string uri() const { return uri_; }
  // Reads a tunnelled stream to its end and checks it; a TCP one "arrives" at once.
  Status wait(std::chrono::milliseconds timeout);

 private:
  std::string uri_;
  UniqueFd fd_;
  bool done_ = false;
};

}  // namespace stratus::drivers::testmig
