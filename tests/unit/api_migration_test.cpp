// Migration over the API: two daemon::Nodes on the simulated driver, each
// behind its own server on a temp socket, and NodeClients to both. The
// orchestrator runs over the clients exactly as `stratus migrate` does; --p2p
// goes through the source daemon's own client (and, tunnelled, through the
// tunnel route's chunked body). Errors keep their codes and messages across
// the wire; options survive it field by field.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "api/client.h"
#include "api/json_migration.h"
#include "api/json_types.h"
#include "api/server.h"
#include "daemon/migration_orchestrator.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"

using namespace stratus;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kGuest =
    "<domain type='test'><name>g</name><uuid>6f1e0001-0000-4000-8000-0000000000bb</uuid>"
    "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

// One node behind a server, and a client to it.
struct Host {
  std::unique_ptr<daemon::Node> node;
  std::unique_ptr<api::Server> server;
  std::unique_ptr<daemon::NodeService> client;
  std::string socket;
};

class ApiMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-apimig-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    startHost(dst_, "dst", {});
    // The source reaches its peer the way stratusd does: through an API client.
    startHost(src_, "src", [this](const std::string& uri) -> Result<std::unique_ptr<daemon::NodeService>> {
      if (uri != "qemu+unix:///system?socket=" + dst_.socket) return Error(ErrorCode::ConnectFailed, "unknown peer " + uri);
      return api::connectToDaemon(dst_.socket, uri);
    });
    ASSERT_TRUE(src_.client->defineDomain(kGuest, "g.xml").ok());
    ASSERT_TRUE(src_.client->startDomain("g", {}).ok());
  }
  void TearDown() override {
    for (Host* h : {&src_, &dst_}) {
      h->client.reset();
      h->server.reset();
      h->node.reset();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void startHost(Host& h, const std::string& name,
                 std::function<Result<std::unique_ptr<daemon::NodeService>>(const std::string&)> peer) {
    daemon::NodeConfig cfg;
    cfg.uri = "test:///default";
    cfg.defineDefaultNetwork = false;
    cfg.defineDefaultPool = false;
    cfg.migrationHost = "127.0.0.1";
    cfg.connectPeer = std::move(peer);
    auto n = daemon::Node::open(cfg, drivers::makeTestDriver());
    ASSERT_TRUE(n.ok()) << n.error().describe();
    h.node = std::move(n).value();
    h.socket = dir_ + "/" + name + ".sock";
    api::ServerOptions o;
    o.socketPath = h.socket;
    auto s = api::Server::start(*h.node, o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    h.server = std::move(s).value();
    auto c = api::connectToDaemon(h.socket, "");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    h.client = std::move(c).value();
  }

  Result<daemon::MigrationOutcome> migrate(const daemon::MigrateOptions& o,
                                           std::function<bool(const daemon::JobInfo&)> progress = {}) {
    daemon::MigrationRun run;
    run.key = "g";
    run.options = o;
    run.keepaliveInterval = 20ms;
    run.peerSilenceLimit = 500ms;
    run.onProgress = std::move(progress);
    return daemon::runMigration(*src_.client, *dst_.client, run);
  }

  conf::DomainState stateOn(Host& h) {
    auto d = h.client->lookupDomain("g");
    return d ? d->state : conf::DomainState::NoState;
  }

  std::string dir_;
  Host src_, dst_;
};

daemon::MigrateOptions live() {
  daemon::MigrateOptions o;
  o.live = true;
  return o;
}

}  // namespace

TEST(MigrationJson, OptionsRoundTripEveryField) {
  daemon::MigrateOptions o;
  o.live = o.persistent = o.undefineSource = o.suspend = o.tunnelled = o.p2p = o.compressed = o.postcopy =
      o.autoConverge = o.unsafe = true;
  o.copyStorage = daemon::MigrateOptions::Storage::Incremental;
  o.timeoutSeconds = 7;
  o.timeoutAction = daemon::MigrateOptions::TimeoutAction::Postcopy;
  o.bandwidthMiB = 123;
  o.migrateUri = "tcp://10.0.0.2:49160";
  o.listenAddress = "10.0.0.2";
  o.destName = "g2";
  o.destXml = "<domain/>";
  o.migrateDisks = {"vda", "vdb"};
  o.keepaliveTimeoutSeconds = 9;
  json j = o;
  EXPECT_EQ(j["copy_storage"], "incremental");
  EXPECT_EQ(j["timeout_action"], "postcopy");
  auto back = api::fromJson<daemon::MigrateOptions>(json::parse(j.dump()), "options");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(json(*back), j);
  // An empty object is every option off.
  auto none = api::fromJson<daemon::MigrateOptions>(json::object(), "options");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(json(*none), json(daemon::MigrateOptions{}));
  // A copy mode we do not know is a malformed document, not a default.
  auto bad = api::fromJson<daemon::MigrateOptions>(json{{"copy_storage", "some"}}, "options");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("copy_storage 'some'"), std::string::npos) << bad.error().message;
}

