// Private state of daemon::Node, shared by its node_*.cpp files.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "daemon/config_store.h"
#include "daemon/event_bus.h"
#include "daemon/node_migration.h"
#include "daemon/network_registry.h"
#include "daemon/node.h"
#include "daemon/save_image.h"
#include "daemon/storage_registry.h"
#include "daemon/transitions.h"

namespace stratus::daemon {

// libvirt's event types and details (virDomainEventType / *DetailType).
namespace ev {
inline constexpr int Defined = 0, Undefined = 1, Started = 2, Suspended = 3, Resumed = 4,
                     Stopped = 5, Shutdown = 6, PmSuspended = 7, Crashed = 8;
inline constexpr int DefinedAdded = 0, DefinedUpdated = 1, DefinedRenamed = 2;
inline constexpr int UndefinedRemoved = 0, UndefinedRenamed = 1;
inline constexpr int StartedBooted = 0, StartedMigrated = 1, StartedRestored = 2;
inline constexpr int SuspendedPaused = 0, SuspendedIoError = 2, SuspendedApiError = 6;
inline constexpr int ResumedUnpaused = 0;
inline constexpr int StoppedShutdown = 0, StoppedDestroyed = 1, StoppedCrashed = 2,
                     StoppedMigrated = 3, StoppedSaved = 4, StoppedFailed = 5;
inline constexpr int ShutdownFinished = 0, ShutdownGuest = 1, ShutdownHost = 2;
}  // namespace ev

struct MigrationSession;  // node_migration.h

struct DomainObj {
  // Held for the whole of a modifying job; queries never take it.
  std::timed_mutex job;

  // Everything below is guarded by Node::Impl::mu.
  std::string name;
  Uuid uuid;
  std::optional<conf::DomainDef> config;  // persistent definition; none = transient
  std::optional<conf::DomainDef> live;    // definition of the running guest
  std::shared_ptr<drivers::Instance> instance;
  std::uint64_t generation = 0;  // bumped per launch; stale events are ignored
  conf::DomainState state = conf::DomainState::Shutoff;
  int reason = conf::reason::ShutoffUnknown;
  int id = -1;
  bool autostart = false;
  bool removed = false;          // undefined while someone waited for its job
  bool expectingStop = false;    // we are stopping it: an exit event is not a crash
  // The partial file a save in progress writes (in the status file too):
  // a daemon that dies mid-save leaves it for the next one to remove.
  std::string savePart;
  bool hasManagedSave = false;
  std::string managedSaveImage;  // in-memory nodes keep the image here
  // The long operation (save, restore) running under the job, for
  // domjobinfo / domjobabort; and how the last one ended (--completed).
  std::shared_ptr<drivers::JobMonitor> operation;
  std::optional<JobInfo> lastOperation;
  // A migration under way: begin..confirm here as its source, prepare..
  // finish here as its destination (node_migration*.cpp). Other modifying
  // jobs are refused meanwhile.
  std::shared_ptr<MigrationSession> migration;
  // migrate-setspeed / migrate-setmaxdowntime before (or during) a migration.
  std::uint64_t migrationSpeedMiB = 0;  // 0: unlimited
  std::uint64_t migrationDowntimeMs = 0;  // 0: the hypervisor's default

  bool active() const { return conf::isActive(state); }
  const conf::DomainDef& current() const { return active() && live ? *live : *config; }
};
using DomainPtr = std::shared_ptr<DomainObj>;

// A held job on one domain. Counts as in-flight work for drain().
class Job {
 public:
  Job() = default;
  Job(DomainPtr d, std::unique_lock<std::timed_mutex> lk, Node::Impl* impl);
  Job(Job&&) noexcept;
  Job& operator=(Job&&) = delete;
  ~Job();
  DomainObj& dom() { return *dom_; }
  DomainPtr ptr() { return dom_; }

 private:
  DomainPtr dom_;
  std::unique_lock<std::timed_mutex> lk_;
  Node::Impl* impl_ = nullptr;
};

struct Node::Impl {
  Node* self = nullptr;
  NodeConfig cfg;
  std::unique_ptr<drivers::HypervisorDriver> driver;
  std::optional<ConfigStore> store;  // none for in-memory nodes
  std::unique_ptr<NetworkRegistry> networks;
  std::unique_ptr<StorageRegistry> storage;

  mutable std::shared_mutex mu;
  std::unordered_map<std::string, DomainPtr> byName;
  std::map<Uuid, DomainPtr> byUuid;
  std::unordered_map<int, DomainPtr> byId;
  int nextId = 1;

  // Serialises changes of the registry's key sets (define of a new name,
  // undefine, rename) so conflict checks stay valid while files are written
  // without holding `mu`.
  std::mutex registryWrite;

  std::mutex inflightMu;
  std::condition_variable inflightCv;
  int inflight = 0;
  std::atomic<bool> draining{false};

  EventBus events;

  // ---- helpers (node_registry.cpp) ----
  DomainPtr find(const std::string& key) const;  // name or uuid; needs mu held
  Result<DomainPtr> get(const std::string& key) const;
  // `migrationPhase`: a phase of the domain's own migration, which other
  // jobs must wait for (they are refused while one is under way).
  Result<Job> beginJob(const std::string& key, bool migrationPhase = false);
  DomainSummary summarize(const DomainObj& d) const;  // needs mu held
  void emit(const DomainObj& d, int type, int detail);  // needs mu held (reads name/uuid)
  void indexInsert(const DomainPtr& d);                 // needs mu exclusive
  void indexErase(const DomainPtr& d);                  // needs mu exclusive

