// A running QEMU guest: its process, its monitor, and a watcher thread that
// turns QMP events and the process's exit into InstanceEvents at once (no
// polling): shutdown -> shut off is reported within milliseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "drivers/driver.h"
#include "drivers/qemu/qmp_transport.h"
#include "util/process.h"

namespace stratus::drivers::qemu {

class PortAllocator;

struct InstanceSetup {
  conf::DomainDef live;
  int id = 0;
  Process process;
  std::string monitorPath;
  std::string logPath;
  std::vector<int> ports;          // VNC/SPICE ports reserved for it
  PortAllocator* portAllocator = nullptr;
  InstanceEventSink sink;
  std::vector<std::string> ovsPorts;  // Open vSwitch ports of its taps
};

class QemuInstance final : public Instance {
 public:
  explicit QemuInstance(InstanceSetup setup);
  ~QemuInstance() override;

  // Connect to the monitor (QEMU may still be starting). Fails fast when the
  // process dies first.
  Status connectMonitor(std::chrono::milliseconds timeout);
  // After the monitor is up: learn pty paths, then let the watcher run.
  Status prepare();
  void startWatcher();
  ::stratus::qemu::QmpTransport& monitor() { return *qmp_; }
  // QEMU's own words from its log since it was started (for failed starts).
  std::string logTail() const;
  void setLogOffset(long off) { logOffset_ = off; }

  // Instance
  int id() const override { return id_; }
  int pid() const override { return process_.pid(); }
  Status pause() override;
  Status resume() override;
  Status shutdown(const daemon::ShutdownOptions& opts) override;
  Status destroy(const daemon::DestroyOptions& opts) override;
  Status reboot() override;
  Status reset() override;
  Result<InstanceStats> stats() override;
  Status setMemory(std::uint64_t kib) override;
  Status setVcpus(unsigned count) override;
  Status injectNmi() override;
  std::optional<conf::DomainDef> liveDefinition() const override;
  std::string reattachState() const override;

  // Hot-plug (qemu_instance_hotplug.cpp); setVcpus lives there too.
  Status attachDisk(const conf::DiskDef& disk) override;
  Status attachInterface(const conf::InterfaceDef& iface) override;
  Status detachDisk(const conf::DiskDef& disk) override;
  Status detachInterface(const conf::InterfaceDef& iface) override;
  Status changeMedia(const conf::DiskDef& disk) override;
  Status setInterfaceLink(const conf::InterfaceDef& iface, bool up) override;
  Status blockResize(const conf::DiskDef& disk, std::uint64_t bytes) override;
  // How long a detach waits for the guest to release the device.
  void setUnplugTimeout(std::chrono::milliseconds t) { unplugTimeout_ = t; }
  // Statistics and tuning (qemu_instance_stats.cpp).
  Result<CpuTimes> cpuTimes() override;
  Result<std::vector<daemon::MemoryStat>> memoryStats() override;
  Status setMemoryStatsPeriod(int seconds) override;
  Status setMemoryTune(const daemon::MemoryTune& limits) override;
  Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const conf::DomainDef& live) override;
  Status pinVcpu(unsigned vcpu, const CpuSet& cpus) override;
  Status pinEmulator(const CpuSet& cpus) override;
  Result<daemon::BlockStats> blockStats(const conf::DiskDef* disk) override;
  Result<daemon::BlockInfo> blockInfo(const conf::DiskDef& disk) override;
  Result<daemon::InterfaceStats> interfaceStats(const conf::InterfaceDef& nic) override;
  Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const conf::DomainDef& live,
                                                                     daemon::AddressSource source,
                                                                     const AddressLookup& lookup) override;
  // The definition's <vcpu cpuset>, <cputune><vcpupin>/<emulatorpin> on
  // QEMU's threads (at start, before the guest runs).
  Status applyCpuTune();
  // Save images (qemu_instance_save.cpp): the guest's state out through a
  // migration to a file descriptor, and back in into a QEMU started with
  // `-incoming defer`.
  Status saveStateTo(int fd, const SaveStateOptions& opts) override;
  Status loadState(int fd, const LaunchOptions& opts);

 private:
  void watch();
  void handleEvent(const ::stratus::qemu::QmpEvent& ev);
  void onExit(const ExitStatus& st);
  void endGuest();  // the guest is done: make QEMU go away
  void removeOvsPorts();  // once QEMU is gone (watcher thread, or destructor after the join)
  void notifyWatcher();
  // Host thread of each vCPU (index: cpu-index), from query-cpus-fast.
  Result<std::vector<int>> vcpuThreads();
  std::string balloonPath() const;  // QOM path of the balloon; "" without one

  // ---- hot-plug (qemu_instance_hotplug.cpp) ----
  // DEVICE_DELETED (watcher thread): wakes the detach waiting for it, or
  // finishes an unplug whose detach gave up waiting.
  void onDeviceDeleted(const std::string& device, const std::string& path);
  // device_del + wait for DEVICE_DELETED; then releaseDevice().
  Status unplug(const std::string& id, const std::string& what, std::vector<std::string> blockNodes);
  // The device is gone from QEMU: drop its backends and its live entry.
  void releaseDevice(const std::string& id, const std::vector<std::string>& blockNodes);
  Result<unsigned> freePciSlot(const conf::DeviceInfo& wanted);
  // The format node holding the medium of the device `alias` ("" when none).
  std::string mediumNode(const std::string& alias);

  const int id_;
  mutable std::mutex mu_;  // guards live_, queue_, flags below
  conf::DomainDef live_;
  Process process_;
  std::string monitorPath_, logPath_;
  std::vector<std::string> ovsPorts_;
  long logOffset_ = 0;
  std::vector<int> ports_;
  PortAllocator* portAllocator_;
  InstanceEventSink sink_;
  // Set once by connectMonitor; the watcher may already run, so it reads the
  // monitor through `monitor_` (null until connected).
  std::unique_ptr<::stratus::qemu::QmpTransport> qmp_;
  std::atomic<::stratus::qemu::QmpTransport*> monitor_{nullptr};

  int wakeFd_ = -1;  // eventfd: new events queued or stop requested
  std::deque<::stratus::qemu::QmpEvent> queue_;
  bool stopWatcher_ = false;
  std::thread watcher_;

  std::condition_variable exitedCv_;
  bool exited_ = false;
  std::atomic<bool> destroying_{false};
  std::atomic<bool> guestDone_{false};
  std::atomic<bool> fakeReboot_{false};
  std::atomic<int> expectStop_{0}, expectResume_{0};
  std::atomic<bool> ioError_{false};
  // The guest is done; reported once QEMU is gone, so "shut off" means its
  // disks and ports are free again (an immediate start must not find them locked).
  std::optional<InstanceEvent> stopEvent_;

  // ---- hot-plug state, guarded by mu_; exitedCv_ also wakes unplug waiters ----
  struct PendingUnplug {
    std::vector<std::string> blockNodes;  // format then storage node of a disk
    bool abandoned = false;               // its detach gave up waiting: the watcher finishes it
  };
  std::map<std::string, PendingUnplug> pendingUnplugs_;  // by device id (or QOM path)
  std::set<std::string> deletedDevices_;                 // DEVICE_DELETED of pending ones
  std::map<std::string, unsigned> mediaGeneration_;      // media changes per drive alias
  std::chrono::milliseconds unplugTimeout_{10000};
};

}  // namespace stratus::drivers::qemu