TEST(MigrationJson, PhaseTypesRoundTrip) {
  daemon::MigrationBegin b{"g", "u", "<domain/>", "<domain/>", true, {{"vda", "/srv/a.qcow2", "qcow2", 1 << 30}}};
  auto b2 = api::fromJson<daemon::MigrationBegin>(json(b), "begin");
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(json(*b2), json(b));
  daemon::PreparedMigration p{"g", "tcp:127.0.0.1:49152", "127.0.0.1", 10809, {{"vda", "drive-vda"}}};
  auto p2 = api::fromJson<daemon::PreparedMigration>(json(p), "prepared");
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->nbdExports.size(), 1u);
  EXPECT_EQ(p2->nbdExports[0].second, "drive-vda");
  EXPECT_EQ(json(*p2), json(p));
  daemon::MigrationOutcome out{true, 12, 3400, 1u << 26};
  EXPECT_EQ(json(*api::fromJson<daemon::MigrationOutcome>(json(out), "outcome")), json(out));
  daemon::JobInfo ji;
  ji.operation = "migration-out";
  ji.dirtyRate = 5;
  ji.memIteration = 3;
  ji.postcopyRequests = 2;
  ji.expectedDowntimeMs = 300;
  ji.downtimeMs = 4;
  ji.setupTimeMs = 6;
  ji.diskTotal = 10, ji.diskProcessed = 4, ji.diskRemaining = 6, ji.diskBps = 2;
  ji.postcopy = true;
  EXPECT_EQ(json(*api::fromJson<daemon::JobInfo>(json(ji), "job")), json(ji));
  // A begin without its XML is refused, naming what is missing.
  EXPECT_FALSE(api::fromJson<daemon::MigrationBegin>(json{{"name", "g"}}, "begin").ok());
}

TEST_F(ApiMigration, LiveMigrationThroughTwoClients) {
  auto r = migrate(live());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->bytes, 64u << 20);
  auto there = dst_.client->domainInfo("g");
  ASSERT_TRUE(there.ok());
  EXPECT_EQ(there->summary.state, conf::DomainState::Running);
  EXPECT_EQ(there->summary.reason, conf::reason::RunningMigrated);
  auto here = src_.client->lookupDomain("g");
  ASSERT_TRUE(here.ok());
  EXPECT_EQ(here->state, conf::DomainState::Shutoff);
  EXPECT_EQ(here->reason, conf::reason::ShutoffMigrated);
  auto job = src_.client->domainJobInfo("g", true);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->type, "completed");
  EXPECT_EQ(job->operation, "migration-out");
}

