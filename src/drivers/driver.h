// One interface for every hypervisor (libvirt's driver table, narrowed to what
// a hypervisor does). The daemon's Node owns registry, persistence, jobs and
// state; a driver only runs guests and reports what happens to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conf/domain_def.h"
#include "conf/domain_state.h"
#include "conf/network_def.h"
#include "daemon/stats_types.h"
#include "daemon/types.h"
#include "drivers/job_monitor.h"
#include "util/cpuset.h"
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
    DevicesChanged, // the live definition changed on its own (a late unplug completed; detail: the alias)
  };
  Kind kind;
  int reason = 0;
  std::string detail;  // human text (exit status, QEMU's message)
};

// Called by the driver from its own threads. Must not block.
using InstanceEventSink = std::function<void(const InstanceEvent&)>;

// The hypervisor process's CPU time (domstats cpu.time, cpu.user, cpu.system).
struct CpuTimes {
  std::uint64_t totalNs = 0;
  std::optional<std::uint64_t> userNs, systemNs;
};

struct InstanceStats {
  std::uint64_t cpuTimeNs = 0;
  std::uint64_t memoryKiB = 0;  // balloon actual / current memory
  unsigned vcpus = 0;
};

// What the node knows that a driver needs to answer domifaddr.
struct AddressLookup {
  // DHCP leases of a virtual network for one MAC address.
  std::function<Result<std::vector<daemon::DhcpLease>>(const std::string& network, const std::string& mac)> leases;
  // The running definition of a virtual network; nullopt when none or inactive.
  std::function<std::optional<conf::NetworkDef>(const std::string& network)> network;
};

inline Error driverUnsupported(const char* function) {
  return Error(ErrorCode::Unsupported, std::string("this function is not supported by the connection driver: ") + function);
}

// How Instance::saveStateTo writes the guest's state.
struct SaveStateOptions {
  std::string format = "raw";        // raw, or a compressed format of util/compress.h
  std::uint64_t maxBandwidth = 0;    // bytes per second; 0: as fast as possible
  JobMonitor* monitor = nullptr;     // progress goes here; cancellation comes from here
};

// How an outgoing migration runs (Instance::migrate) and what the incoming
// QEMU must enable to match (LaunchOptions::incoming): capabilities must be
// the same on both sides.
struct MigrationParams {
  bool live = true;           // false: pause the guest first (virsh migrate without --live)
  bool postcopy = false;      // enable postcopy-ram (switch with startPostcopy)
  bool autoConverge = false;
  bool compressed = false;    // multifd + multifd-compression zstd (zlib if QEMU lacks zstd)
  std::uint64_t maxBandwidth = 0;     // bytes per second; 0: unlimited
  std::uint64_t downtimeLimitMs = 0;  // 0: QEMU's default (300 ms)
  JobMonitor* monitor = nullptr;      // progress (JobInfo's migration fields) and cancel
};

// Where Instance::migrate sends the guest.
struct MigrationTarget {
  std::string uri;  // "tcp:HOST:PORT"; "" with fd
  int fd = -1;      // >= 0: write the stream here (tunnelled); the caller keeps ownership
  // copy-storage: mirror these disks (target dev, NBD export name) to the
  // destination's NBD server before the memory moves; incremental: only
  // what the destination's image (with the same backing file) lacks.
  std::string nbdHost;
  int nbdPort = 0;
  std::vector<std::pair<std::string, std::string>> nbdMirrors;
  bool incremental = false;
};

struct MigrationResult {
  bool postcopy = false;  // returned on post-copy start; waitMigration() for the end
  std::uint64_t downtimeMs = 0, totalTimeMs = 0, setupTimeMs = 0, bytes = 0;
};

