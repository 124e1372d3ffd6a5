#include "cli/readonly_node.h"

#include <string>

namespace stratus::cli {

namespace {
using namespace stratus::daemon;

Error forbidden(std::string_view api) {
  return Error(ErrorCode::AuthFailed, "operation forbidden: read only access prevents " + std::string(api));
}

class ReadonlyNode final : public NodeService {
 public:
  explicit ReadonlyNode(std::unique_ptr<NodeService> n) : n_(std::move(n)) {}

  std::string uri() override { return n_->uri(); }
  Result<std::string> hostname() override { return n_->hostname(); }
  Result<VersionInfo> version() override { return n_->version(); }
  Result<NodeInfo> nodeInfo() override { return n_->nodeInfo(); }
  Result<std::vector<DomainSummary>> listDomains() override { return n_->listDomains(); }
  Result<DomainSummary> lookupDomain(const std::string& k) override { return n_->lookupDomain(k); }
  Result<DefineResult> defineDomain(const std::string&, const std::string&) override {
    return forbidden("virDomainDefineXML");
  }
  Status undefineDomain(const std::string&, const UndefineOptions&) override {
    return forbidden("virDomainUndefineFlags");
  }
  Result<std::string> domainXml(const std::string& k, const XmlOptions& o) override {
    if (o.securityInfo) return Error(ErrorCode::AuthFailed, "operation forbidden: virDomainGetXMLDesc with secure flag");
    return n_->domainXml(k, o);
  }
  Result<DomainInfo> domainInfo(const std::string& k) override { return n_->domainInfo(k); }
  Status setAutostart(const std::string&, bool) override { return forbidden("virDomainSetAutostart"); }
  Status setMetadata(const std::string&, MetadataKind, const std::string&, const ModifyScope&) override {
    return forbidden("virDomainSetMetadata");
  }
  Result<std::string> getMetadata(const std::string& k, MetadataKind kind, const ModifyScope& s) override {
    return n_->getMetadata(k, kind, s);
  }
  Status renameDomain(const std::string&, const std::string&) override { return forbidden("virDomainRename"); }
  Result<DefineResult> createDomain(const std::string&, const std::string&, const StartOptions&) override {
    return forbidden("virDomainCreateXML");
  }
  Status startDomain(const std::string&, const StartOptions&) override { return forbidden("virDomainCreateWithFlags"); }
  Status shutdownDomain(const std::string&, const ShutdownOptions& o) override {
    return forbidden(o.mode.empty() ? "virDomainShutdown" : "virDomainShutdownFlags");
  }
  Status destroyDomain(const std::string&, const DestroyOptions& o) override {
    return forbidden(o.graceful ? "virDomainDestroyFlags" : "virDomainDestroy");
  }
  Status suspendDomain(const std::string&) override { return forbidden("virDomainSuspend"); }
  Status resumeDomain(const std::string&) override { return forbidden("virDomainResume"); }
  Status rebootDomain(const std::string&) override { return forbidden("virDomainReboot"); }
  Status resetDomain(const std::string&) override { return forbidden("virDomainReset"); }
  Status injectNmi(const std::string&) override { return forbidden("virDomainInjectNMI"); }
  Status saveDomain(const std::string&, const std::string&, const SaveOptions&) override {
    return forbidden("virDomainSave");
  }
  Result<DomainSummary> restoreDomain(const std::string&, const SaveOptions&) override {
    return forbidden("virDomainRestore");
  }
  Status managedSave(const std::string&, const SaveOptions&) override { return forbidden("virDomainManagedSave"); }
  Status managedSaveRemove(const std::string&) override { return forbidden("virDomainManagedSaveRemove"); }
  Result<JobInfo> domainJobInfo(const std::string& k, bool completed) override {
    return n_->domainJobInfo(k, completed);
  }
  Status abortDomainJob(const std::string&) override { return forbidden("virDomainAbortJob"); }
  Result<std::string> saveImageXml(const std::string& f, const XmlOptions& o) override {
    if (o.securityInfo)
      return Error(ErrorCode::AuthFailed, "operation forbidden: virDomainSaveImageGetXMLDesc with secure flag");
    return n_->saveImageXml(f, o);
  }
  Status saveImageDefine(const std::string&, const std::string&, const SaveOptions&) override {
    return forbidden("virDomainSaveImageDefineXML");
  }
  Status setMemory(const std::string&, std::uint64_t, const ModifyScope&) override {
    return forbidden("virDomainSetMemoryFlags");
  }
  Status setMaxMemory(const std::string&, std::uint64_t, const ModifyScope&) override {
    return forbidden("virDomainSetMemoryFlags");
  }
  Status setVcpus(const std::string&, unsigned, const ModifyScope&, bool) override {
    return forbidden("virDomainSetVcpus");
  }
  Status attachDevice(const std::string&, const std::string&, const std::string&, const ModifyScope&) override {
    return forbidden("virDomainAttachDeviceFlags");
  }
  Status detachDevice(const std::string&, const std::string&, const std::string&, const ModifyScope&) override {
    return forbidden("virDomainDetachDeviceFlags");
  }
  Status updateDevice(const std::string&, const std::string&, const std::string&, const ModifyScope&, bool) override {
    return forbidden("virDomainUpdateDeviceFlags");
  }
  Status blockResize(const std::string&, const std::string&, std::uint64_t) override {
    return forbidden("virDomainBlockResize");
  }
  Result<int> openConsole(const std::string&, const std::string&) override {
    return forbidden("virDomainOpenConsole");
  }
  // ---- statistics, tuning, device queries ----
  Result<NodeCpuMap> nodeCpuMap() override { return n_->nodeCpuMap(); }
  Result<NodeCpuStats> nodeCpuStats(int cpu) override { return n_->nodeCpuStats(cpu); }
  Result<NodeMemoryStats> nodeMemoryStats(int cell) override { return n_->nodeMemoryStats(cell); }
  Result<std::vector<MemoryStat>> domainMemoryStats(const std::string& k) override { return n_->domainMemoryStats(k); }
  Status setMemoryStatsPeriod(const std::string&, int, const ModifyScope&) override {
    return forbidden("virDomainSetMemoryStatsPeriod");
  }
  Result<MemoryTune> memoryTune(const std::string& k, const ModifyScope& s) override { return n_->memoryTune(k, s); }
  Status setMemoryTune(const std::string&, const MemoryTuneUpdate&, const ModifyScope&) override {
    return forbidden("virDomainSetMemoryParameters");
  }
  Result<std::vector<VcpuInfo>> vcpuInfo(const std::string& k) override { return n_->vcpuInfo(k); }
  Result<VcpuPinInfo> vcpuPinInfo(const std::string& k, const ModifyScope& s) override { return n_->vcpuPinInfo(k, s); }
  Status pinVcpu(const std::string&, unsigned, const std::string&, const ModifyScope&) override {
    return forbidden("virDomainPinVcpuFlags");
  }
  Result<std::string> emulatorPinInfo(const std::string& k, const ModifyScope& s) override {
    return n_->emulatorPinInfo(k, s);
  }
  Status pinEmulator(const std::string&, const std::string&, const ModifyScope&) override {
    return forbidden("virDomainPinEmulator");
  }
  Result<BlockStats> blockStats(const std::string& k, const std::string& d) override { return n_->blockStats(k, d); }
  Result<BlockInfo> blockInfo(const std::string& k, const std::string& d) override { return n_->blockInfo(k, d); }
  Result<InterfaceStats> interfaceStats(const std::string& k, const std::string& d) override {
    return n_->interfaceStats(k, d);
  }
  Result<std::vector<InterfaceAddresses>> interfaceAddresses(const std::string& k, AddressSource s) override {
    return n_->interfaceAddresses(k, s);
  }
  Result<std::vector<DomainStatsRecord>> domainStats(const std::vector<std::string>& k,
                                                     const DomainStatsQuery& q) override {
    return n_->domainStats(k, q);
  }
  // ---- virtual networks ----
  Result<std::vector<NetworkSummary>> listNetworks() override { return n_->listNetworks(); }
  Result<NetworkSummary> lookupNetwork(const std::string& k) override { return n_->lookupNetwork(k); }
  Result<NetworkDefineResult> defineNetwork(const std::string&, const std::string&) override {
    return forbidden("virNetworkDefineXML");
  }
  Result<NetworkDefineResult> createNetwork(const std::string&, const std::string&) override {
    return forbidden("virNetworkCreateXML");
  }
  Status undefineNetwork(const std::string&) override { return forbidden("virNetworkUndefine"); }
  Status startNetwork(const std::string&) override { return forbidden("virNetworkCreate"); }
  Status destroyNetwork(const std::string&) override { return forbidden("virNetworkDestroy"); }
  Result<std::string> networkXml(const std::string& k, const NetworkXmlOptions& o) override {
    return n_->networkXml(k, o);
  }
  Status setNetworkAutostart(const std::string&, bool) override { return forbidden("virNetworkSetAutostart"); }
  Status updateNetwork(const std::string&, const NetworkUpdate&, const ModifyScope&) override {
    return forbidden("virNetworkUpdate");
  }
  Result<std::vector<DhcpLease>> networkDhcpLeases(const std::string& k, const std::string& mac) override {
    return n_->networkDhcpLeases(k, mac);
  }
  Result<std::vector<NetworkPort>> listNetworkPorts(const std::string& k) override {
    return n_->listNetworkPorts(k);
  }

