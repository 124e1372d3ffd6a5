// daemon::Node: the in-process NodeService. Owns the domain registry (unique
// names and UUIDs), persistence under a root directory, per-domain jobs
// (one modifying job at a time; queries never wait for a job) and events.
// A hypervisor driver runs the guests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "daemon/node_service.h"
#include "drivers/driver.h"
#include "network/network_backend.h"
#include "storage/pool_backend.h"

namespace stratus::daemon {

using storage::PoolBackendFactory;

struct NodeConfig {
  // Root of persistent and live state: ROOT/etc/stratus/qemu/NAME.xml,
  // ROOT/etc/stratus/qemu/autostart/NAME.xml, ROOT/run/stratus/...
  // Empty: nothing is persisted (the test driver's in-memory node).
  std::string root;
  // The URI this node answers to ("qemu:///system", "test:///default").
  std::string uri = "qemu:///system";
  // Directory name under etc/stratus and run/stratus for this driver ("qemu").
  std::string driverDir = "qemu";
  // Start domains marked autostart when the node is opened.
  bool runAutostart = true;
  // Define libvirt's `default` NAT network on the node's first start.
  bool defineDefaultNetwork = true;
  // Define (and start, autostarted) the `default` dir storage pool at
  // ROOT/var/lib/stratus/images on the node's first start.
  bool defineDefaultPool = true;
  // Save images: the format when a save does not name one (libvirt's
  // save_image_format: raw, gzip, zstd, ...) and a cap on how fast they are
  // written (bytes per second; 0: no cap).
  std::string saveImageFormat = "raw";
  std::uint64_t saveMaxBandwidth = 0;
  // Migration: where incoming guests listen (address, port range, as
  // libvirt's migration_address / migration_port_min/max), how long an
  // incoming guest waits for its orchestrator's keepalive, and how this
  // node reaches a peer for --p2p (stratusd passes the API client; null:
  // --p2p is refused).
  std::string migrationAddress = "0.0.0.0";
  std::string migrationHost;  // the host name/address sources connect to ("": the orchestrator's view of us)
  int migrationPortMin = 49152, migrationPortMax = 49215;
  std::chrono::seconds migrationKeepaliveTimeout{30};
  std::function<Result<std::unique_ptr<NodeService>>(const std::string& uri)> connectPeer;
};

class Node final : public NodeService {
 public:
  // Loads every persisted definition (and reattaches live guests) from
  // cfg.root. Fails only when the root cannot be created or read.
  // `networks` runs the virtual networks; none: simulated ones (test driver).
  static Result<std::unique_ptr<Node>> open(NodeConfig cfg,
                                            std::unique_ptr<drivers::HypervisorDriver> driver,
                                            std::unique_ptr<network::NetworkBackend> networks = nullptr,
                                            PoolBackendFactory pools = nullptr);
  ~Node() override;

  // Paths under the root (for the daemon's socket, logs, tests).
  std::string configDir() const;  // ROOT/etc/stratus/<driverDir>
  std::string runDir() const;     // ROOT/run/stratus

  // Stops accepting new jobs and waits for running jobs to finish; guests
  // keep running (the next daemon reattaches).
  void drain();
  // Cancel every running long operation (save, restore): what a daemon
  // shutting down does before it waits for in-flight requests.
  void cancelOperations();

  // Define a domain and run it as one found already running (state reason
  // "unknown"): how the test driver's node files populate a node.
  Result<DomainSummary> addRunningDomain(const std::string& xml, const std::string& sourceName);

