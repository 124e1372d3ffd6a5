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
