#include "drivers/test/test_driver.h"

#include "drivers/test/test_migration.h"
#include "drivers/test/test_stats.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace stratus::drivers {

namespace {

class TestInstance final : public Instance {
 public:
  TestInstance(const conf::DomainDef& def, int id, InstanceEventSink sink, unsigned hostCpus = 0,
               const std::optional<IncomingMigration>& incoming = std::nullopt)
      : id_(id), memoryKiB_(def.currentMemoryKiB), vcpus_(def.currentVcpus), sink_(std::move(sink)),
        hostCpus_(hostCpus),
        balloon_(def.devices.memballoon && def.devices.memballoon->model != "none"),
        outgoing_(def.currentMemoryKiB * 1024) {
    if (incoming) incoming_.emplace(*incoming);
  }

  int id() const override { return id_; }
  Status pause() override { return okStatus(); }
  Status resume() override { return okStatus(); }
  // The simulated guest powers off at once: the event arrives before return,
  // so `shutdown; domstate` shows "shut off (shutdown)" as with libvirt.
  Status shutdown(const daemon::ShutdownOptions&) override {
    sink_(InstanceEvent{InstanceEvent::Kind::GuestShutdown, 0, "guest powered off"});
    return okStatus();
  }
  Status destroy(const daemon::DestroyOptions&) override { return okStatus(); }
  Status reboot() override { return okStatus(); }
  Status reset() override { return okStatus(); }
  Result<InstanceStats> stats() override {
    // libvirt's test driver reports wall-clock time as CPU time; so do we.
    auto now = std::chrono::system_clock::now().time_since_epoch();
    InstanceStats s;
    s.cpuTimeNs = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
    s.memoryKiB = memoryKiB_;
    s.vcpus = vcpus_;
    return s;
  }
  Status setMemory(std::uint64_t kib) override {
    memoryKiB_ = kib;
    return okStatus();
  }
  Status setVcpus(unsigned count) override {
    vcpus_ = count;
    return okStatus();
  }
  // Simulated hot-plug: nothing to plug; the node records every change in
  // the live definition (liveDefinition() stays nullopt).
  Status attachDisk(const conf::DiskDef&) override { return okStatus(); }
  Status attachInterface(const conf::InterfaceDef&) override { return okStatus(); }
  Status detachDisk(const conf::DiskDef&) override { return okStatus(); }
  Status detachInterface(const conf::InterfaceDef&) override { return okStatus(); }
  Status changeMedia(const conf::DiskDef&) override { return okStatus(); }
  Status setInterfaceLink(const conf::InterfaceDef&, bool) override { return okStatus(); }
  Status blockResize(const conf::DiskDef&, std::uint64_t) override { return okStatus(); }
  // ---- statistics (test_stats.cpp): libvirt's test driver's numbers ----
  Result<std::vector<daemon::MemoryStat>> memoryStats() override {
    if (!balloon_) return std::vector<daemon::MemoryStat>{};
    return teststats::memoryStats(memoryKiB_);
  }
  Status setMemoryStatsPeriod(int) override {
    if (!balloon_)
      return Error(ErrorCode::OperationFailed,
                   "internal error: No memory balloon device configured, can not set the collection period");
    return okStatus();
  }
  Status setMemoryTune(const daemon::MemoryTune&) override { return okStatus(); }
  Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const conf::DomainDef& live) override {
    return teststats::vcpuInfo(live, hostCpus_);
  }
  Status pinVcpu(unsigned, const CpuSet&) override { return okStatus(); }
  Status pinEmulator(const CpuSet&) override { return okStatus(); }
  Result<daemon::BlockStats> blockStats(const conf::DiskDef* disk) override {
    if (!disk) return Error(ErrorCode::Unsupported, "Operation not supported: summary statistics are not supported yet");
    return teststats::blockStats();
  }
  Result<daemon::BlockInfo> blockInfo(const conf::DiskDef&) override { return teststats::blockInfo(); }
  Result<daemon::InterfaceStats> interfaceStats(const conf::InterfaceDef&) override {
    return teststats::interfaceStats();
  }
  Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const conf::DomainDef& live, daemon::AddressSource,
                                                                     const AddressLookup& lookup) override {
    return teststats::interfaceAddresses(live, id_, lookup);
  }

  Result<MigrationResult> migrate(const MigrationTarget& to, const MigrationParams& params) override {
    return outgoing_.migrate(to, params);
  }
  Status setMigrationDowntime(std::uint64_t ms) override { return outgoing_.setDowntime(ms); }
  Status setMigrationSpeed(std::uint64_t bps) override { return outgoing_.setSpeed(bps); }
  Result<std::pair<std::uint64_t, std::uint64_t>> migrationTuning() override { return outgoing_.tuning(); }
  std::string incomingUri() const override { return incoming_ ? incoming_->uri() : std::string(); }
  Status startNbdServer(const std::string&, int, const std::vector<std::pair<std::string, std::string>>&) override {
    return okStatus();
  }
  Status waitIncoming(std::chrono::milliseconds timeout) override {
    if (!incoming_) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: no incoming migration");
    return incoming_->wait(timeout);
  }

  Status saveState(int fd) override {
    // Nothing but the header (written by the node) describes a simulated guest.
    static constexpr char kMarker[] = "stratus-test-state\n";
    if (::write(fd, kMarker, sizeof kMarker - 1) < 0)
      return systemError("cannot write save state", errno);
    return okStatus();
  }

 private:
  int id_;
  std::uint64_t memoryKiB_;
  unsigned vcpus_;
  InstanceEventSink sink_;
  unsigned hostCpus_;  // libvirt's VIR_NODEINFO_MAXCPUS of the simulated host
  bool balloon_;
  testmig::Outgoing outgoing_;
  std::optional<testmig::Incoming> incoming_;
};

