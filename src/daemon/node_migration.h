// A domain's migration while it is under way, on either side (shared by
// node_migration*.cpp). Lives in DomainObj::migration from begin (source) or
// prepare (destination) until confirm or finish.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/migration_types.h"
#include "drivers/job_monitor.h"
#include "util/fd.h"

namespace stratus::daemon {

struct MigrationSession {
  enum class Side { Out, In };
  Side side = Side::Out;
  MigrateOptions options;
  std::shared_ptr<drivers::JobMonitor> op;  // domjobinfo / domjobabort

  // ---- source ----
  bool performed = false;  // QEMU completed: the guest waits, paused, for confirm
  MigrationOutcome outcome;

  // ---- destination ----
  bool createdDomain = false;             // prepare made the domain object (else it was defined here)
  bool definedHere = false;               // offline: prepare defined it; finish(!ok) undefines it
  std::vector<std::string> createdDisks;  // copy-storage: files prepare created
  UniqueFd tunnelWrite;                   // tunnelled: QEMU reads the other end
  std::string persistentXml;              // --persistent: what finish defines

  // The keepalive watchdog of an incoming guest: the orchestrator must call
  // migrateKeepalive before `deadline`.
  std::mutex keepaliveMu;
  std::condition_variable keepaliveCv;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::seconds keepaliveTimeout{30};
  bool ended = false;
  std::thread watchdog;

  void keepalive() {
    std::lock_guard lk(keepaliveMu);
    deadline = std::chrono::steady_clock::now() + keepaliveTimeout;
  }
  void stopWatchdog() {
    {
      std::lock_guard lk(keepaliveMu);
      ended = true;
    }
    keepaliveCv.notify_all();
    if (watchdog.joinable() && watchdog.get_id() != std::this_thread::get_id()) watchdog.join();
  }
  ~MigrationSession() {
    stopWatchdog();
    if (watchdog.joinable()) watchdog.detach();
  }
};

}  // namespace stratus::daemon