  // ---- storage pools and volumes: queries pass, changes are refused ----
  Result<std::vector<PoolSummary>> listPools() override { return n_->listPools(); }
  Result<PoolSummary> lookupPool(const std::string& p) override { return n_->lookupPool(p); }
  Result<PoolDefineResult> definePool(const std::string&, const std::string&) override {
    return forbidden("virStoragePoolDefineXML");
  }
  Result<PoolDefineResult> createPool(const std::string&, const std::string&, const PoolStartOptions&) override {
    return forbidden("virStoragePoolCreateXML");
  }
  Status buildPool(const std::string&, const PoolBuildOptions&) override { return forbidden("virStoragePoolBuild"); }
  Status startPool(const std::string&, const PoolStartOptions&) override { return forbidden("virStoragePoolCreate"); }
  Status destroyPool(const std::string&) override { return forbidden("virStoragePoolDestroy"); }
  Status deletePool(const std::string&) override { return forbidden("virStoragePoolDelete"); }
  Status undefinePool(const std::string&) override { return forbidden("virStoragePoolUndefine"); }
  Status refreshPool(const std::string&) override { return forbidden("virStoragePoolRefresh"); }
  Result<std::string> poolXml(const std::string& p, const PoolXmlOptions& o) override { return n_->poolXml(p, o); }
  Status setPoolAutostart(const std::string&, bool) override { return forbidden("virStoragePoolSetAutostart"); }
  Result<std::string> findPoolSources(const std::string&, const std::string&) override {
    return forbidden("virConnectFindStoragePoolSources");
  }
  Result<std::vector<VolumeSummary>> listVolumes(const std::string& p) override { return n_->listVolumes(p); }
  Result<VolumeSummary> lookupVolume(const std::string& p, const std::string& v) override {
    return n_->lookupVolume(p, v);
  }
  Result<VolumeSummary> createVolume(const std::string&, const std::string&, const std::string&,
                                     const VolumeCreateOptions&) override {
    return forbidden("virStorageVolCreateXML");
  }
  Result<VolumeSummary> createVolumeFrom(const std::string&, const std::string&, const std::string&,
                                         const std::string&, const std::string&, const VolumeCreateOptions&) override {
    return forbidden("virStorageVolCreateXMLFrom");
  }
  Status deleteVolume(const std::string&, const std::string&) override { return forbidden("virStorageVolDelete"); }
  Status wipeVolume(const std::string&, const std::string&, const VolumeWipeOptions&) override {
    return forbidden("virStorageVolWipePattern");
  }
  Status resizeVolume(const std::string&, const std::string&, std::uint64_t, const VolumeResizeOptions&) override {
    return forbidden("virStorageVolResize");
  }
  Result<std::string> volumeXml(const std::string& p, const std::string& v) override { return n_->volumeXml(p, v); }
  Status uploadVolume(const std::string&, const std::string&, const VolumeTransferOptions&, VolumeSource&) override {
    return forbidden("virStorageVolUpload");
  }
  Status downloadVolume(const std::string&, const std::string&, const VolumeTransferOptions&, VolumeSink&) override {
    return forbidden("virStorageVolDownload");
  }
  Result<JobInfo> volumeJobInfo(const std::string& p, const std::string& v) override {
    return n_->volumeJobInfo(p, v);
  }
  Status abortVolumeJob(const std::string&, const std::string&) override { return forbidden("virStorageVolAbortJob"); }

