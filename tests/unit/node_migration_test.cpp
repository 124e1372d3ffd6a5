// Migration between two daemon::Nodes on the simulated driver, through
// runMigration as the CLI and --p2p run it: where the guest ends up after
// success, abort, a destination that goes quiet or refuses to finish, and
// what the phases refuse. (The QEMU side has its own tests; e2e moves the
// booted test guest between two stratusd in two network namespaces.)
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "daemon/migration_orchestrator.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"

using namespace stratus;
using namespace stratus::daemon;
using namespace std::chrono_literals;

namespace {

const char* kGuest =
    "<domain type='test'><name>g</name><uuid>6f1e0001-0000-4000-8000-0000000000aa</uuid>"
    "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

std::unique_ptr<Node> openNode(std::function<Result<std::unique_ptr<NodeService>>(const std::string&)> peer = {}) {
  NodeConfig cfg;
  cfg.uri = "test:///default";
  cfg.defineDefaultNetwork = false;
  cfg.defineDefaultPool = false;
  cfg.migrationHost = "127.0.0.1";
  cfg.connectPeer = std::move(peer);
  auto n = Node::open(cfg, drivers::makeTestDriver());
  EXPECT_TRUE(n.ok()) << n.error().describe();
  return std::move(n).value();
}

conf::DomainState stateOf(NodeService& n, const std::string& name) {
  auto d = n.lookupDomain(name);
  return d ? d->state : conf::DomainState::NoState;
}

// A NodeService that is another (borrowed) node, for connectPeer.
class Borrowed final : public NodeService {
 public:
  explicit Borrowed(Node& n) : n_(n) {}
#define FWD(ret, name, params, args) \
  ret name params override { return n_.name args; }
  FWD(std::string, uri, (), ())
  FWD(Result<std::string>, hostname, (), ())
  FWD(Result<VersionInfo>, version, (), ())
  FWD(Result<NodeInfo>, nodeInfo, (), ())
  FWD(Result<std::vector<DomainSummary>>, listDomains, (), ())
  FWD(Result<DomainSummary>, lookupDomain, (const std::string& k), (k))
  FWD(Result<DefineResult>, defineDomain, (const std::string& x, const std::string& s), (x, s))
  FWD(Status, undefineDomain, (const std::string& k, const UndefineOptions& o), (k, o))
  FWD(Result<std::string>, domainXml, (const std::string& k, const XmlOptions& o), (k, o))
  FWD(Result<DomainInfo>, domainInfo, (const std::string& k), (k))
  FWD(Status, setAutostart, (const std::string& k, bool a), (k, a))
  FWD(Status, setMetadata, (const std::string& k, MetadataKind m, const std::string& v, const ModifyScope& s),
      (k, m, v, s))
  FWD(Result<std::string>, getMetadata, (const std::string& k, MetadataKind m, const ModifyScope& s), (k, m, s))
  FWD(Status, renameDomain, (const std::string& k, const std::string& n), (k, n))
  FWD(Result<DefineResult>, createDomain, (const std::string& x, const std::string& s, const StartOptions& o),
      (x, s, o))
  FWD(Status, startDomain, (const std::string& k, const StartOptions& o), (k, o))
  FWD(Status, shutdownDomain, (const std::string& k, const ShutdownOptions& o), (k, o))
  FWD(Status, destroyDomain, (const std::string& k, const DestroyOptions& o), (k, o))
  FWD(Status, suspendDomain, (const std::string& k), (k))
  FWD(Status, resumeDomain, (const std::string& k), (k))
  FWD(Status, rebootDomain, (const std::string& k), (k))
  FWD(Status, resetDomain, (const std::string& k), (k))
  FWD(Status, saveDomain, (const std::string& k, const std::string& f, const SaveOptions& o), (k, f, o))
  FWD(Result<DomainSummary>, restoreDomain, (const std::string& f, const SaveOptions& o), (f, o))
  FWD(Status, managedSave, (const std::string& k, const SaveOptions& o), (k, o))
  FWD(Status, managedSaveRemove, (const std::string& k), (k))
  FWD(Status, setMemory, (const std::string& k, std::uint64_t m, const ModifyScope& s), (k, m, s))
  FWD(Status, setMaxMemory, (const std::string& k, std::uint64_t m, const ModifyScope& s), (k, m, s))
  FWD(Status, setVcpus, (const std::string& k, unsigned c, const ModifyScope& s, bool m), (k, c, s, m))
  FWD(Result<std::unique_ptr<EventSubscription>>, subscribeEvents, (EventCallback cb), (std::move(cb)))
  FWD(Result<MigrationBegin>, migrateBegin, (const std::string& k, const MigrateOptions& o), (k, o))
  FWD(Result<PreparedMigration>, migratePrepare, (const MigrationBegin& b, const MigrateOptions& o), (b, o))
  FWD(Result<MigrationOutcome>, migratePerform, (const std::string& k, const PreparedMigration& p, const MigrateOptions& o),
      (k, p, o))
  FWD(Status, migrateConfirm, (const std::string& k, bool ok, const MigrateOptions& o), (k, ok, o))
  FWD(Status, migrateTunnelIn, (const std::string& n, const MigrationDataSource& d), (n, d))
  FWD(Result<JobInfo>, domainJobInfo, (const std::string& k, bool c), (k, c))
  FWD(Status, abortDomainJob, (const std::string& k), (k))
#undef FWD
  Result<DomainSummary> migrateFinish(const std::string& n, bool ok, const MigrateOptions& o) override {
    if (ok && failFinish) return Error(ErrorCode::OperationFailed, "operation failed: finish refused by the test");
    return n_.migrateFinish(n, ok, o);
  }
  Status migrateKeepalive(const std::string& n) override {
    if (silent) return Error(ErrorCode::ConnectFailed, "cannot reach the destination (test)");
    return n_.migrateKeepalive(n);
  }
  std::atomic<bool> failFinish{false}, silent{false};

