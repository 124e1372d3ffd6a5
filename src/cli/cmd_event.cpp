// event: subscribe to lifecycle events and print them as virsh does.
#include <array>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <deque>
#include <mutex>

#include "cli/handlers.h"
#include "cli/interrupt.h"

namespace stratus::cli {

namespace {
constexpr std::array<std::string_view, 9> kTypes = {"Defined", "Undefined", "Started", "Suspended", "Resumed",
                                                    "Stopped", "Shutdown", "PMSuspended", "Crashed"};
constexpr std::array<std::array<std::string_view, 9>, 9> kDetails = {{
    {"Added", "Updated", "Renamed", "Snapshot"},
    {"Removed", "Renamed"},
    {"Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"},
    {"Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy",
     "Post-copy Error"},
    {"Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"},
    {"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot", "Daemon"},
    {"Finished", "Finished after guest request", "Finished after host request"},
    {"Memory", "Disk"},
    {"Panicked", "Crashloaded"},
}};
// Event families virsh knows; we deliver "lifecycle".
constexpr std::string_view kEventNames[] = {
    "lifecycle", "reboot", "rtc-change", "watchdog", "io-error", "graphics", "io-error-reason",
    "control-error", "block-job", "disk-change", "tray-change", "pm-wakeup", "pm-suspend",
    "balloon-change", "pm-suspend-disk", "device-removed", "block-job-2", "tunable",
    "agent-lifecycle", "device-added", "migration-iteration", "job-completed",
    "device-removal-failed", "metadata-change", "block-threshold", "memory-failure",
    "memory-device-size-change"};

std::string_view lookupWord(int type, int detail) {
  if (type < 0 || type >= static_cast<int>(kTypes.size())) return "unknown";
  if (detail < 0 || detail >= 9 || kDetails[type][detail].empty()) return "unknown";
  return kDetails[type][detail];
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03}+0000: ", buf, ms % 1000);
}
}  // namespace

std::string formatLifecycleEvent(const daemon::DomainEvent& e) {
  std::string_view type = e.type >= 0 && e.type < static_cast<int>(kTypes.size()) ? kTypes[e.type] : "unknown";
  return fmt::format("event 'lifecycle' for domain '{}': {} {}\n", e.domainName, type,
                     lookupWord(e.type, e.detail));
}

bool cmdEvent(Ctl& ctl, const ParsedCmd& pc) {
  if (pc.has("list")) {
    for (auto n : kEventNames) ctl.printf("{}\n", n);
    return true;
  }
  std::string event = pc.get("event");
  if (!pc.has("all") && event.empty()) {
    ctl.error("one of --list, --all, or --event <type> is required");
    return false;
  }
  if (!event.empty() && std::find(std::begin(kEventNames), std::end(kEventNames), event) == std::end(kEventNames)) {
    ctl.error(fmt::format("unknown event type {}", event));
    return false;
  }
  std::optional<std::uint64_t> timeout;
  if (pc.has("timeout")) {
    timeout = parseUnsigned(pc.get("timeout"));
    if (!timeout || *timeout < 1) {
      ctl.error(fmt::format("Numeric value '{}' for <timeout> option is malformed or out of range",
                            pc.get("timeout")));
      return false;
    }
  }
  std::string onlyDomain;
  if (pc.has("domain")) {
    auto d = lookupDomain(ctl, pc);
    if (!d) return false;
    onlyDomain = d->uuid;
  }
  bool wantLifecycle = pc.has("all") || event == "lifecycle";
  bool loop = pc.has("loop"), stamps = pc.has("timestamp");

  std::mutex mu;
  std::condition_variable cv;
  std::deque<daemon::DomainEvent> queue;
  // A subscriber sees only events that happen after it subscribed (the
  // node's event bus snapshots subscribers at publish time).
  auto sub = ctl.conn()->subscribeEvents([&](const daemon::DomainEvent& e) {
    std::lock_guard lk(mu);
    queue.push_back(e);
    cv.notify_one();
  });
  if (!sub) return fail(ctl, sub.error());

  SigintScope sigint;
  ctl.flush();

  auto deadline = timeout ? std::chrono::steady_clock::now() + std::chrono::seconds(*timeout)
                          : std::chrono::steady_clock::time_point::max();
  unsigned received = 0;
  bool timedOut = false, lost = false;
  for (;;) {
    std::unique_lock lk(mu);
    cv.wait_for(lk, std::chrono::milliseconds(100), [&] { return !queue.empty(); });
    bool done = false;
    while (!queue.empty() && !done) {
      daemon::DomainEvent e = std::move(queue.front());
      queue.pop_front();
      if (e.type == daemon::kEventStreamEnded) {
        lost = true;
        done = true;
        continue;
      }
      if (!wantLifecycle || (!onlyDomain.empty() && e.domainUuid != onlyDomain)) continue;
      ++received;
      if (stamps) ctl.print(timestamp());
      ctl.print(formatLifecycleEvent(e));
      if (!loop) done = true;
    }
    lk.unlock();
    ctl.flush();
    if (done) break;
    if (sigint.interrupted()) {
      ctl.print("event loop interrupted\n");
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      timedOut = true;
      ctl.print("event loop timed out\n");
      break;
    }
  }
  sub->reset();
  ctl.printf("events received: {}\n", received);
  if (lost) {
    ctl.error("lost the connection to the daemon: the event stream ended");
    return false;
  }
  return !(timedOut && received == 0);
}

}  // namespace stratus::cli
