// QemuInstance's migration against the scripted fake QMP server: the
// commands of each step (capabilities, parameters, migrate, mirrors, the
// destination's port search and NBD server), progress into the job monitor,
// cancel, and what a failure leaves behind (the guest running, mirrors
// gone). The "QEMU" process is a sleep; the monitor is the fake server.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "drivers/qemu/qemu_instance.h"
#include "qmp_fake_server.h"

using namespace std::chrono_literals;
using namespace stratus;
using stratus::drivers::IncomingMigration;
using stratus::drivers::InstanceEvent;
using stratus::drivers::JobMonitor;
using stratus::drivers::MigrationParams;
using stratus::drivers::MigrationTarget;
using stratus::drivers::qemu::InstanceSetup;
using stratus::drivers::qemu::QemuInstance;
using stratus::qemu::testing::FakeQmpServer;
using Json = nlohmann::json;

namespace {

Json ok(Json value = Json::object()) { return {{"return", std::move(value)}}; }
Json qmpError(const std::string& desc) { return {{"error", {{"class", "GenericError"}, {"desc", desc}}}}; }
Json status(const std::string& s) { return ok({{"running", s == "running"}, {"status", s}}); }

Json migrateInfo(const std::string& s, std::uint64_t transferred = 0, std::uint64_t remaining = 0) {
  Json r = {{"status", s}};
  if (s == "none") return ok(Json::object());
  r["ram"] = {{"total", 1000},        {"transferred", transferred}, {"remaining", remaining},
              {"mbps", 80.0},         {"dirty-pages-rate", 12},     {"dirty-sync-count", 3},
              {"page-size", 4096},    {"duplicate", 5},             {"normal", 6},
              {"normal-bytes", 24576}, {"postcopy-requests", 0}};
  if (s == "active") r["expected-downtime"] = 42;
  if (s == "completed") {
    r["total-time"] = 900;
    r["downtime"] = 17;
    r["setup-time"] = 4;
  }
  return ok(r);
}

Json blockJob(std::uint64_t len, std::uint64_t offset, bool ready) {
  return ok(Json::array({{{"device", "migrate-vda"},
                          {"type", "mirror"},
                          {"len", len},
                          {"offset", offset},
                          {"ready", ready},
                          {"status", ready ? "ready" : "running"},
                          {"speed", 0}}}));
}

Json queryBlockVda() {
  Json b = {{"device", ""}, {"qdev", "virtio-disk0"}, {"removable", false}, {"locked", false}};
  b["inserted"] = {{"node-name", "drive-virtio-disk0-format"}, {"file", "/g.qcow2"}, {"drv", "qcow2"}, {"ro", false}};
  return ok(Json::array({b}));
}

conf::DomainDef liveDef() {
  auto p = conf::parseDomainXml(
      "<domain type='qemu'><name>g</name><memory>65536</memory><vcpu>1</vcpu>"
      "<os><type machine='pc-i440fx-7.2'>hvm</type></os><devices>"
      "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/g.qcow2'/>"
      "<target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk></devices></domain>",
      "g.xml");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return p->def;
}

class InstanceMigrate : public ::testing::Test {
 protected:
  void SetUp() override { srv.handshake(); }

  void start() {
    srv.start();
    SpawnOptions so;
    so.argv = {"sleep", "300"};
    auto p = Process::spawn(so);
    ASSERT_TRUE(p.ok()) << p.error().describe();
    InstanceSetup s;
    s.live = liveDef();
    s.id = 1;
    s.process = std::move(p).value();
    s.monitorPath = srv.socketPath();
    s.logPath = "/dev/null";
    s.sink = [this](const InstanceEvent& e) {
      std::lock_guard lk(mu);
      events.push_back(e);
    };
    inst = std::make_unique<QemuInstance>(std::move(s));
    inst->startWatcher();
    auto c = inst->connectMonitor(5s);
    ASSERT_TRUE(c.ok()) << c.error().describe();
  }

  void TearDown() override {
    if (inst) {
      EXPECT_TRUE(srv.waitDone());
      for (const auto& f : srv.failures()) ADD_FAILURE() << "fake QMP server: " << f;
      (void)inst->destroy({});
      inst.reset();
    }
  }