TEST_F(ApiMigration, PersistentUndefineSourceAndDname) {
  auto o = live();
  o.persistent = true;
  o.undefineSource = true;
  o.destName = "g-moved";
  auto r = migrate(o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto moved = dst_.client->lookupDomain("g-moved");
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_TRUE(moved->persistent);
  EXPECT_EQ(src_.client->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(ApiMigration, ProgressAndAbortOverTheWire) {
  ASSERT_TRUE(src_.client->migrateSetSpeed("g", 16).ok());  // 64 MiB at 16 MiB/s: 4 s
  std::promise<daemon::JobInfo> seen;
  std::atomic<bool> told{false};
  auto fut = std::async(std::launch::async, [&] {
    return migrate(live(), [&](const daemon::JobInfo& j) {
      if (j.dataProcessed > 0 && !told.exchange(true)) seen.set_value(j);
      return true;
    });
  });
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  daemon::JobInfo j = f.get();
  EXPECT_EQ(j.operation, "migration-out");
  EXPECT_EQ(j.dataTotal, 64u << 20);
  EXPECT_EQ(j.memIteration, 1u);
  EXPECT_EQ(j.expectedDowntimeMs, 300u);
  ASSERT_TRUE(src_.client->abortDomainJob("g").ok());
  auto r = fut.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(r.error().message, "operation aborted: migration out job: canceled by client");
  EXPECT_EQ(stateOn(src_), conf::DomainState::Running);
  EXPECT_EQ(dst_.client->lookupDomain("g").error().code, ErrorCode::NoDomain);
  EXPECT_EQ(src_.client->domainJobInfo("g", true)->type, "cancelled");
}

TEST_F(ApiMigration, CancelFromTheProgressCallback) {
  ASSERT_TRUE(src_.client->migrateSetSpeed("g", 16).ok());
  auto r = migrate(live(), [](const daemon::JobInfo&) { return false; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(stateOn(src_), conf::DomainState::Running);
}

TEST_F(ApiMigration, PeerToPeerTunnelledThroughTheTunnelRoute) {
  auto o = live();
  o.p2p = true;
  o.tunnelled = true;
  o.persistent = true;
  auto r = src_.client->migrateToUri("g", "qemu+unix:///system?socket=" + dst_.socket, o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(stateOn(dst_), conf::DomainState::Running);
  EXPECT_TRUE(dst_.client->lookupDomain("g")->persistent);
  EXPECT_EQ(src_.client->lookupDomain("g")->reason, conf::reason::ShutoffMigrated);
  // A peer the source daemon cannot reach: its error, code and all.
  ASSERT_TRUE(dst_.client->destroyDomain("g", {}).ok());
  auto bad = dst_.client->migrateToUri("g", "qemu+unix:///system?socket=/nonexistent", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::Unsupported);  // dst has no connectPeer
}

TEST_F(ApiMigration, ACutTunnelAbortsTheIncomingGuest) {
  auto o = live();
  o.p2p = true;
  o.tunnelled = true;
  auto b = src_.client->migrateBegin("g", o);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  auto p = dst_.client->migratePrepare(*b, o);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->uri, "");
  int pieces = 0;
  auto cut = dst_.client->migrateTunnelIn(p->name, [&]() -> Result<std::string> {
    if (pieces++ == 0) return std::string("stratus-test-");
    return Error(ErrorCode::SystemError, "the source QEMU went away (test)");
  });
  ASSERT_FALSE(cut.ok());
  ASSERT_TRUE(dst_.client->migrateFinish(p->name, false, o).ok());
  EXPECT_EQ(dst_.client->lookupDomain("g").error().code, ErrorCode::NoDomain);
  ASSERT_TRUE(src_.client->migrateConfirm("g", false, o).ok());
  EXPECT_EQ(stateOn(src_), conf::DomainState::Running);
}

TEST_F(ApiMigration, ErrorsKeepTheirCodes) {
  auto nosuch = src_.client->migrateBegin("nosuch", live());
  ASSERT_FALSE(nosuch.ok());
  EXPECT_EQ(nosuch.error().code, ErrorCode::NoDomain);
  auto o = live();
  o.tunnelled = true;
  auto tun = src_.client->migrateBegin("g", o);
  ASSERT_FALSE(tun.ok());
  EXPECT_EQ(tun.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(tun.error().message, "invalid argument: migration option 'tunnelled' requires 'p2p'");
  auto pc = src_.client->migrateStartPostcopy("g");
  ASSERT_FALSE(pc.ok());
  EXPECT_EQ(pc.error().code, ErrorCode::OperationInvalid);
  EXPECT_EQ(pc.error().message, "Requested operation is not valid: no migration is in progress");
  EXPECT_FALSE(dst_.client->migrateKeepalive("nosuch").ok());
  EXPECT_FALSE(dst_.client->migrateFinish("nosuch", true, live()).ok());
  // Another guest of that name (another UUID) there makes prepare fail; the
  // source guest keeps running.
  std::string other = kGuest;
  other.replace(other.find("00bb"), 4, "00cc");
  ASSERT_TRUE(dst_.client->defineDomain(other, "g.xml").ok());
  auto r = migrate(live());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::DomainExists) << r.error().describe();
  EXPECT_EQ(stateOn(src_), conf::DomainState::Running);
}

TEST_F(ApiMigration, TuningRoundTrips) {
  EXPECT_EQ(*src_.client->migrateGetSpeed("g"), 8796093022207ULL);
  ASSERT_TRUE(src_.client->migrateSetSpeed("g", 100).ok());
  EXPECT_EQ(*src_.client->migrateGetSpeed("g"), 100u);
  ASSERT_TRUE(src_.client->migrateSetMaxDowntime("g", 50).ok());
  EXPECT_EQ(*src_.client->migrateGetMaxDowntime("g"), 50u);
  EXPECT_EQ(src_.client->migrateGetSpeed("nosuch").error().code, ErrorCode::NoDomain);
}