 private:
  Node& n_;
};

class NodeMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    dst = openNode();
    peer = std::make_unique<Borrowed>(*dst);
    src = openNode([this](const std::string& uri) -> Result<std::unique_ptr<NodeService>> {
      if (uri != "test+peer:///dst") return Error(ErrorCode::ConnectFailed, "no such peer: " + uri);
      return std::unique_ptr<NodeService>(std::make_unique<Borrowed>(*dst));
    });
    ASSERT_TRUE(src->defineDomain(kGuest, "g.xml").ok());
    ASSERT_TRUE(src->startDomain("g", {}).ok());
  }
  Result<MigrationOutcome> migrate(const MigrateOptions& o, std::function<bool(const JobInfo&)> progress = {}) {
    MigrationRun run;
    run.key = "g";
    run.options = o;
    run.keepaliveInterval = 20ms;
    run.peerSilenceLimit = 200ms;
    run.onProgress = std::move(progress);
    return runMigration(*src, *peer, run);
  }
  std::unique_ptr<Node> dst, src;
  std::unique_ptr<Borrowed> peer;
};

MigrateOptions live() {
  MigrateOptions o;
  o.live = true;
  return o;
}

}  // namespace

TEST_F(NodeMigration, LiveMigrationMovesTheGuest) {
  auto r = migrate(live());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->bytes, 64u << 20);
  auto on = dst->domainInfo("g");
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->summary.state, conf::DomainState::Running);
  EXPECT_EQ(on->summary.reason, conf::reason::RunningMigrated);
  EXPECT_FALSE(on->summary.persistent);  // no --persistent: transient there
  // The source keeps its (persistent) definition, shut off as "migrated".
  auto left = src->lookupDomain("g");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->state, conf::DomainState::Shutoff);
  EXPECT_EQ(left->reason, conf::reason::ShutoffMigrated);
  EXPECT_EQ(src->domainJobInfo("g", true)->type, "completed");
  EXPECT_EQ(src->domainJobInfo("g", true)->operation, "migration-out");
}