  std::vector<std::string> commands() {
    std::vector<std::string> out;
    for (const auto& c : srv.received()) out.push_back(c.value("execute", ""));
    return out;
  }
  // The arguments of the n-th command called `name`.
  Json argsOf(const std::string& name, std::size_t n = 0) {
    for (const auto& c : srv.received())
      if (c.value("execute", "") == name && n-- == 0) return c.value("arguments", Json::object());
    ADD_FAILURE() << "no command " << name;
    return Json::object();
  }
  static Json capability(const Json& caps, const std::string& name) {
    for (const auto& c : caps["capabilities"])
      if (c["capability"] == name) return c["state"];
    return nullptr;
  }

  // The steps before `migrate`: the blocker check, capabilities, parameters, run state.
  void scriptSetup(const std::string& runState = "running") {
    srv.expect("query-migrate", migrateInfo("none"))
        .expect("migrate-set-capabilities", ok())
        .expect("migrate-set-parameters", ok())
        .expect("query-status", status(runState));
  }
  // From `migrate` to a completed migration (no mirrors).
  void scriptCompletion() {
    srv.expect("migrate", ok())
        .expect("query-migrate", migrateInfo("active", 400, 600))
        .event("MIGRATION", {{"status", "completed"}})
        .expect("query-migrate", migrateInfo("completed", 1000, 0))
        .expect("query-status", status("postmigrate"))
        .expect("query-migrate", migrateInfo("completed", 1000, 0));
  }

  FakeQmpServer srv;
  std::unique_ptr<QemuInstance> inst;
  std::mutex mu;
  std::vector<InstanceEvent> events;
};

using Cmds = std::vector<std::string>;

}  // namespace

