// The node's API as one C++ interface. Implemented in-process by daemon::Node
// (used by stratusd and by `stratus -c test:///...`) and remotely by
// api::NodeClient (HTTP over the daemon's socket). Like libvirt's driver
// table: the CLI does not care which one it holds.
//
// Domain keys: every `key` argument is a domain name or UUID. virsh's lookup
// order (id, then UUID, then name) is lookupDomain's job.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/migration_types.h"
#include "daemon/stats_types.h"
#include "daemon/storage_types.h"
#include "daemon/types.h"
#include "util/error.h"

namespace stratus::daemon {

// A lifecycle event, numbered like virDomainEventType/detail so `event`
// output can match virsh's.
struct DomainEvent {
  std::string domainName;
  std::string domainUuid;
  int type = 0;    // 0 defined, 1 undefined, 2 started, 3 suspended, 4 resumed, 5 stopped, 6 shutdown, 7 pmsuspended, 8 crashed
  int detail = 0;  // per type, as libvirt
  std::uint64_t seq = 0;  // monotonically increasing per node
};

// A subscription whose source went away (the daemon stopped or the
// connection broke) delivers one last event of this type, then nothing.
inline constexpr int kEventStreamEnded = -1;

class EventSubscription {
 public:
  virtual ~EventSubscription() = default;  // unsubscribes
};
using EventCallback = std::function<void(const DomainEvent&)>;

class NodeService {
 public:
  virtual ~NodeService() = default;

  // ---- connection / host ----
  virtual std::string uri() = 0;  // canonical URI of this connection
  virtual Result<std::string> hostname() = 0;
  virtual Result<VersionInfo> version() = 0;
  virtual Result<NodeInfo> nodeInfo() = 0;

  // ---- domains: definitions ----
  virtual Result<std::vector<DomainSummary>> listDomains() = 0;
  // virsh lookup: a number is tried as a running domain's id, then the text as
  // a UUID, then as a name. NoDomain when nothing matches.
  virtual Result<DomainSummary> lookupDomain(const std::string& idUuidOrName) = 0;
  virtual Result<DefineResult> defineDomain(const std::string& xml, const std::string& sourceName) = 0;
  virtual Status undefineDomain(const std::string& key, const UndefineOptions& opts) = 0;
  virtual Result<std::string> domainXml(const std::string& key, const XmlOptions& opts) = 0;
  virtual Result<DomainInfo> domainInfo(const std::string& key) = 0;
  virtual Status setAutostart(const std::string& key, bool enabled) = 0;
  virtual Status setMetadata(const std::string& key, MetadataKind kind, const std::string& text,
                             const ModifyScope& scope) = 0;
  virtual Result<std::string> getMetadata(const std::string& key, MetadataKind kind,
                                          const ModifyScope& scope) = 0;
  virtual Status renameDomain(const std::string& key, const std::string& newName) = 0;

  // ---- domains: lifecycle ----
  // create: start a transient domain from XML.
  virtual Result<DefineResult> createDomain(const std::string& xml, const std::string& sourceName,
                                            const StartOptions& opts) = 0;
  virtual Status startDomain(const std::string& key, const StartOptions& opts) = 0;
  virtual Status shutdownDomain(const std::string& key, const ShutdownOptions& opts) = 0;
  virtual Status destroyDomain(const std::string& key, const DestroyOptions& opts) = 0;
  virtual Status suspendDomain(const std::string& key) = 0;
  virtual Status resumeDomain(const std::string& key) = 0;
  virtual Status rebootDomain(const std::string& key) = 0;
  virtual Status resetDomain(const std::string& key) = 0;
  virtual Status saveDomain(const std::string& key, const std::string& file, const SaveOptions& opts) = 0;
  virtual Result<DomainSummary> restoreDomain(const std::string& file, const SaveOptions& opts) = 0;
  virtual Status managedSave(const std::string& key, const SaveOptions& opts) = 0;
  virtual Status managedSaveRemove(const std::string& key) = 0;
  virtual Status setMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) = 0;
  virtual Status setMaxMemory(const std::string& key, std::uint64_t kib, const ModifyScope& scope) = 0;
  virtual Status setVcpus(const std::string& key, unsigned count, const ModifyScope& scope,
                          bool maximum) = 0;

