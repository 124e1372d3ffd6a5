// One interface for every hypervisor (libvirt's driver table, narrowed to what
// a hypervisor does). The daemon's Node owns registry, persistence, jobs and
// state; a driver only runs guests and reports what happens to them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "conf/domain_def.h"
#include "conf/domain_state.h"
#include "daemon/types.h"
#include "drivers/job_monitor.h"
#include "util/error.h"

namespace stratus::drivers {

// Something that happened to a running guest on its own (not as the direct
// result of a call on it): the guest powered off, QEMU died, the guest paused
// on an I/O error, ...
struct InstanceEvent {
  enum class Kind {
    GuestShutdown,  // the guest powered off (shutdown reason)
    Exited,         // the hypervisor process ended without a guest power-off
    Crashed,        // the guest crashed / panicked
    Paused,         // paused by the hypervisor (reason in `reason`)
    Resumed,
    Reset,          // guest-initiated reboot
  };
  Kind kind;
  int reason = 0;
  std::string detail;  // human text (exit status, QEMU's message)
};

// Called by the driver from its own threads. Must not block.
using InstanceEventSink = std::function<void(const InstanceEvent&)>;

struct InstanceStats {
  std::uint64_t cpuTimeNs = 0;
  std::uint64_t memoryKiB = 0;  // balloon actual / current memory
  unsigned vcpus = 0;
};

// How Instance::saveStateTo writes the guest's state.
struct SaveStateOptions {
  std::string format = "raw";        // raw, or a compressed format of util/compress.h
  std::uint64_t maxBandwidth = 0;    // bytes per second; 0: as fast as possible
  JobMonitor* monitor = nullptr;     // progress goes here; cancellation comes from here
};

// A running (or paused) guest. Methods are called with the domain's job held,
// never concurrently with each other for one instance.
class Instance {
 public:
  virtual ~Instance() = default;
  virtual int id() const = 0;
  virtual int pid() const { return 0; }
  virtual Status pause() = 0;
  virtual Status resume() = 0;
  // Ask the guest to power off; completion arrives as a GuestShutdown event.
  virtual Status shutdown(const daemon::ShutdownOptions& opts) = 0;
  // Stop the guest now; on return the hypervisor process is gone.
  virtual Status destroy(const daemon::DestroyOptions& opts) = 0;
  virtual Status reboot() = 0;
  virtual Status reset() = 0;
  virtual Result<InstanceStats> stats() = 0;
  virtual Status setMemory(std::uint64_t kib) = 0;
  virtual Status setVcpus(unsigned count) = 0;
  virtual Status injectNmi() {
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: virDomainInjectNMI");
  }
  // Write the guest's state (memory, devices) to fd for save/managedsave; the
  // guest is stopped afterwards by the caller (destroy). The node writes the
  // save-file header (domain XML) before this.
  virtual Status saveState(int fd) {
    return Error(ErrorCode::Unsupported, "this driver cannot save guests");
  }
  // saveState with a format, progress and cancellation (a guest the caller
  // paused stays paused when this fails or is cancelled). The default
  // ignores the options.
  virtual Status saveStateTo(int fd, const SaveStateOptions& opts) { return saveState(fd); }
  // The definition as the driver runs it (resolved machine type, device
  // aliases, pty paths); the node shows it as the live XML. nullopt: as given.
  virtual std::optional<conf::DomainDef> liveDefinition() const { return std::nullopt; }
  // Opaque state the driver needs to reattach after a daemon restart
  // (pid, monitor socket), stored by the daemon in RUN/<driver>/NAME.xml.
  virtual std::string reattachState() const { return {}; }
};

struct LaunchOptions {
  bool paused = false;
  int id = 0;            // the domain id the node assigned
  int restoreFd = -1;    // >= 0: load state written by Instance::saveState from here
  std::string restoreFormat = "raw";  // how that state is compressed
  std::uint64_t restoreBytes = 0;     // its size in the file (progress), 0: unknown
  JobMonitor* monitor = nullptr;      // restore progress and cancellation
};

struct SecurityInfo {
  std::string model = "none";
  std::string doi = "0";
  std::string label;  // empty: no label line
};

class HypervisorDriver {
 public:
  virtual ~HypervisorDriver() = default;
  // "QEMU", "Test": virsh's "Running hypervisor: NAME VERSION".
  virtual std::string name() const = 0;
  virtual std::string version() const = 0;
  virtual Result<daemon::NodeInfo> nodeInfo() = 0;
  // Driver defaults filled in at define/create time, as libvirt's post-parse
  // does (e.g. QEMU resolves machine aliases and adds the memory balloon).
  virtual void applyDefaults(conf::DomainDef& def) {}
  // What dominfo calls "OS Type" (libvirt's test driver says "linux").
  virtual std::string reportedOsType(const conf::DomainDef& def) const { return def.osType; }
  virtual SecurityInfo securityInfo() const { return {}; }
  // Refuse definitions this driver can never run (kvm without /dev/kvm, a
  // device it cannot honour), naming the device.
  virtual Status checkStartable(const conf::DomainDef& def) = 0;
  virtual Result<std::unique_ptr<Instance>> launch(const conf::DomainDef& def, const LaunchOptions& opts,
                                                   InstanceEventSink sink) = 0;
  // Reattach to a guest started by an earlier daemon; NoDomain when it is gone.
  virtual Result<std::unique_ptr<Instance>> reattach(const conf::DomainDef& def, int id,
                                                     const std::string& state,
                                                     InstanceEventSink sink) {
    return Error(ErrorCode::Unsupported, "driver cannot reattach");
  }
};

}  // namespace stratus::drivers