TEST_F(InstanceMigrate, LiveMigrationSetsCapabilitiesAndReportsProgress) {
  scriptSetup();
  scriptCompletion();
  start();
  JobMonitor mon("migration-out");
  MigrationParams p;
  p.autoConverge = true;
  p.downtimeLimitMs = 500;
  p.maxBandwidth = 64 << 20;
  p.monitor = &mon;
  auto r = inst->migrate({.uri = "tcp:10.0.0.2:49152"}, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_FALSE(r->postcopy);
  EXPECT_EQ(r->downtimeMs, 17u);
  EXPECT_EQ(r->totalTimeMs, 900u);
  EXPECT_EQ(r->setupTimeMs, 4u);
  EXPECT_EQ(r->bytes, 1000u);

  Json caps = argsOf("migrate-set-capabilities");
  EXPECT_EQ(capability(caps, "events"), true);
  EXPECT_EQ(capability(caps, "auto-converge"), true);
  EXPECT_EQ(capability(caps, "postcopy-ram"), false);
  EXPECT_EQ(capability(caps, "multifd"), false);
  EXPECT_TRUE(capability(caps, "compress").is_null()) << "never enabled, so never mentioned";
  EXPECT_TRUE(capability(caps, "late-block-activate").is_null()) << "a destination-only capability";
  Json params = argsOf("migrate-set-parameters");
  EXPECT_EQ(params["downtime-limit"], 500);
  EXPECT_EQ(params["max-bandwidth"], 64 << 20);
  EXPECT_FALSE(params.contains("multifd-channels"));
  EXPECT_EQ(argsOf("migrate")["uri"], "tcp:10.0.0.2:49152");

  auto j = mon.snapshot();
  EXPECT_EQ(j.operation, "migration-out");
  EXPECT_EQ(j.memTotal, 1000u);
  EXPECT_EQ(j.memProcessed, 1000u);
  EXPECT_EQ(j.dataTotal, 1000u);
  EXPECT_EQ(j.memBps, 10000000u) << "80 Mbit/s";
  EXPECT_EQ(j.dirtyRate, 12u);
  EXPECT_EQ(j.memIteration, 3u);
  EXPECT_EQ(j.downtimeMs, 17u);
  EXPECT_EQ(j.setupTimeMs, 4u);
  EXPECT_EQ(j.pageSize, 4096u);
  std::lock_guard lk(mu);
  EXPECT_TRUE(events.empty()) << "nothing the node would take for a user's pause";
}

TEST_F(InstanceMigrate, ProgressWhileActiveShowsExpectedDowntime) {
  scriptSetup();
  JobMonitor mon("migration-out");
  srv.expect("migrate", ok())
      .expect("query-migrate", migrateInfo("active", 400, 600))
      // The next query comes once migrate() published the first numbers.
      .expectNoReply("query-migrate")
      .run([&] {
        auto j = mon.snapshot();
        if (j.memProcessed != 400 || j.memRemaining != 600 || j.expectedDowntimeMs != 42 || j.percent != 40)
          ADD_FAILURE() << "progress while active: processed " << j.memProcessed << " remaining " << j.memRemaining
                        << " expected downtime " << j.expectedDowntimeMs << " percent " << j.percent;
      })
      .replyLate(migrateInfo("completed", 1000, 0))
      .expect("query-status", status("postmigrate"))
      .expect("query-migrate", migrateInfo("completed", 1000, 0));
  start();
  MigrationParams p;
  p.monitor = &mon;
  auto r = inst->migrate({.uri = "tcp:h:1"}, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  Json params = argsOf("migrate-set-parameters");
  EXPECT_EQ(params["downtime-limit"], 300) << "QEMU's default when none is asked for";
  EXPECT_EQ(params["max-bandwidth"], 0x7fffffffffffffffLL) << "unlimited, as libvirt";
}

TEST_F(InstanceMigrate, CancelSendsMigrateCancelAndTheGuestRunsOn) {
  scriptSetup();
  JobMonitor mon("migration-out");
  srv.expect("migrate", ok())
      .run([&] { mon.requestCancel(); })
      .expect("query-migrate", migrateInfo("active", 400, 600))
      .expect("migrate_cancel", ok())
      .event("MIGRATION", {{"status", "cancelled"}})
      .expect("query-migrate", migrateInfo("cancelled"))
      .expect("query-migrate", migrateInfo("cancelled"))  // abandon: nothing left to cancel
      .expect("query-status", status("running"));         // running: no `cont`
  start();
  MigrationParams p;
  p.monitor = &mon;
  auto r = inst->migrate({.uri = "tcp:h:1"}, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(r.error().message, "operation aborted: migration out job: canceled by client");
  EXPECT_EQ(commands().back(), "query-status");
}

TEST_F(InstanceMigrate, FailedNonLiveMigrationResumesTheGuestItPaused) {
  scriptSetup();
  srv.expect("stop", ok())
      .event("STOP")
      .expect("migrate", qmpError("Failed to connect socket: Connection refused"))
      .expect("query-status", status("paused"))
      .expect("cont", ok())
      .event("RESUME");
  start();
  MigrationParams p;
  p.live = false;
  auto r = inst->migrate({.uri = "tcp:h:1"}, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_EQ(r.error().message, "operation failed: migration out job: Failed to connect socket: Connection refused");
  ASSERT_TRUE(srv.waitDone());
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities", "query-migrate", "migrate-set-capabilities",
                              "migrate-set-parameters", "query-status", "stop", "migrate", "query-status", "cont"}));
  std::lock_guard lk(mu);
  EXPECT_TRUE(events.empty()) << "our own stop and cont are not reported as the user's";
}

TEST_F(InstanceMigrate, QemuFailureReportsItsReason) {
  scriptSetup();
  srv.expect("migrate", ok())
      .event("MIGRATION", {{"status", "failed"}})
      .expect("query-migrate", ok({{"status", "failed"}, {"error-desc", "Unable to write to socket: Broken pipe"}}))
      .expect("query-migrate", ok({{"status", "failed"}}))
      .expect("query-status", status("running"));
  start();
  auto r = inst->migrate({.uri = "tcp:h:1"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "operation failed: migration out job: Unable to write to socket: Broken pipe");
}

TEST_F(InstanceMigrate, BlockedMigrationIsRefusedUpFront) {
  srv.expect("query-migrate", ok({{"blocked-reasons", Json::array({"non-migratable device: 0000:00:03.0/vfio"})}}));
  start();
  auto r = inst->migrate({.uri = "tcp:h:1"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationInvalid);
  EXPECT_EQ(r.error().message,
            "Requested operation is not valid: cannot migrate domain: non-migratable device: 0000:00:03.0/vfio");
  ASSERT_TRUE(srv.waitDone());
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities", "query-migrate"})) << "nothing else was touched";
}

TEST_F(InstanceMigrate, BadTargetsAreRefusedWithoutTalkingToQemu) {
  srv.expect("query-migrate", migrateInfo("none"));  // only the post-copy + compression case gets this far
  start();
  EXPECT_EQ(inst->migrate({}, {}).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(inst->migrate({.uri = "tcp:h:1", .fd = 3}, {}).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(inst->migrate({.uri = "exec:cat"}, {}).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(inst->migrate({.uri = "tcp:h:1", .nbdMirrors = {{"vda", "x"}}}, {}).error().code,
            ErrorCode::InvalidArgument);
  MigrationParams both;
  both.postcopy = both.compressed = true;
  auto r = inst->migrate({.uri = "tcp:h:1"}, both);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
}

TEST_F(InstanceMigrate, CompressionFallsBackToZlibWithoutZstd) {
  srv.expect("query-migrate", migrateInfo("none"))
      .expect("migrate-set-capabilities", ok())
      .expect("migrate-set-parameters", ok())
      .expect("migrate-set-parameters", qmpError("Parameter 'multifd-compression' does not accept value 'zstd'"))
      .expect("migrate-set-parameters", ok())
      .expect("query-status", status("running"));
  scriptCompletion();
  start();
  MigrationParams p;
  p.compressed = true;
  ASSERT_TRUE(inst->migrate({.uri = "tcp:h:1"}, p).ok());
  EXPECT_EQ(capability(argsOf("migrate-set-capabilities"), "multifd"), true);
  EXPECT_EQ(argsOf("migrate-set-parameters", 0)["multifd-channels"], 2);
  EXPECT_EQ(argsOf("migrate-set-parameters", 1)["multifd-compression"], "zstd");
  EXPECT_EQ(argsOf("migrate-set-parameters", 2)["multifd-compression"], "zlib");
}

TEST_F(InstanceMigrate, TunnelledMigrationPassesTheDescriptor) {
  scriptSetup();
  srv.expect("getfd", ok());
  scriptCompletion();
  start();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  auto r = inst->migrate({.fd = p[1]}, {});
  ::close(p[0]);
  ::close(p[1]);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(argsOf("getfd")["fdname"], "stratus-migrate");
  EXPECT_EQ(argsOf("migrate")["uri"], "fd:stratus-migrate");
}

TEST_F(InstanceMigrate, CopyStorageMirrorsBeforeMemoryAndEndsTheMirrorsAfter) {
  scriptSetup();
  srv.expect("query-block", queryBlockVda())
      .expect("blockdev-add", ok())
      .expect("blockdev-mirror", ok())
      .expect("query-block-jobs", blockJob(4096, 1024, false))
      .event("BLOCK_JOB_READY", {{"device", "migrate-vda"}, {"type", "mirror"}, {"len", 4096}, {"offset", 4096}})
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      .expect("migrate", ok())
      .expect("query-migrate", migrateInfo("completed", 1000, 0))
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      .expect("query-status", status("postmigrate"))
      .expect("query-migrate", migrateInfo("completed", 1000, 0))
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      .expect("query-block-jobs", blockJob(4096, 4096, true))  // completeMirrors: last numbers
      .expect("block-job-cancel", ok())
      .event("BLOCK_JOB_COMPLETED", {{"device", "migrate-vda"}, {"type", "mirror"}, {"len", 4096}, {"offset", 4096}})
      .expect("blockdev-del", ok());
  start();
  JobMonitor mon("migration-out");
  MigrationParams p;
  p.monitor = &mon;
  p.maxBandwidth = 1 << 20;
  MigrationTarget to{.uri = "tcp:10.0.0.2:49152", .nbdHost = "10.0.0.2", .nbdPort = 49153,
                     .nbdMirrors = {{"vda", "drive-virtio-disk0"}}};
  auto r = inst->migrate(to, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->bytes, 1000u + 4096u);

  Json nbd = argsOf("blockdev-add");
  EXPECT_EQ(nbd["driver"], "nbd");
  EXPECT_EQ(nbd["node-name"], "migrate-vda-nbd");
  EXPECT_EQ(nbd["server"], (Json{{"type", "inet"}, {"host", "10.0.0.2"}, {"port", "49153"}}));
  EXPECT_EQ(nbd["export"], "drive-virtio-disk0");
  Json mirror = argsOf("blockdev-mirror");
  EXPECT_EQ(mirror["job-id"], "migrate-vda");
  EXPECT_EQ(mirror["device"], "drive-virtio-disk0-format");
  EXPECT_EQ(mirror["target"], "migrate-vda-nbd");
  EXPECT_EQ(mirror["sync"], "full");
  EXPECT_EQ(mirror["speed"], 1 << 20) << "the bandwidth limit covers the disks too";
  EXPECT_EQ(argsOf("block-job-cancel"), (Json{{"device", "migrate-vda"}, {"force", false}}));
  EXPECT_EQ(argsOf("blockdev-del")["node-name"], "migrate-vda-nbd");
  auto j = mon.snapshot();
  EXPECT_EQ(j.diskTotal, 4096u);
  EXPECT_EQ(j.diskProcessed, 4096u);
  EXPECT_EQ(j.dataTotal, 1000u + 4096u);
}

TEST_F(InstanceMigrate, IncrementalCopyMirrorsOnlyTheTopImage) {
  scriptSetup();
  JobMonitor mon("migration-out");
  srv.expect("query-block", queryBlockVda())
      .expect("blockdev-add", ok())
      .expect("blockdev-mirror", ok())
      .run([&] { mon.requestCancel(); })
      .expect("query-block-jobs", blockJob(4096, 0, false))
      // Cancelled before memory moved: the mirror is abandoned, its node removed.
      .expect("block-job-cancel", ok())
      .expect("yank", ok())
      .expect("query-block-jobs", ok(Json::array()))
      .expect("blockdev-del", ok())
      .expect("query-status", status("running"));
  start();
  MigrationParams p;
  p.monitor = &mon;
  auto r = inst->migrate({.uri = "tcp:h:1", .nbdHost = "h", .nbdPort = 2, .nbdMirrors = {{"vda", "e"}},
                          .incremental = true},
                         p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(argsOf("blockdev-mirror")["sync"], "top");
  EXPECT_EQ(argsOf("block-job-cancel")["force"], true);
  EXPECT_EQ(argsOf("yank")["instances"][0], (Json{{"type", "block-node"}, {"node-name", "migrate-vda-nbd"}}));
}

TEST_F(InstanceMigrate, MirrorThatFailsNamesTheDiskAndIsCleanedUp) {
  scriptSetup();
  srv.expect("query-block", queryBlockVda())
      .expect("blockdev-add", ok())
      .expect("blockdev-mirror", ok())
      .event("BLOCK_JOB_COMPLETED", {{"device", "migrate-vda"}, {"error", "No space left on device"}})
      .expect("query-block-jobs", ok(Json::array()))
      .expect("block-job-cancel", qmpError("Block job 'migrate-vda' not found"))
      .expect("yank", ok())
      .expect("query-block-jobs", ok(Json::array()))
      .expect("blockdev-del", ok())
      .expect("query-status", status("running"));
  start();
  auto r = inst->migrate({.uri = "tcp:h:1", .nbdHost = "h", .nbdPort = 2, .nbdMirrors = {{"vda", "e"}}}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "operation failed: migration out job: the copy of disk 'vda' ended early: No space left on device");
}

TEST_F(InstanceMigrate, UnknownDiskIsRefusedBeforeAnythingStarts) {
  start();
  auto r = inst->migrate({.uri = "tcp:h:1", .nbdHost = "h", .nbdPort = 2, .nbdMirrors = {{"vdz", "e"}}}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid argument: disk target vdz not found");
  ASSERT_TRUE(srv.waitDone());
  EXPECT_EQ(commands(), (Cmds{"qmp_capabilities"}));
}

TEST_F(InstanceMigrate, PostcopyAskedDuringTheDiskCopyStartsWithTheMemory) {
  scriptSetup();
  std::optional<Status> asked;
  srv.expect("query-block", queryBlockVda())
      .expect("blockdev-add", ok())
      .expect("blockdev-mirror", ok())
      // Disks still copying: the wish is kept until QEMU's migrate runs.
      .run([&] { asked = inst->startPostcopy(); })
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      .expect("migrate", ok())
      .expect("migrate-start-postcopy", ok())
      .event("MIGRATION", {{"status", "postcopy-active"}})
      .expect("query-migrate", migrateInfo("postcopy-active", 700, 300))
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      // The source is stopped: the mirrors end before migrate() returns.
      .expect("query-block-jobs", blockJob(4096, 4096, true))
      .expect("block-job-cancel", ok())
      .event("BLOCK_JOB_COMPLETED", {{"device", "migrate-vda"}, {"len", 4096}, {"offset", 4096}})
      .expect("blockdev-del", ok())
      // waitMigration
      .expect("query-migrate", migrateInfo("postcopy-active", 800, 200))
      .event("MIGRATION", {{"status", "completed"}})
      .expect("query-migrate", migrateInfo("completed", 1000, 0))
      .expect("query-status", status("postmigrate"))
      .expect("query-migrate", migrateInfo("completed", 1000, 0));
  start();
  JobMonitor mon("migration-out");
  MigrationParams p;
  p.postcopy = true;
  p.monitor = &mon;
  auto r = inst->migrate({.uri = "tcp:h:1", .nbdHost = "h", .nbdPort = 2, .nbdMirrors = {{"vda", "e"}}}, p);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_TRUE(asked.has_value());
  EXPECT_TRUE(asked->ok()) << asked->error().describe();
  EXPECT_TRUE(r->postcopy);
  EXPECT_TRUE(mon.snapshot().postcopy);
  EXPECT_EQ(capability(argsOf("migrate-set-capabilities"), "postcopy-ram"), true);
  auto resume = inst->resumeAfterFailedMigration();
  ASSERT_FALSE(resume.ok()) << "memory is split between the hosts";
  auto done = inst->waitMigration(&mon);
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_TRUE(done->postcopy);
  EXPECT_EQ(done->totalTimeMs, 900u);
  EXPECT_FALSE(mon.snapshot().postcopy) << "completed";
}

TEST_F(InstanceMigrate, PostcopyAndTuningOutsideAMigration) {
  srv.expect("query-migrate-parameters", ok({{"downtime-limit", 300}, {"max-bandwidth", 0x7fffffffffffffffLL}}))
      .expect("migrate-set-parameters", ok())
      .expect("migrate-set-parameters", ok())
      .expect("query-migrate-parameters", ok({{"downtime-limit", 250}, {"max-bandwidth", 8 << 20}}));
  start();
  auto s = inst->startPostcopy();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::OperationInvalid);
  EXPECT_FALSE(inst->waitMigration(nullptr).ok());
  auto t = inst->migrationTuning();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, std::make_pair(std::uint64_t{300}, std::uint64_t{0})) << "our 'unlimited' reads back as 0";
  ASSERT_TRUE(inst->setMigrationSpeed(0).ok());
  ASSERT_TRUE(inst->setMigrationDowntime(250).ok());
  t = inst->migrationTuning();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, std::make_pair(std::uint64_t{250}, std::uint64_t{8 << 20}));
  EXPECT_EQ(argsOf("migrate-set-parameters", 0), (Json{{"max-bandwidth", 0x7fffffffffffffffLL}}));
  EXPECT_EQ(argsOf("migrate-set-parameters", 1), (Json{{"downtime-limit", 250}}));
}

// ---- destination ----

TEST_F(InstanceMigrate, IncomingTakesTheNextPortWhenQemuFindsOneInUse) {
  srv.expect("migrate-set-capabilities", ok())
      .expect("migrate-incoming", qmpError("Failed to find an available port: Address already in use"))
      .expect("migrate-incoming", ok());
  start();
  IncomingMigration in;
  in.listenAddress = "127.0.0.1";
  in.portMin = 49152;
  in.portMax = 49153;
  in.params.postcopy = true;
  ASSERT_TRUE(inst->startIncoming(in).ok());
  EXPECT_EQ(inst->incomingUri(), "tcp:127.0.0.1:49153");
  Json caps = argsOf("migrate-set-capabilities");
  EXPECT_EQ(capability(caps, "late-block-activate"), true) << "disks stay released until the source confirms";
  EXPECT_EQ(capability(caps, "postcopy-ram"), true);
  EXPECT_EQ(argsOf("migrate-incoming", 0)["uri"], "tcp:127.0.0.1:49152");
}

TEST_F(InstanceMigrate, IncomingGivesUpAfterTheRangeAndOnOtherErrors) {
  srv.expect("migrate-set-capabilities", ok())
      .expect("migrate-incoming", qmpError("Failed to find an available port: Address already in use"))
      .expect("migrate-set-capabilities", ok())
      .expect("migrate-incoming", qmpError("address resolution failed for nowhere:49152: Name or service not known"));
  start();
  IncomingMigration in;
  in.portMin = in.portMax = 49152;
  auto r = inst->startIncoming(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "operation failed: migration in job: no free port for the incoming migration between 49152 and 49152 on 0.0.0.0");
  in.listenAddress = "nowhere";
  r = inst->startIncoming(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot listen on nowhere:49152: address resolution failed"), std::string::npos)
      << r.error().message;
}

TEST_F(InstanceMigrate, IncomingPostcopyUnsupportedIsSaidSo) {
  srv.expect("migrate-set-capabilities", qmpError("Postcopy is not supported"));
  start();
  IncomingMigration in;
  in.params.postcopy = true;
  auto r = inst->startIncoming(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
  EXPECT_EQ(r.error().message,
            "Operation not supported: post-copy migration is not available on this host: Postcopy is not supported");
}

TEST_F(InstanceMigrate, IncomingFromADescriptorAndCompressed) {
  srv.expect("migrate-set-capabilities", ok())
      .expect("migrate-set-parameters", ok())
      .expect("getfd", ok())
      .expect("migrate-incoming", ok());
  start();
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  IncomingMigration in;
  in.fd = p[0];
  in.params.compressed = true;
  ASSERT_TRUE(inst->startIncoming(in).ok());
  ::close(p[0]);
  ::close(p[1]);
  EXPECT_EQ(inst->incomingUri(), "");
  EXPECT_EQ(capability(argsOf("migrate-set-capabilities"), "compress"), true) << "one stream: no multifd";
  EXPECT_EQ(capability(argsOf("migrate-set-capabilities"), "multifd"), false);
  EXPECT_EQ(argsOf("migrate-set-parameters")["decompress-threads"], 2);
  EXPECT_EQ(argsOf("migrate-incoming")["uri"], "fd:stratus-incoming");
}

TEST_F(InstanceMigrate, WaitIncomingEndsWhenTheStreamIsIn) {
  srv.expect("query-migrate", ok({{"status", "active"}}))
      .event("MIGRATION", {{"status", "completed"}})
      .expect("query-migrate", ok({{"status", "completed"}}));
  start();
  ASSERT_TRUE(inst->waitIncoming(10s).ok());
}

TEST_F(InstanceMigrate, WaitIncomingTimesOut) {
  srv.expect("query-migrate", ok(Json::object()));
  start();
  auto r = inst->waitIncoming(0ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

TEST_F(InstanceMigrate, WaitIncomingReportsAQemuThatExited) {
  srv.expect("query-migrate", ok({{"status", "active"}}))
      .run([&] { (void)::kill(inst->pid(), SIGKILL); })
      .close();
  start();
  auto r = inst->waitIncoming(10s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_EQ(r.error().message, "operation failed: migration in job: QEMU exited while receiving the guest");
}

TEST_F(InstanceMigrate, NbdServerExportsTheDisksWritableAndStops) {
  srv.expect("query-block", queryBlockVda())
      .expect("nbd-server-start", ok())
      .expect("block-export-add", ok())
      .expect("block-export-del", ok())
      .expect("nbd-server-stop", ok());
  start();
  ASSERT_TRUE(inst->startNbdServer("0.0.0.0", 49153, {{"vda", "drive-virtio-disk0"}}).ok());
  ASSERT_TRUE(inst->stopNbdServer().ok());
  ASSERT_TRUE(inst->stopNbdServer().ok()) << "stopping twice is harmless";
  EXPECT_EQ(argsOf("nbd-server-start")["addr"],
            (Json{{"type", "inet"}, {"data", {{"host", "0.0.0.0"}, {"port", "49153"}}}}));
  EXPECT_EQ(argsOf("block-export-add"), (Json{{"type", "nbd"},
                                              {"id", "migrate-vda"},
                                              {"node-name", "drive-virtio-disk0-format"},
                                              {"name", "drive-virtio-disk0"},
                                              {"writable", true}}));
  EXPECT_EQ(argsOf("block-export-del"), (Json{{"id", "migrate-vda"}, {"mode", "hard"}}));
}