  // NodeService
  std::string uri() override;
  Result<std::string> hostname() override;
  Result<VersionInfo> version() override;
  Result<NodeInfo> nodeInfo() override;
  Result<std::vector<DomainSummary>> listDomains() override;
  Result<DomainSummary> lookupDomain(const std::string& idUuidOrName) override;
  Result<DefineResult> defineDomain(const std::string& xml, const std::string& sourceName) override;
  Status undefineDomain(const std::string& key, const UndefineOptions& opts) override;
  Result<std::string> domainXml(const std::string& key, const XmlOptions& opts) override;
  Result<DomainInfo> domainInfo(const std::string& key) override;
  Status setAutostart(const std::string& key, bool enabled) override;
  Status setMetadata(const std::string& key, MetadataKind kind, const std::string& text,
                     const ModifyScope& scope) override;
  Result<std::string> getMetadata(const std::string& key, MetadataKind kind,
                                  const ModifyScope& scope) override;
  Status renameDomain(const std::string& key, const std::string& newName) override;
  Result<DefineResult> createDomain(const std::string& xml, const std::string& sourceName,
                                    const StartOptions& opts) override;
  Status startDomain(const std::string& key, const StartOptions& opts) override;
  Status shutdownDomain(const std::string& key, const ShutdownOptions& opts) override;
  Status destroyDomain(const std::string& key, const DestroyOptions& opts) override;
  Status suspendDomain(const std::string& key) override;
  Status resumeDomain(const std::string& key) override;
  Status rebootDomain(const std::string& key) override;
  Status resetDomain(const std::string& key) override;
  Status saveDomain(const std::string& key, const std::string& file, const SaveOptions& opts) override;
  Result<DomainSummary> restoreDomain(const std::string& file, const SaveOptions& opts) override;
  Status managedSave(const std::string& key, const SaveOptions& opts) override;
  Status managedSaveRemove(const std::string& key) override;
  Result<JobInfo> domainJobInfo(const std::string& key, bool completed) override;
  Status abortDomainJob(const std::string& key) override;
  Result<std::string> saveImageXml(const std::string& file, const XmlOptions& opts) override;
  Status saveImageDefine(const std::string& file, const std::string& xml, const SaveOptions& opts) override;