// The incoming side of a migration, started by launch() instead of booting.
struct IncomingMigration {
  // Listen for QEMU's stream on listenAddress and the first free port of
  // [portMin, portMax] (Instance::incomingUri() says which); or, fd >= 0,
  // read it from fd (tunnelled; the instance takes ownership).
  std::string listenAddress = "0.0.0.0";
  int portMin = 49152, portMax = 49215;
  int fd = -1;
  MigrationParams params;  // capabilities matching the source's
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
  // ---- hot-plug: devices of the running guest ----
  // A failed attach leaves nothing plugged; on success liveDefinition() lists
  // the device with its alias and address. Detach waits for the guest to
  // release the device and fails (naming it) when it does not in time; the
  // unplug then stays pending and a DevicesChanged event tells when it ends.
  // Devices are passed as the live definition holds them (aliases set).
  virtual Status attachDisk(const conf::DiskDef& disk) { return noHotplug("live attach of device 'disk'"); }
  virtual Status attachInterface(const conf::InterfaceDef& iface) {
    return noHotplug("live attach of device 'interface'");
  }
  virtual Status detachDisk(const conf::DiskDef& disk) { return noHotplug("live detach of device 'disk'"); }
  virtual Status detachInterface(const conf::InterfaceDef& iface) {
    return noHotplug("live detach of device 'interface'");
  }
  // Put the medium of `disk` (a cdrom/floppy with the same target; no source:
  // eject) into the drive.
  virtual Status changeMedia(const conf::DiskDef& disk) { return noHotplug("live update of device 'disk'"); }
  virtual Status setInterfaceLink(const conf::InterfaceDef& iface, bool up) {
    return noHotplug("live update of device 'interface'");
  }
  virtual Status blockResize(const conf::DiskDef& disk, std::uint64_t bytes) {
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: virDomainBlockResize");
  }
  // saveState with a format, progress and cancellation (a guest the caller
  // paused stays paused when this fails or is cancelled). The default
  // ignores the options.
  virtual Status saveStateTo(int fd, const SaveStateOptions& opts) { return saveState(fd); }
  // ---- migration, source side ----
  // Whether the running guest can be migrated at all (a device QEMU will
  // not migrate, another migration still running); the error names why.
  // Cheap: meant for the begin phase, before a destination is prepared.
  virtual Status checkMigratable() { return okStatus(); }
  // Send the guest to `to`: disk mirrors first (copy-storage), then memory.
  // Returns once QEMU completed (the guest is then paused, "postmigrate")
  // or, with postcopy, once post-copy started; a failure or cancel (via
  // params.monitor) leaves the guest running as before, mirrors removed.
  virtual Result<MigrationResult> migrate(const MigrationTarget& to, const MigrationParams& params) {
    return driverUnsupported("virDomainMigratePerform3Params");
  }
  // After a post-copy migrate(): wait for the rest of the memory to arrive.
  virtual Result<MigrationResult> waitMigration(JobMonitor* monitor) {
    return driverUnsupported("virDomainMigratePerform3Params");
  }
  // Called from other threads while migrate() runs (no job held).
  virtual Status setMigrationDowntime(std::uint64_t ms) { return driverUnsupported("virDomainMigrateSetMaxDowntime"); }
  virtual Status setMigrationSpeed(std::uint64_t bytesPerSecond) {
    return driverUnsupported("virDomainMigrateSetMaxSpeed");
  }
  virtual Status startPostcopy() { return driverUnsupported("virDomainMigrateStartPostCopy"); }
  // The current downtime-limit (ms) and max-bandwidth (bytes/s; 0 unlimited).
  virtual Result<std::pair<std::uint64_t, std::uint64_t>> migrationTuning() {
    return driverUnsupported("virDomainMigrateGetMaxDowntime");
  }
  // The destination failed after migrate() completed: run the guest here again.
  virtual Status resumeAfterFailedMigration() { return resume(); }

  // ---- migration, destination side (an instance launched with incoming) ----
  // "tcp:ADDR:PORT" QEMU listens on ("" for an fd).
  virtual std::string incomingUri() const { return {}; }
  // Serve the guest's disks (target dev -> export name, writable) over NBD
  // on address:port for the source's mirrors; stop it before resuming.
  virtual Status startNbdServer(const std::string& address, int port,
                                const std::vector<std::pair<std::string, std::string>>& exports) {
    return driverUnsupported("virDomainMigratePrepare3Params");
  }
  virtual Status stopNbdServer() { return okStatus(); }
  // Wait until the incoming stream is complete (or post-copy is running);
  // the guest stays paused. Fails (naming QEMU's reason) when the load failed.
  virtual Status waitIncoming(std::chrono::milliseconds timeout) {
    return driverUnsupported("virDomainMigrateFinish3Params");
  }