TEST_F(NodeMigration, PersistentAndUndefineSourceMoveTheDefinition) {
  auto o = live();
  o.persistent = true;
  o.undefineSource = true;
  ASSERT_TRUE(migrate(o).ok());
  EXPECT_TRUE(dst->lookupDomain("g")->persistent);
  EXPECT_EQ(src->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(NodeMigration, SuspendLeavesItPausedOnTheDestination) {
  auto o = live();
  o.suspend = true;
  ASSERT_TRUE(migrate(o).ok());
  EXPECT_EQ(stateOf(*dst, "g"), conf::DomainState::Paused);
}

TEST_F(NodeMigration, OfflineMovesOnlyTheDefinition) {
  ASSERT_TRUE(src->destroyDomain("g", {}).ok());
  MigrateOptions o;
  o.offline = true;
  o.persistent = true;
  ASSERT_TRUE(migrate(o).ok());
  EXPECT_EQ(stateOf(*dst, "g"), conf::DomainState::Shutoff);
  EXPECT_TRUE(dst->lookupDomain("g")->persistent);
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Shutoff);
  // Offline without --persistent says what is missing.
  MigrateOptions bare;
  bare.offline = true;
  auto r = migrate(bare);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid argument: offline migration requires the 'persistent' flag");
}

TEST_F(NodeMigration, AbortLeavesTheGuestOnTheSource) {
  ASSERT_TRUE(src->migrateSetSpeed("g", 16).ok());  // 64 MiB at 16 MiB/s: 4 s
  std::promise<void> progressed;
  std::atomic<bool> told{false};
  auto fut = std::async(std::launch::async, [&] {
    return migrate(live(), [&](const JobInfo& j) {
      if (j.dataProcessed > 0 && !told.exchange(true)) progressed.set_value();
      return true;
    });
  });
  // Abort once the job reports progress.
  ASSERT_EQ(progressed.get_future().wait_for(10s), std::future_status::ready);
  auto j = src->domainJobInfo("g", false);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->operation, "migration-out");
  EXPECT_EQ(j->type, "unbounded");
  EXPECT_EQ(j->dataTotal, 64u << 20);
  ASSERT_TRUE(src->abortDomainJob("g").ok());
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
  EXPECT_EQ(src->domainJobInfo("g", true)->type, "cancelled");
  // And the guest can go again afterwards.
  ASSERT_TRUE(src->migrateSetSpeed("g", 0).ok());
  ASSERT_TRUE(migrate(live()).ok());
  EXPECT_EQ(stateOf(*dst, "g"), conf::DomainState::Running);
}

TEST_F(NodeMigration, ProgressCallbackCancels) {
  ASSERT_TRUE(src->migrateSetSpeed("g", 16).ok());
  auto r = migrate(live(), [](const JobInfo&) { return false; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(r.error().message, "operation aborted: migration out job: canceled by client");
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(NodeMigration, ADestinationThatGoesQuietIsGivenUp) {
  ASSERT_TRUE(src->migrateSetSpeed("g", 16).ok());
  peer->silent = true;
  auto r = migrate(live());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("the destination stopped answering (cannot reach the destination (test))"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
}

TEST_F(NodeMigration, AFailedFinishResumesTheSource) {
  peer->failFinish = true;
  auto r = migrate(live());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "operation failed: finish refused by the test");
  auto s = src->lookupDomain("g");
  EXPECT_EQ(s->state, conf::DomainState::Running);
  EXPECT_EQ(s->reason, conf::reason::RunningMigrationCanceled);
  // The destination's incoming guest is left to its keepalive watchdog
  // (the orchestrator only called finish(ok) on it); remove it here.
  ASSERT_TRUE(dst->migrateFinish("g", false, live()).ok());
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(NodeMigration, AnIncomingGuestWithoutKeepalivesIsRemoved) {
  auto b = src->migrateBegin("g", live());
  ASSERT_TRUE(b.ok());
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  auto sub = dst->subscribeEvents([&](const DomainEvent& e) {
    if (e.domainName == "g" && e.type == 5) {
      std::lock_guard lk(mu);
      stopped = true;
      cv.notify_all();
    }
  });
  auto o = live();
  o.keepaliveTimeoutSeconds = 1;
  auto p = dst->migratePrepare(*b, o);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->uri, "tcp:127.0.0.1:49152");
  EXPECT_EQ(stateOf(*dst, "g"), conf::DomainState::Paused);
  EXPECT_EQ(dst->domainInfo("g")->summary.reason, conf::reason::PausedMigration);
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, 10s, [&] { return stopped; }));
  lk.unlock();
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
  ASSERT_TRUE(src->migrateConfirm("g", false, live()).ok());
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
}

TEST_F(NodeMigration, ABeginThatIsNeverPerformedEndsAfterTheKeepaliveTimeout) {
  // The orchestrator dies between begin and perform: the source does not
  // stay "being migrated" until its daemon restarts.
  auto o = live();
  o.keepaliveTimeoutSeconds = 1;
  ASSERT_TRUE(src->migrateBegin("g", o).ok());
  EXPECT_EQ(src->suspendDomain("g").error().message, "Requested operation is not valid: domain 'g' is being migrated");
  // Polled (the source emits no event for it), bounded by a deadline.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (src->domainJobInfo("g", false)->type != "none" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(src->domainJobInfo("g", false)->type, "none");
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
  EXPECT_TRUE(src->suspendDomain("g").ok());
  PreparedMigration late;
  late.uri = "tcp:127.0.0.1:49152";
  auto perform = src->migratePerform("g", late, o);  // the orchestrator, back too late
  ASSERT_FALSE(perform.ok());
  EXPECT_EQ(perform.error().message, "Requested operation is not valid: domain 'g' has no outgoing migration");
}

TEST_F(NodeMigration, OtherJobsWaitForTheMigration) {
  ASSERT_TRUE(src->migrateBegin("g", live()).ok());
  auto s = src->suspendDomain("g");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "Requested operation is not valid: domain 'g' is being migrated");
  auto again = src->migrateBegin("g", live());
  ASSERT_FALSE(again.ok());
  ASSERT_TRUE(src->migrateConfirm("g", false, live()).ok());
  EXPECT_TRUE(src->suspendDomain("g").ok());
}