  // migration (node_migration*.cpp)
  Result<MigrationBegin> migrateBegin(const std::string& key, const MigrateOptions& opts) override;
  Result<PreparedMigration> migratePrepare(const MigrationBegin& begin, const MigrateOptions& opts) override;
  Result<MigrationOutcome> migratePerform(const std::string& key, const PreparedMigration& to,
                                          const MigrateOptions& opts) override;
  Result<DomainSummary> migrateFinish(const std::string& name, bool ok, const MigrateOptions& opts) override;
  Status migrateConfirm(const std::string& key, bool ok, const MigrateOptions& opts) override;
  Status migrateKeepalive(const std::string& name) override;
  Status migrateTunnelIn(const std::string& name, const MigrationDataSource& data) override;
  Result<MigrationOutcome> migrateToUri(const std::string& key, const std::string& destUri,
                                        const MigrateOptions& opts) override;
  Status migrateSetMaxDowntime(const std::string& key, std::uint64_t ms) override;
  Result<std::uint64_t> migrateGetMaxDowntime(const std::string& key) override;
  Status migrateSetSpeed(const std::string& key, std::uint64_t mibPerSecond) override;
  Result<std::uint64_t> migrateGetSpeed(const std::string& key) override;
  Status migrateStartPostcopy(const std::string& key) override;
  Status setMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) override;
  Status setMaxMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) override;
  Status setVcpus(const std::string& key, unsigned count, const ModifyScope& scope,
                  bool maximum) override;
  Result<std::unique_ptr<EventSubscription>> subscribeEvents(EventCallback cb) override;
  Result<int> openConsole(const std::string& key, const std::string& device) override;
  Result<std::string> consoleLog(const std::string& key, std::uint64_t maxBytes) override;
  Status injectNmi(const std::string& key) override;
  // node_devices.cpp
  Status attachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const ModifyScope& scope) override;
  Status detachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const ModifyScope& scope) override;
  Status updateDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                      const ModifyScope& scope, bool force) override;
  Status blockResize(const std::string& key, const std::string& disk, std::uint64_t bytes) override;
  // Statistics, tuning, device queries (node_stats.cpp, node_devstats.cpp, node_domstats.cpp).
  Result<NodeCpuMap> nodeCpuMap() override;
  Result<NodeCpuStats> nodeCpuStats(int cpu) override;
  Result<NodeMemoryStats> nodeMemoryStats(int cell) override;
  Result<std::vector<MemoryStat>> domainMemoryStats(const std::string& key) override;
  Status setMemoryStatsPeriod(const std::string& key, int seconds, const ModifyScope& scope) override;
  Result<MemoryTune> memoryTune(const std::string& key, const ModifyScope& scope) override;
  Status setMemoryTune(const std::string& key, const MemoryTuneUpdate& update, const ModifyScope& scope) override;
  Result<std::vector<VcpuInfo>> vcpuInfo(const std::string& key) override;
  Result<VcpuPinInfo> vcpuPinInfo(const std::string& key, const ModifyScope& scope) override;
  Status pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset, const ModifyScope& scope) override;
  Result<std::string> emulatorPinInfo(const std::string& key, const ModifyScope& scope) override;
  Status pinEmulator(const std::string& key, const std::string& cpuset, const ModifyScope& scope) override;
  Result<BlockStats> blockStats(const std::string& key, const std::string& device) override;
  Result<BlockInfo> blockInfo(const std::string& key, const std::string& device) override;
  Result<InterfaceStats> interfaceStats(const std::string& key, const std::string& device) override;
  Result<std::vector<InterfaceAddresses>> interfaceAddresses(const std::string& key, AddressSource source) override;
  Result<std::vector<DomainStatsRecord>> domainStats(const std::vector<std::string>& keys,
                                                     const DomainStatsQuery& query) override;
  // Storage pools and volumes (node_storage.cpp).
  Result<std::vector<PoolSummary>> listPools() override;
  Result<PoolSummary> lookupPool(const std::string& pool) override;
  Result<PoolDefineResult> definePool(const std::string& xml, const std::string& sourceName) override;
  Result<PoolDefineResult> createPool(const std::string& xml, const std::string& sourceName,
                                      const PoolStartOptions& opts) override;
  Status buildPool(const std::string& pool, const PoolBuildOptions& opts) override;
  Status startPool(const std::string& pool, const PoolStartOptions& opts) override;
  Status destroyPool(const std::string& pool) override;
  Status deletePool(const std::string& pool) override;
  Status undefinePool(const std::string& pool) override;
  Status refreshPool(const std::string& pool) override;
  Result<std::string> poolXml(const std::string& pool, const PoolXmlOptions& opts) override;
  Status setPoolAutostart(const std::string& pool, bool enabled) override;
  Result<std::string> findPoolSources(const std::string& type, const std::string& srcSpecXml) override;
  Result<std::vector<VolumeSummary>> listVolumes(const std::string& pool) override;
  Result<VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol) override;
  Result<VolumeSummary> createVolume(const std::string& pool, const std::string& xml, const std::string& sourceName,
                                     const VolumeCreateOptions& opts) override;
  Result<VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                         const std::string& sourceName, const std::string& fromPool,
                                         const std::string& fromVol, const VolumeCreateOptions& opts) override;
  Status deleteVolume(const std::string& pool, const std::string& vol) override;
  Status wipeVolume(const std::string& pool, const std::string& vol, const VolumeWipeOptions& opts) override;
  Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                      const VolumeResizeOptions& opts) override;
  Result<std::string> volumeXml(const std::string& pool, const std::string& vol) override;
  Status uploadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                      VolumeSource& source) override;
  Status downloadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                        VolumeSink& sink) override;
  Result<JobInfo> volumeJobInfo(const std::string& pool, const std::string& vol) override;
  Status abortVolumeJob(const std::string& pool, const std::string& vol) override;
  Result<std::vector<NetworkSummary>> listNetworks() override;
  Result<NetworkSummary> lookupNetwork(const std::string& nameOrUuid) override;
  Result<NetworkDefineResult> defineNetwork(const std::string& xml, const std::string& sourceName) override;
  Result<NetworkDefineResult> createNetwork(const std::string& xml, const std::string& sourceName) override;
  Status undefineNetwork(const std::string& key) override;
  Status startNetwork(const std::string& key) override;
  Status destroyNetwork(const std::string& key) override;
  Result<std::string> networkXml(const std::string& key, const NetworkXmlOptions& opts) override;
  Status setNetworkAutostart(const std::string& key, bool enabled) override;
  Status updateNetwork(const std::string& key, const NetworkUpdate& update, const ModifyScope& scope) override;
  Result<std::vector<DhcpLease>> networkDhcpLeases(const std::string& key, const std::string& mac) override;
  Result<std::vector<NetworkPort>> listNetworkPorts(const std::string& key) override;

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::daemon