  // The definition as the driver runs it (resolved machine type, device
  // aliases, pty paths); the node shows it as the live XML. nullopt: as given.
  virtual std::optional<conf::DomainDef> liveDefinition() const { return std::nullopt; }
  // Opaque state the driver needs to reattach after a daemon restart
  // (pid, monitor socket), stored by the daemon in RUN/<driver>/NAME.xml.
  virtual std::string reattachState() const { return {}; }

  // ---- statistics and tuning (called without the job for queries) ----
  virtual Result<CpuTimes> cpuTimes() {
    auto s = stats();
    if (!s) return std::move(s).error();
    return CpuTimes{s->cpuTimeNs, std::nullopt, std::nullopt};
  }
  // The balloon's statistics in virsh dommemstat's order; empty without a balloon.
  virtual Result<std::vector<daemon::MemoryStat>> memoryStats() { return driverUnsupported("virDomainMemoryStats"); }
  virtual Status setMemoryStatsPeriod(int seconds) { return driverUnsupported("virDomainSetMemoryStatsPeriod"); }
  // memtune --live: the limits the running guest gets (nullopt: unlimited).
  virtual Status setMemoryTune(const daemon::MemoryTune& limits) {
    return driverUnsupported("virDomainSetMemoryParameters");
  }
  // Online vCPUs; `live` is the running definition (its pinning).
  virtual Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const conf::DomainDef& live) {
    return driverUnsupported("virDomainGetVcpus");
  }
  virtual Status pinVcpu(unsigned vcpu, const CpuSet& cpus) { return driverUnsupported("virDomainPinVcpuFlags"); }
  // Every hypervisor thread that is not a vCPU.
  virtual Status pinEmulator(const CpuSet& cpus) { return driverUnsupported("virDomainPinEmulator"); }
  // `disk` null: all disks summed.
  virtual Result<daemon::BlockStats> blockStats(const conf::DiskDef* disk) {
    return driverUnsupported("virDomainBlockStats");
  }
  virtual Result<daemon::BlockInfo> blockInfo(const conf::DiskDef& disk) {
    return driverUnsupported("virDomainGetBlockInfo");
  }
  virtual Result<daemon::InterfaceStats> interfaceStats(const conf::InterfaceDef& nic) {
    return driverUnsupported("virDomainInterfaceStats");
  }
  virtual Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const conf::DomainDef& live,
                                                                             daemon::AddressSource source,
                                                                             const AddressLookup& lookup) {
    return driverUnsupported("virDomainInterfaceAddresses");
  }

 protected:
  static Error noHotplug(const std::string& what) {
    return Error(ErrorCode::Unsupported, "Operation not supported: " + what + " is not supported");
  }
};

struct LaunchOptions {
  bool paused = false;
  int id = 0;            // the domain id the node assigned
  int restoreFd = -1;    // >= 0: load state written by Instance::saveState from here
  std::string restoreFormat = "raw";  // how that state is compressed
  std::uint64_t restoreBytes = 0;     // its size in the file (progress), 0: unknown
  JobMonitor* monitor = nullptr;      // restore progress and cancellation
  // Start as the destination of a migration (paused, waiting for the
  // stream) instead of booting.
  std::optional<IncomingMigration> incoming;
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
  // ---- host statistics ----
  virtual Result<daemon::NodeCpuMap> nodeCpuMap() { return driverUnsupported("virNodeGetCPUMap"); }
  virtual Result<daemon::NodeCpuStats> nodeCpuStats(int cpu) { return driverUnsupported("virNodeGetCPUStats"); }
  virtual Result<daemon::NodeMemoryStats> nodeMemoryStats(int cell) {
    return driverUnsupported("virNodeGetMemoryStats");
  }
  // domblkinfo of an inactive domain's disk.
  virtual Result<daemon::BlockInfo> offlineBlockInfo(const conf::DiskDef& disk) {
    return driverUnsupported("virDomainGetBlockInfo");
  }
  // The domstats groups (daemon::StatsGroup bits) this driver reports.
  virtual unsigned statsGroups() const { return daemon::kStatsState; }
  // Reattach to a guest started by an earlier daemon; NoDomain when it is gone.
  virtual Result<std::unique_ptr<Instance>> reattach(const conf::DomainDef& def, int id,
                                                     const std::string& state,
                                                     InstanceEventSink sink) {
    return Error(ErrorCode::Unsupported, "driver cannot reattach");
  }
};

}  // namespace stratus::drivers