  // ---- lifecycle (node_lifecycle.cpp) ----
  drivers::InstanceEventSink makeSink(const DomainPtr& d, std::uint64_t generation);
  void onInstanceEvent(std::weak_ptr<DomainObj> weak, std::uint64_t generation,
                       const drivers::InstanceEvent& e);
  // Launch the guest of an inactive domain (job held). restoreFd >= 0 restores.
  // `restore` (with restoreFd >= 0): the image's format, size and job monitor.
  // `restore` with `incoming` set: the destination of a migration (paused,
  // "migrating").
  Status launch(DomainObj& d, const DomainPtr& ptr, const conf::DomainDef& def, bool paused,
                int restoreFd, int runningReason, const drivers::LaunchOptions* restore = nullptr);
  // Record that the guest is gone (mu exclusive held); returns the instance to release.
  std::shared_ptr<drivers::Instance> markStopped(const DomainPtr& d, int reason, int detail);
  void writeStatus(const DomainObj& d);  // mu held (shared ok)
  // A running guest changed state (paused, resumed, crashed-preserved):
  // record it, persist the status, publish the event. mu exclusive held.
  void transition(DomainObj& d, conf::DomainState state, int reason, int evType, int evDetail);
  // Hand a stopped instance to the worker thread to be released there (its
  // destructor may join driver threads, possibly the calling one).
  void release(std::shared_ptr<drivers::Instance> inst);
  // The running guest of the job's domain when `verb` is allowed now.
  Result<std::shared_ptr<drivers::Instance>> activeInstance(Job& job, Verb verb);
  // Remove the job's domain's persistent definition (file, autostart link,
  // registry entry when it is not running): undefine, and the source of a
  // --undefinesource migration. The file goes first; when it cannot, nothing changes.
  Status dropDefinition(Job& job);
  // The name of the job's domain when it is persistent; `what` completes
  // "cannot ... for transient domain".
  Result<std::string> persistentName(Job& job, const std::string& what);
  // The transition table's verdict on `verb` in the domain's state (mu held).
  Status allowed(const DomainObj& d, Verb verb) const;

  // What a change with a --live/--config/--current scope works on: copies
  // of the definitions it touches and, when it touches the running guest,
  // its instance (mu taken shared while they are copied).
  struct ScopedTarget {
    std::optional<conf::DomainDef> config, live;
    std::shared_ptr<drivers::Instance> instance;
  };
  Result<ScopedTarget> scopedTarget(const DomainObj& d, const ModifyScope& scope);

  // ---- devices (node_devices.cpp) ----
  // The instance changed its live definition on its own (a late unplug):
  // take it over, release the network ports of NICs that went. mu exclusive held.
  void refreshLive(DomainObj& d);

  // ---- save images (node_save.cpp) ----
  // `partFile`: the file behind `fd` until it is renamed ("": in memory).
  Status saveTo(Job& job, int fd, const SaveOptions& opts, const std::string& partFile);
  Status restoreManaged(Job& job, bool paused);
  Status removeManagedImage(Job& job);
  // Restore the image open at fd (header read, positioned at the state)
  // into the job's inactive domain.
  Status restoreImage(Job& job, int fd, const SaveImageHeader& h, const conf::DomainDef& def, bool paused);
  // A definition given for a saved guest's state (save --xml, restore --xml,
  // save-image-define): parsed, with the driver's defaults, and refused
  // unless it has `saved`'s name and UUID. `source` names it in errors.
  Result<conf::DomainDef> replacementDefinition(const conf::DomainDef& saved, const std::string& xml,
                                                const std::string& source);
  // ---- migration (node_migration*.cpp) ----
  // Perform on the source, to a URI or (tunnelled) an fd.
  Result<MigrationOutcome> performMigration(const std::string& key, const drivers::MigrationTarget& to,
                                            const MigrateOptions& opts);
  // The status file's word for the domain's migration ("" none).
  static std::string migrationMark(const DomainObj& d);
  // The session's watchdog thread: once its deadline passes without a
  // keepalive, expireMigration.
  void startMigrationWatchdog(const std::shared_ptr<MigrationSession>& session, const std::string& name);
  // A migration whose orchestrator went quiet ends as a failed one: an
  // incoming guest is removed (finish), one begun here but never performed
  // (the orchestrator died between begin and perform) is confirmed failed.
  void expireMigration(const std::string& name, const std::shared_ptr<MigrationSession>& session);
  // Stop every keepalive watchdog (node shutdown).
  void stopMigrationWatchdogs();

  // ---- operations with progress (node_jobs.cpp) ----
  std::shared_ptr<drivers::JobMonitor> beginOperation(DomainObj& d, const char* operation);
  void endOperation(DomainObj& d, const std::shared_ptr<drivers::JobMonitor>& op, const Status& result);
};

// "Domain not found: no domain with matching name 'KEY'" (NoDomain).
Error noDomainError(const std::string& key);

// virsh --current: live when running, config otherwise.
struct Scope {
  bool live, config;
};
inline Result<Scope> resolveScope(const DomainObj& d, const ModifyScope& s) {
  Scope out{s.live, s.config};
  if (!out.live && !out.config) {
    out.live = d.active();
    out.config = !d.active();
  }
  if (out.live && !d.active())
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
  if (out.config && !d.config)
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: cannot change persistent config of a transient domain");
  return out;
}

inline Result<Node::Impl::ScopedTarget> Node::Impl::scopedTarget(const DomainObj& d, const ModifyScope& scope) {
  std::shared_lock lk(mu);
  auto rs = resolveScope(d, scope);
  if (!rs) return std::move(rs).error();
  ScopedTarget t;
  if (rs->config) t.config = *d.config;
  if (rs->live) {
    t.live = *d.live;
    t.instance = d.instance;
  }
  return t;
}

}  // namespace stratus::daemon
