// Domain power states and their reasons, numbered exactly as libvirt's
// virDomainState / virDomain*Reason so wire values and virsh output match.
#pragma once

#include <optional>
#include <string_view>

namespace stratus::conf {

enum class DomainState : int {
  NoState = 0,
  Running = 1,
  Blocked = 2,
  Paused = 3,
  Shutdown = 4,  // being shut down
  Shutoff = 5,
  Crashed = 6,
  PmSuspended = 7,
};

// Reasons are per state; we keep them as ints with named constants.
namespace reason {
// running
inline constexpr int RunningUnknown = 0, RunningBooted = 1, RunningMigrated = 2, RunningRestored = 3,
                     RunningFromSnapshot = 4, RunningUnpaused = 5, RunningMigrationCanceled = 6,
                     RunningSaveCanceled = 7, RunningWakeup = 8, RunningCrashed = 9,
                     RunningPostcopy = 10;
// paused
inline constexpr int PausedUnknown = 0, PausedUser = 1, PausedMigration = 2, PausedSave = 3,
                     PausedDump = 4, PausedIoError = 5, PausedWatchdog = 6, PausedFromSnapshot = 7,
                     PausedShuttingDown = 8, PausedSnapshot = 9, PausedCrashed = 10,
                     PausedStartingUp = 11;
// shutdown (in progress)
inline constexpr int ShutdownUnknown = 0, ShutdownUser = 1;
// shut off
inline constexpr int ShutoffUnknown = 0, ShutoffShutdown = 1, ShutoffDestroyed = 2,
                     ShutoffCrashed = 3, ShutoffMigrated = 4, ShutoffSaved = 5, ShutoffFailed = 6,
                     ShutoffFromSnapshot = 7, ShutoffDaemon = 8;
// crashed
inline constexpr int CrashedUnknown = 0, CrashedPanicked = 1;
}  // namespace reason

// virsh's words: "running", "shut off", "paused", "in shutdown", ...
std::string_view stateName(DomainState s);
// virsh's reason words for `domstate --reason`: "booted", "destroyed", ...
std::string_view reasonName(DomainState s, int reason);
std::optional<DomainState> stateFromName(std::string_view name);
// A domain that has a running (or paused, ...) QEMU/simulated process.
bool isActive(DomainState s);

}  // namespace stratus::conf