TEST_F(NodeMigration, PeerToPeerTunnelledGoesThroughTheDaemons) {
  auto o = live();
  o.p2p = true;
  o.tunnelled = true;
  auto r = src->migrateToUri("g", "test+peer:///dst", o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(stateOf(*dst, "g"), conf::DomainState::Running);
  EXPECT_EQ(src->lookupDomain("g")->reason, conf::reason::ShutoffMigrated);
  auto bad = src->migrateToUri("g", "test+peer:///nowhere", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::ConnectFailed);
}

TEST_F(NodeMigration, OptionsAreCheckedBeforeAnythingMoves) {
  auto o = live();
  o.tunnelled = true;
  auto r = migrate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid argument: migration option 'tunnelled' requires 'p2p'");
  MigrateOptions both = live();
  both.offline = true;
  both.persistent = true;
  EXPECT_FALSE(migrate(both).ok());
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(NodeMigration, TuningIsKeptAndReported) {
  EXPECT_EQ(*src->migrateGetSpeed("g"), 8796093022207ULL);
  ASSERT_TRUE(src->migrateSetSpeed("g", 100).ok());
  EXPECT_EQ(*src->migrateGetSpeed("g"), 100u);
  ASSERT_TRUE(src->migrateSetMaxDowntime("g", 50).ok());
  EXPECT_EQ(*src->migrateGetMaxDowntime("g"), 50u);
  auto pc = src->migrateStartPostcopy("g");
  ASSERT_FALSE(pc.ok());
  EXPECT_EQ(pc.error().message, "Requested operation is not valid: no migration is in progress");
}

TEST_F(NodeMigration, ASendThatStandsStillIsCancelled) {
  ASSERT_TRUE(src->migrateSetSpeed("g", 1).ok());  // the first 3.2 MiB take 3.2 s
  MigrationRun run;
  run.key = "g";
  run.options = live();
  run.keepaliveInterval = 20ms;
  run.stallLimit = 300ms;
  auto r = runMigration(*src, *peer, run);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "operation failed: migration of 'g': no data moved for 0.3 s (is the network to the destination down?); "
            "the guest keeps running here");
  EXPECT_EQ(stateOf(*src, "g"), conf::DomainState::Running);
  EXPECT_EQ(dst->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(NodeMigration, TimeoutSuspendPausesTheGuestWhileItIsSent) {
  ASSERT_TRUE(src->migrateSetSpeed("g", 32).ok());  // 64 MiB at 32 MiB/s: 2 s
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> types;
  auto sub = src->subscribeEvents([&](const DomainEvent& e) {
    std::lock_guard lk(mu);
    if (e.domainName == "g") types.push_back(e.type);
    cv.notify_all();
  });
  auto o = live();
  o.timeoutSeconds = 1;
  o.timeoutAction = MigrateOptions::TimeoutAction::Suspend;
  ASSERT_TRUE(migrate(o).ok());
  std::unique_lock lk(mu);
  // Events arrive on the node's event thread.
  ASSERT_TRUE(cv.wait_for(lk, 10s, [&] { return std::count(types.begin(), types.end(), 5) > 0; }));
  // suspended (3) by the timeout before the source stopped (5) as migrated
  auto suspended = std::find(types.begin(), types.end(), 3);
  auto stopped = std::find(types.begin(), types.end(), 5);
  ASSERT_NE(suspended, types.end());
  ASSERT_NE(stopped, types.end());
  EXPECT_LT(suspended, stopped);
}