  Result<std::unique_ptr<EventSubscription>> subscribeEvents(EventCallback cb) override {
    return n_->subscribeEvents(std::move(cb));
  }

  // Migration: libvirt names the public call the client made (virsh's
  // migrate is virDomainMigrate3 without --p2p); only the downtime may be read.
  Result<MigrationBegin> migrateBegin(const std::string&, const MigrateOptions&) override {
    return forbidden("virDomainMigrate3");
  }
  Result<PreparedMigration> migratePrepare(const MigrationBegin&, const MigrateOptions&) override {
    return forbidden("virDomainMigrate3");
  }
  Result<MigrationOutcome> migratePerform(const std::string&, const PreparedMigration&, const MigrateOptions&) override {
    return forbidden("virDomainMigrate3");
  }
  Result<DomainSummary> migrateFinish(const std::string&, bool, const MigrateOptions&) override {
    return forbidden("virDomainMigrate3");
  }
  Status migrateConfirm(const std::string&, bool, const MigrateOptions&) override {
    return forbidden("virDomainMigrate3");
  }
  Status migrateKeepalive(const std::string&) override { return forbidden("virDomainMigrate3"); }
  Status migrateTunnelIn(const std::string&, const MigrationDataSource&) override {
    return forbidden("virDomainMigrate3");
  }
  Result<MigrationOutcome> migrateToUri(const std::string&, const std::string&, const MigrateOptions&) override {
    return forbidden("virDomainMigrateToURI3");
  }
  Status migrateSetMaxDowntime(const std::string&, std::uint64_t) override {
    return forbidden("virDomainMigrateSetMaxDowntime");
  }
  Result<std::uint64_t> migrateGetMaxDowntime(const std::string& k) override { return n_->migrateGetMaxDowntime(k); }
  Status migrateSetSpeed(const std::string&, std::uint64_t) override { return forbidden("virDomainMigrateSetMaxSpeed"); }
  Result<std::uint64_t> migrateGetSpeed(const std::string&) override { return forbidden("virDomainMigrateGetMaxSpeed"); }
  Status migrateStartPostcopy(const std::string&) override { return forbidden("virDomainMigrateStartPostCopy"); }

 private:
  std::unique_ptr<NodeService> n_;
};
}  // namespace

std::unique_ptr<daemon::NodeService> makeReadonly(std::unique_ptr<daemon::NodeService> inner) {
  return std::make_unique<ReadonlyNode>(std::move(inner));
}

}  // namespace stratus::cli
