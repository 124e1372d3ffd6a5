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
#include "drivers/qemu/qemu_migration_setup.h"
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
  // Live migration, source side (qemu_instance_migrate.cpp, disks in
  // qemu_instance_mirror.cpp).
  Status checkMigratable() override;
  Result<MigrationResult> migrate(const MigrationTarget& to, const MigrationParams& params) override;
  Result<MigrationResult> waitMigration(JobMonitor* monitor) override;
  Status setMigrationDowntime(std::uint64_t ms) override;
  Status setMigrationSpeed(std::uint64_t bytesPerSecond) override;
  Status startPostcopy() override;
  Result<std::pair<std::uint64_t, std::uint64_t>> migrationTuning() override;
  Status resumeAfterFailedMigration() override;
  // Destination side (qemu_instance_incoming.cpp). startIncoming runs at
  // launch on a QEMU started with `-incoming defer`; `fd` (>= 0) is the
  // launcher's, which closes it once QEMU holds its copy.
  Status startIncoming(const IncomingMigration& in);
  std::string incomingUri() const override;
  Status startNbdServer(const std::string& address, int port,
                        const std::vector<std::pair<std::string, std::string>>& exports) override;
  Status stopNbdServer() override;
  Status waitIncoming(std::chrono::milliseconds timeout) override;

 private:
  void watch();
  void handleEvent(const ::stratus::qemu::QmpEvent& ev);
  void onExit(const ExitStatus& st);
  void endGuest();  // the guest is done: make QEMU go away
  void removeOvsPorts();  // once QEMU is gone (watcher thread, or destructor after the join)
  void notifyWatcher();
  // ---- migration (qemu_instance_migrate.cpp, _mirror.cpp, _incoming.cpp) ----
  struct MigrationEvents {
    std::uint64_t generation = 0;  // bumped by every MIGRATION*/BLOCK_JOB_* event
    std::string status;            // the last MIGRATION status
    struct JobEnd {
      bool cancelled = false;  // BLOCK_JOB_CANCELLED (else COMPLETED)
      std::string error;       // COMPLETED with an error
    };
    std::map<std::string, JobEnd> jobsEnded;  // by job id
  };
  // MIGRATION*, BLOCK_JOB_* (watcher thread): recorded for the waiters.
  void onMigrationEvent(const ::stratus::qemu::QmpEvent& ev);
  // Wait up to `d` for a migration or block-job event newer than `seen`
  // (updated), or QEMU's exit.
  void waitMigrationEvent(std::uint64_t& seen, std::chrono::milliseconds d);
  Status applyMigrationSetup(const MigrationParams& p, bool fdChannel, bool source);
  // The format node holding disk `dev`'s medium; errors name the disk.
  Result<std::string> diskFormatNode(const std::string& dev);
  // The memory stream from `migrate` to its end (or post-copy).
  Result<MigrationResult> runMemoryMigration(const MigrationTarget& to, const MigrationParams& p, JobMonitor& mon);
  Result<MigrationResult> waitOutgoing(JobMonitor& mon, bool returnAtPostcopy);
  // A failed or cancelled outgoing migration: stop QEMU's side, drop the
  // mirrors, run the guest again if it ran before.
  Error abandonOutgoing(Error why, bool wasRunning);
  // Copy-storage mirrors (qemu_instance_mirror.cpp).
  struct Mirror {
    std::string dev, jobId, nbdNode;
    std::uint64_t len = 0, offset = 0;  // last seen: kept once the job is gone
  };
  Status startMirrors(const MigrationTarget& to, const MigrationParams& p);
  Status waitMirrorsReady(JobMonitor& mon);
  // Bring the (ready) mirrors' targets in sync and end them; the guest is
  // stopped by then. Then remove the NBD client nodes.
  Status completeMirrors();
  // Abandon the mirrors at once (failure or cancel) and remove their nodes.
  void abortMirrors();
  // The mirrors' progress (from query-block-jobs unless `query` is false:
  // then as last seen).
  DiskProgress mirrorProgress(bool query = true);
  // The job's end as its event told it; nullopt while it runs.
  std::optional<MigrationEvents::JobEnd> mirrorJobEnd(const std::string& jobId);
  // QEMU exited (or does within `d`): the watcher saw the process end.
  bool waitExited(std::chrono::milliseconds d);
  void publishProgress(JobMonitor& mon, const ::stratus::qemu::qmp::MigrationInfo& info);

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

  // ---- hot-plug state, guarded by mu_; exitedCv_ also wakes unplug (and migration) waiters ----
  struct PendingUnplug {
    std::vector<std::string> blockNodes;  // format then storage node of a disk
    bool abandoned = false;               // its detach gave up waiting: the watcher finishes it
  };
  std::map<std::string, PendingUnplug> pendingUnplugs_;  // by device id (or QOM path)
  std::set<std::string> deletedDevices_;                 // DEVICE_DELETED of pending ones
  std::map<std::string, unsigned> mediaGeneration_;      // media changes per drive alias
  std::chrono::milliseconds unplugTimeout_{10000};

  // ---- migration state; events guarded by mu_ (exitedCv_ wakes their waiters) ----
  MigrationEvents migEvents_;
  // An outgoing migration runs: its STOP/RESUME are not the user's pauses.
  std::atomic<bool> migrating_{false};
  std::atomic<bool> memoryPhase_{false};      // QEMU's `migrate` was issued
  std::atomic<bool> postcopyAllowed_{false};  // this migration enabled postcopy-ram
  std::atomic<bool> postcopyWanted_{false};   // startPostcopy() before the memory phase
  std::atomic<bool> postcopyStarted_{false};  // memory is split: no resuming here any more
  bool legacyCompressOn_ = false;             // "compress" was enabled on this QEMU
  std::vector<Mirror> mirrors_;               // migrate()'s thread only
  DiskProgress lastDisk_;                     // for the disks' rate
  std::chrono::steady_clock::time_point lastDiskAt_{};
  // destination
  std::string incomingUri_;
  int incomingPort_ = -1;  // reserved in portAllocator_ until the stream is in
  std::vector<std::string> nbdExports_;
  bool nbdServer_ = false;
};

}  // namespace stratus::drivers::qemu