class TestDriver final : public HypervisorDriver {
 public:
  std::string name() const override { return "TEST"; }
  std::string version() const override { return "0.0.2"; }
  explicit TestDriver(daemon::NodeInfo host) : host_(std::move(host)) {}
  Result<daemon::NodeInfo> nodeInfo() override { return host_; }
  std::string reportedOsType(const conf::DomainDef&) const override { return "linux"; }
  // libvirt's test driver names every interface without a target: the
  // first free "testnetN" of the domain.
  void applyDefaults(conf::DomainDef& def) override {
    auto& nics = def.devices.interfaces;
    for (auto& nic : nics) {
      if (!nic.targetDev.empty()) continue;
      for (unsigned n = 0;; ++n) {
        std::string name = "testnet" + std::to_string(n);
        bool used = std::any_of(nics.begin(), nics.end(), [&](const conf::InterfaceDef& o) { return o.targetDev == name; });
        if (!used) {
          nic.targetDev = name;
          break;
        }
      }
    }
  }
  SecurityInfo securityInfo() const override { return {"testSecurity", "", "libvirt-test (enforcing)"}; }
  Status checkStartable(const conf::DomainDef&) override { return okStatus(); }
  Result<std::unique_ptr<Instance>> launch(const conf::DomainDef& def, const LaunchOptions& opts,
                                           InstanceEventSink sink) override {
    unsigned maxCpus = host_.nodes * host_.sockets * host_.cores * host_.threads;
    return std::unique_ptr<Instance>(
        std::make_unique<TestInstance>(def, opts.id, std::move(sink), maxCpus, opts.incoming));
  }
  Result<daemon::NodeCpuMap> nodeCpuMap() override { return teststats::cpuMap(); }
  Result<daemon::NodeCpuStats> nodeCpuStats(int) override { return teststats::cpuStats(); }
  Result<daemon::BlockInfo> offlineBlockInfo(const conf::DiskDef&) override { return teststats::blockInfo(); }
  // A restarted daemon finds simulated guests gone: they lived in its memory.

 private:
  daemon::NodeInfo host_;
};

}  // namespace

daemon::NodeInfo defaultTestHost() {
  daemon::NodeInfo n;
  n.model = "i686";
  n.cpus = 16;
  n.mhz = 1400;
  n.nodes = 2;
  n.sockets = 2;
  n.cores = 2;
  n.threads = 2;
  n.memoryKiB = 3145728;
  return n;
}

std::unique_ptr<HypervisorDriver> makeTestDriver(daemon::NodeInfo host) {
  return std::make_unique<TestDriver>(std::move(host));
}

}  // namespace stratus::drivers