  // ---- devices (virsh attach-device, detach-device, update-device, blockresize) ----
  // `xml` is one device element (<disk>, <interface>, ...); `sourceName`
  // names it in errors. The scope says which definitions change (--live,
  // --config, neither = --current); a failed live change changes nothing.
  virtual Status attachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                              const ModifyScope& scope) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainAttachDeviceFlags");
  }
  // Waits for the guest to release the device; a guest that does not in
  // time gives OperationTimeout naming the device (the unplug stays pending).
  virtual Status detachDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                              const ModifyScope& scope) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainDetachDeviceFlags");
  }
  // A cdrom/floppy's medium, an interface's link state (live); anything (config).
  virtual Status updateDevice(const std::string& key, const std::string& xml, const std::string& sourceName,
                              const ModifyScope& scope, bool force) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainUpdateDeviceFlags");
  }
  // `disk`: a target (vda) or source path of a disk of the running domain.
  virtual Status blockResize(const std::string& key, const std::string& disk, std::uint64_t bytes) {
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: virDomainBlockResize");
  }

  // ---- jobs and save images ----
  // The domain's running job (type "none" when there is none), or with
  // `completed` how the last one ended (virsh domjobinfo [--completed]).
  virtual Result<JobInfo> domainJobInfo(const std::string& key, bool completed) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainGetJobInfo");
  }
  // Cancel the domain's running job (virsh domjobabort).
  virtual Status abortDomainJob(const std::string& key) {
    return Error(ErrorCode::Unsupported, "this function is not supported by the connection driver: virDomainAbortJob");
  }
  // The domain XML inside a save image on the node's host (save-image-dumpxml).
  virtual Result<std::string> saveImageXml(const std::string& file, const XmlOptions& opts) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainSaveImageGetXMLDesc");
  }
  // Replace that XML; opts.running / opts.paused change how restore leaves
  // the guest (save-image-define).
  virtual Status saveImageDefine(const std::string& file, const std::string& xml, const SaveOptions& opts) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainSaveImageDefineXML");
  }

  // Send a non-maskable interrupt to the guest (virsh inject-nmi).
  virtual Status injectNmi(const std::string& key) {
    return Error(ErrorCode::Unsupported,
                 "this function is not supported by the connection driver: virDomainInjectNMI");
  }

  // ---- migration (virsh migrate and migrate-*) ----
  // The phases, in the order daemon::runMigration calls them. Every phase
  // fails without side effects that outlive the migration: a failed prepare
  // leaves nothing on the destination, a failed perform leaves the guest
  // running on the source, finish(ok=false) removes the incoming guest,
  // confirm(ok=false) resumes the source guest.
  //
  // Source: check the guest can go (state, flags) and start the outgoing
  // migration job (domjobinfo shows it from now until confirm).
  virtual Result<MigrationBegin> migrateBegin(const std::string& key, const MigrateOptions& opts) {
    return noMigration("virDomainMigrateBegin3Params");
  }
  // Destination: define the incoming guest (transient until finish) and
  // start its QEMU waiting for the data (and the NBD server for
  // copy-storage); answers where to send it.
  virtual Result<PreparedMigration> migratePrepare(const MigrationBegin& begin, const MigrateOptions& opts) {
    return noMigration("virDomainMigratePrepare3Params");
  }
  // Source: send the guest to `to` (memory, and disks for copy-storage),
  // with progress in domainJobInfo and cancel by abortDomainJob. Returns
  // when QEMU completed (the source guest is then paused) or post-copy
  // started; on failure the guest runs on the source as before.
  virtual Result<MigrationOutcome> migratePerform(const std::string& key, const PreparedMigration& to,
                                                  const MigrateOptions& opts) {
    return noMigration("virDomainMigratePerform3Params");
  }
  // Destination: ok: the guest runs here (paused with --suspend; persisted
  // with --persistent); !ok: the incoming guest and its QEMU are removed.
  virtual Result<DomainSummary> migrateFinish(const std::string& name, bool ok, const MigrateOptions& opts) {
    return noMigration("virDomainMigrateFinish3Params");
  }
  // Source: ok: the guest moved, stop it here (and undefine with
  // --undefinesource); !ok: resume it here. Ends the outgoing job.
  virtual Status migrateConfirm(const std::string& key, bool ok, const MigrateOptions& opts) {
    return noMigration("virDomainMigrateConfirm3Params");
  }
  // Destination: the orchestrator is still there; an incoming guest not
  // kept alive for opts.keepaliveTimeoutSeconds is removed.
  virtual Status migrateKeepalive(const std::string& name) { return noMigration("virDomainMigrateKeepalive"); }
  // Destination of a tunnelled migration: feed the incoming QEMU the
  // source's migration stream; returns when the stream ended.
  virtual Status migrateTunnelIn(const std::string& name, const MigrationDataSource& data) {
    return noMigration("virDomainMigratePrepareTunnel3Params");
  }
  // --p2p: the source daemon connects to destUri itself (with its own
  // credentials for that host) and runs every phase.
  virtual Result<MigrationOutcome> migrateToUri(const std::string& key, const std::string& destUri,
                                                const MigrateOptions& opts) {
    return noMigration("virDomainMigrateToURI3");
  }
  // Tuning of a running outgoing migration (and the values the next one starts with).
  virtual Status migrateSetMaxDowntime(const std::string& key, std::uint64_t ms) {
    return noMigration("virDomainMigrateSetMaxDowntime");
  }
  virtual Result<std::uint64_t> migrateGetMaxDowntime(const std::string& key) {
    return noMigration("virDomainMigrateGetMaxDowntime");
  }
  // MiB/s; 0: unlimited.
  virtual Status migrateSetSpeed(const std::string& key, std::uint64_t mibPerSecond) {
    return noMigration("virDomainMigrateSetMaxSpeed");
  }
  virtual Result<std::uint64_t> migrateGetSpeed(const std::string& key) {
    return noMigration("virDomainMigrateGetMaxSpeed");
  }
  // Switch a running --postcopy migration to post-copy (virsh migrate-postcopy).
  virtual Status migrateStartPostcopy(const std::string& key) { return noMigration("virDomainMigrateStartPostCopy"); }

  // ---- console ----
  // A byte stream to the guest's character device `device` (empty: the
  // first serial port / console), for `virsh console`. The caller owns the
  // returned file descriptor; closing it ends the session.
  virtual Result<int> openConsole(const std::string& key, const std::string& device) {
    return Error(ErrorCode::Unsupported, "Operation not supported: this connection has no consoles");
  }
  // The last `maxBytes` the guest wrote to its first file-backed serial
  // port (<serial type='file'>), for the cloud's GetConsoleOutput; "" while
  // the file does not exist yet. Unsupported for a guest whose console is
  // not a file.
  virtual Result<std::string> consoleLog(const std::string& key, std::uint64_t maxBytes) {
    return Error(ErrorCode::Unsupported, "Operation not supported: this connection has no console logs");
  }

  // ---- statistics, tuning, device queries ----
  // dommemstat, memtune, vcpuinfo, vcpupin, emulatorpin, domblkstat,
  // domblkinfo, domifstat, domifaddr, domstats, nodecpustats, nodememstats,
  // nodecpumap. Every default says the connection cannot (libvirt's words).
  virtual Result<NodeCpuMap> nodeCpuMap() { return noStats("virNodeGetCPUMap"); }
  // cpu -1: all CPUs.
  virtual Result<NodeCpuStats> nodeCpuStats(int cpu) { return noStats("virNodeGetCPUStats"); }
  // cell -1: the whole host.
  virtual Result<NodeMemoryStats> nodeMemoryStats(int cell) { return noStats("virNodeGetMemoryStats"); }
  virtual Result<std::vector<MemoryStat>> domainMemoryStats(const std::string& key) {
    return noStats("virDomainMemoryStats");
  }
  // dommemstat --period: how often the guest's balloon driver reports.
  virtual Status setMemoryStatsPeriod(const std::string& key, int seconds, const ModifyScope& scope) {
    return noStats("virDomainSetMemoryStatsPeriod");
  }
  virtual Result<MemoryTune> memoryTune(const std::string& key, const ModifyScope& scope) {
    return noStats("virDomainGetMemoryParameters");
  }
  virtual Status setMemoryTune(const std::string& key, const MemoryTuneUpdate& update, const ModifyScope& scope) {
    return noStats("virDomainSetMemoryParameters");
  }
  // The vCPUs of a running domain.
  virtual Result<std::vector<VcpuInfo>> vcpuInfo(const std::string& key) { return noStats("virDomainGetVcpus"); }
  virtual Result<VcpuPinInfo> vcpuPinInfo(const std::string& key, const ModifyScope& scope) {
    return noStats("virDomainGetVcpuPinInfo");
  }
  // `cpuset` in libvirt's syntax ("0-3,^2").
  virtual Status pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset, const ModifyScope& scope) {
    return noStats("virDomainPinVcpuFlags");
  }
  virtual Result<std::string> emulatorPinInfo(const std::string& key, const ModifyScope& scope) {
    return noStats("virDomainGetEmulatorPinInfo");
  }
  virtual Status pinEmulator(const std::string& key, const std::string& cpuset, const ModifyScope& scope) {
    return noStats("virDomainPinEmulator");
  }
  // `device`: a disk's target (vda) or source path; empty: all disks summed.
  virtual Result<BlockStats> blockStats(const std::string& key, const std::string& device) {
    return noStats("virDomainBlockStats");
  }
  virtual Result<BlockInfo> blockInfo(const std::string& key, const std::string& device) {
    return noStats("virDomainGetBlockInfo");
  }
  // `device`: the interface's host device (vnet0) or MAC address.
  virtual Result<InterfaceStats> interfaceStats(const std::string& key, const std::string& device) {
    return noStats("virDomainInterfaceStats");
  }
  virtual Result<std::vector<InterfaceAddresses>> interfaceAddresses(const std::string& key, AddressSource source) {
    return noStats("virDomainInterfaceAddresses");
  }
  // `keys` empty: every domain that passes the query's filters.
  virtual Result<std::vector<DomainStatsRecord>> domainStats(const std::vector<std::string>& keys,
                                                             const DomainStatsQuery& query) {
    return noStats("virConnectGetAllDomainStats");
  }

  // ---- virtual networks ----
  // Keys are network names or UUIDs. Every default says the connection has
  // no networks (libvirt: "this function is not supported by the connection
  // driver: virNetworkXxx").
  virtual Result<std::vector<NetworkSummary>> listNetworks() { return noNetworks("virConnectListAllNetworks"); }
  virtual Result<NetworkSummary> lookupNetwork(const std::string& nameOrUuid) {
    return noNetworks("virNetworkLookupByName");
  }
  virtual Result<NetworkDefineResult> defineNetwork(const std::string& xml, const std::string& sourceName) {
    return noNetworks("virNetworkDefineXML");
  }
  // net-create: define a transient network and start it.
  virtual Result<NetworkDefineResult> createNetwork(const std::string& xml, const std::string& sourceName) {
    return noNetworks("virNetworkCreateXML");
  }
  virtual Status undefineNetwork(const std::string& key) { return noNetworks("virNetworkUndefine"); }
  virtual Status startNetwork(const std::string& key) { return noNetworks("virNetworkCreate"); }
  virtual Status destroyNetwork(const std::string& key) { return noNetworks("virNetworkDestroy"); }
  virtual Result<std::string> networkXml(const std::string& key, const NetworkXmlOptions& opts) {
    return noNetworks("virNetworkGetXMLDesc");
  }
  virtual Status setNetworkAutostart(const std::string& key, bool enabled) {
    return noNetworks("virNetworkSetAutostart");
  }
  virtual Status updateNetwork(const std::string& key, const NetworkUpdate& update, const ModifyScope& scope) {
    return noNetworks("virNetworkUpdate");
  }
  // `mac` empty: every lease.
  virtual Result<std::vector<DhcpLease>> networkDhcpLeases(const std::string& key, const std::string& mac) {
    return noNetworks("virNetworkGetDHCPLeases");
  }
  virtual Result<std::vector<NetworkPort>> listNetworkPorts(const std::string& key) {
    return noNetworks("virNetworkListAllPorts");
  }

  // ---- storage pools (virsh pool-*) ----
  // `pool` arguments are a pool name or UUID. Errors are libvirt's words
  // ("Storage pool not found: no storage pool with matching name 'x'").
  virtual Result<std::vector<PoolSummary>> listPools() { return noStorage("virConnectListAllStoragePools"); }
  virtual Result<PoolSummary> lookupPool(const std::string& pool) { return noStorage("virStoragePoolLookupByName"); }
  virtual Result<PoolDefineResult> definePool(const std::string& xml, const std::string& sourceName) {
    return noStorage("virStoragePoolDefineXML");
  }
  // pool-create: a transient pool, started (built first with opts.build).
  virtual Result<PoolDefineResult> createPool(const std::string& xml, const std::string& sourceName,
                                              const PoolStartOptions& opts) {
    return noStorage("virStoragePoolCreateXML");
  }
  virtual Status buildPool(const std::string& pool, const PoolBuildOptions& opts) {
    return noStorage("virStoragePoolBuild");
  }
  virtual Status startPool(const std::string& pool, const PoolStartOptions& opts) {
    return noStorage("virStoragePoolCreate");
  }
  virtual Status destroyPool(const std::string& pool) { return noStorage("virStoragePoolDestroy"); }
  // pool-delete: remove the pool's storage (the directory, the VG); inactive pools only.
  virtual Status deletePool(const std::string& pool) { return noStorage("virStoragePoolDelete"); }
  virtual Status undefinePool(const std::string& pool) { return noStorage("virStoragePoolUndefine"); }
  virtual Status refreshPool(const std::string& pool) { return noStorage("virStoragePoolRefresh"); }
  virtual Result<std::string> poolXml(const std::string& pool, const PoolXmlOptions& opts) {
    return noStorage("virStoragePoolGetXMLDesc");
  }
  virtual Status setPoolAutostart(const std::string& pool, bool enabled) {
    return noStorage("virStoragePoolSetAutostart");
  }
  // find-storage-pool-sources TYPE [SRCSPEC]: libvirt's <sources> document.
  virtual Result<std::string> findPoolSources(const std::string& type, const std::string& srcSpecXml) {
    return noStorage("virConnectFindStoragePoolSources");
  }

  // ---- storage volumes (virsh vol-*) ----
  // `vol` is a volume name within `pool`; with `pool` empty, a path or key
  // of any active pool's volume (virsh's lookup by key, then path).
  virtual Result<std::vector<VolumeSummary>> listVolumes(const std::string& pool) {
    return noStorage("virStoragePoolListAllVolumes");
  }
  virtual Result<VolumeSummary> lookupVolume(const std::string& pool, const std::string& vol) {
    return noStorage("virStorageVolLookupByName");
  }
  virtual Result<VolumeSummary> createVolume(const std::string& pool, const std::string& xml,
                                             const std::string& sourceName, const VolumeCreateOptions& opts) {
    return noStorage("virStorageVolCreateXML");
  }
  // vol-create-from / vol-clone: a new volume (xml) with the content of
  // fromPool/fromVol, converted to the new format; an operation with
  // progress (volumeJobInfo) and cancel. A failed or cancelled copy leaves
  // no volume behind.
  virtual Result<VolumeSummary> createVolumeFrom(const std::string& pool, const std::string& xml,
                                                 const std::string& sourceName, const std::string& fromPool,
                                                 const std::string& fromVol, const VolumeCreateOptions& opts) {
    return noStorage("virStorageVolCreateXMLFrom");
  }
  virtual Status deleteVolume(const std::string& pool, const std::string& vol) {
    return noStorage("virStorageVolDelete");
  }
  virtual Status wipeVolume(const std::string& pool, const std::string& vol, const VolumeWipeOptions& opts) {
    return noStorage("virStorageVolWipePattern");
  }
  virtual Status resizeVolume(const std::string& pool, const std::string& vol, std::uint64_t capacity,
                              const VolumeResizeOptions& opts) {
    return noStorage("virStorageVolResize");
  }
  virtual Result<std::string> volumeXml(const std::string& pool, const std::string& vol) {
    return noStorage("virStorageVolGetXMLDesc");
  }
  virtual Status uploadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                              VolumeSource& source) {
    return noStorage("virStorageVolUpload");
  }
  virtual Status downloadVolume(const std::string& pool, const std::string& vol, const VolumeTransferOptions& opts,
                                VolumeSink& sink) {
    return noStorage("virStorageVolDownload");
  }
  // The running copy/upload/download/wipe of a volume (type "none" when
  // none runs: bytes done and total in dataProcessed/dataTotal), and its cancel.
  virtual Result<JobInfo> volumeJobInfo(const std::string& pool, const std::string& vol) {
    return noStorage("virStorageVolGetInfo");
  }
  virtual Status abortVolumeJob(const std::string& pool, const std::string& vol) {
    return noStorage("virStorageVolAbortJob");
  }

  // ---- events ----
  // The callback runs on an internal thread; keep it short. Dropping the
  // returned object unsubscribes.
  virtual Result<std::unique_ptr<EventSubscription>> subscribeEvents(EventCallback cb) = 0;

 protected:
  static Error noStats(const char* function) {
    return Error(ErrorCode::Unsupported,
                 std::string("this function is not supported by the connection driver: ") + function);
  }
  static Error noStorage(const char* function) {
    return Error(ErrorCode::Unsupported,
                 std::string("this function is not supported by the connection driver: ") + function);
  }
  static Error noMigration(const char* function) {
    return Error(ErrorCode::Unsupported,
                 std::string("this function is not supported by the connection driver: ") + function);
  }
  static Error noNetworks(const char* function) {
    return Error(ErrorCode::Unsupported,
                 std::string("this function is not supported by the connection driver: ") + function);
  }
};

}  // namespace stratus::daemon
