#include "conf/domain_state.h"

#include <array>

namespace stratus::conf {

std::string_view stateName(DomainState s) {
  switch (s) {
    case DomainState::NoState: return "no state";
    case DomainState::Running: return "running";
    case DomainState::Blocked: return "idle";
    case DomainState::Paused: return "paused";
    case DomainState::Shutdown: return "in shutdown";
    case DomainState::Shutoff: return "shut off";
    case DomainState::Crashed: return "crashed";
    case DomainState::PmSuspended: return "pmsuspended";
  }
  return "no state";
}

std::optional<DomainState> stateFromName(std::string_view name) {
  for (int i = 0; i <= 7; ++i)
    if (stateName(static_cast<DomainState>(i)) == name) return static_cast<DomainState>(i);
  return std::nullopt;
}

std::string_view reasonName(DomainState s, int r) {
  // Tables copied in meaning (not text) from virsh's vshDomainStateReasonToString.
  static constexpr std::array<std::string_view, 11> running = {
      "unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
      "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy"};
  static constexpr std::array<std::string_view, 12> paused = {
      "unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
      "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up"};
  static constexpr std::array<std::string_view, 2> shutdown = {"unknown", "user"};
  static constexpr std::array<std::string_view, 9> shutoff = {
      "unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
      "from snapshot", "daemon"};
  static constexpr std::array<std::string_view, 2> crashed = {"unknown", "panicked"};
  auto pick = [r](const auto& table) -> std::string_view {
    if (r < 0 || static_cast<std::size_t>(r) >= table.size()) return "unknown";
    return table[static_cast<std::size_t>(r)];
  };
  switch (s) {
    case DomainState::Running: return pick(running);
    case DomainState::Paused: return pick(paused);
    case DomainState::Shutdown: return pick(shutdown);
    case DomainState::Shutoff: return pick(shutoff);
    case DomainState::Crashed: return pick(crashed);
    default: return "unknown";
  }
}

bool isActive(DomainState s) {
  return s != DomainState::Shutoff && s != DomainState::NoState;
}

}  // namespace stratus::conf
