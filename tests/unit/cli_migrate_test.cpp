// stratus migrate and migrate-*: the option checks, the progress bar,
// domjobinfo's migration lines, and the commands end to end in-process: the
// source is a Node the Ctl holds, the destination a Node behind a real API
// server on a temp socket (reached through qemu+unix://, as from the shell),
// with and without --p2p, and Ctrl-C in the middle.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "api/client.h"
#include "api/server.h"
#include "cli/ctl.h"
#include "cli/handlers.h"
#include "cli/job_progress.h"
#include "cli/migrate_args.h"
#include "cli/migration_watch.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"

using namespace stratus;
using namespace stratus::cli;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ParsedCmd parse(const std::string& cmd, const std::vector<std::string>& words) {
  const CmdDef* def = findCommand(cmd);
  EXPECT_NE(def, nullptr) << cmd;
  auto pc = parseCommand(*def, words);
  EXPECT_TRUE(pc.ok()) << (pc.ok() ? "" : pc.error().message);
  return pc.ok() ? *pc : ParsedCmd{};
}

std::string messageOf(const Status& s) { return s.ok() ? "" : s.error().message; }

}  // namespace

TEST(CliMigrateArgs, EveryOptionReachesMigrateOptions) {
  auto pc = parse("migrate", {"g", "qemu+tcp://h/system", "tcp://10.0.0.2:49160", "--live", "--persistent",
                              "--undefinesource", "--suspend", "--copy-storage-all", "--p2p", "--tunnelled",
                              "--compressed", "--postcopy", "--auto-converge", "--unsafe", "--dname", "g2",
                              "--listen-address", "10.0.0.2", "--migrate-disks", "vda, vdb,", "--bandwidth", "64",
                              "--timeout", "30", "--timeout-postcopy"});
  ASSERT_TRUE(checkMigrateOptionPairs(pc).ok());
  auto t = migrateTimeoutFrom(pc);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->seconds, 30u);
  EXPECT_EQ(t->action, daemon::MigrateOptions::TimeoutAction::Postcopy);
  auto o = migrateOptionsFrom(pc, *t);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->live && o->persistent && o->undefineSource && o->suspend && o->p2p && o->tunnelled &&
              o->compressed && o->postcopy && o->autoConverge && o->unsafe);
  EXPECT_FALSE(o->offline);
  EXPECT_EQ(o->copyStorage, daemon::MigrateOptions::Storage::All);
  EXPECT_EQ(o->migrateUri, "tcp://10.0.0.2:49160");  // the third positional word
  EXPECT_EQ(o->destName, "g2");
  EXPECT_EQ(o->listenAddress, "10.0.0.2");
  EXPECT_EQ(o->migrateDisks, (std::vector<std::string>{"vda", "vdb"}));
  EXPECT_EQ(o->bandwidthMiB, 64u);
  EXPECT_EQ(o->timeoutSeconds, 30u);
  EXPECT_EQ(o->timeoutAction, daemon::MigrateOptions::TimeoutAction::Postcopy);
  EXPECT_TRUE(checkMigrateFlags(pc).ok());
  auto inc = migrateOptionsFrom(parse("migrate", {"g", "u", "--copy-storage-inc"}), {});
  EXPECT_EQ(inc->copyStorage, daemon::MigrateOptions::Storage::Incremental);
}

TEST(CliMigrateArgs, VirshsChecksInVirshsWords) {
  EXPECT_EQ(messageOf(checkMigrateOptionPairs(parse("migrate", {"g", "u", "--live", "--offline"}))),
            "Options --live and --offline are mutually exclusive");
  EXPECT_EQ(messageOf(checkMigrateOptionPairs(parse("migrate", {"g", "u", "--postcopy-after-precopy"}))),
            "Option --postcopy is required by option --postcopy-after-precopy");
  EXPECT_EQ(migrateTimeoutFrom(parse("migrate", {"g", "u", "--timeout", "5"})).error().message,
            "migrate: Unexpected timeout for offline migration");
  EXPECT_EQ(migrateTimeoutFrom(parse("migrate", {"g", "u", "--timeout-suspend"})).error().message,
            "migrate: Unexpected --timeout-* option without --timeout");
  // --timeout 0 is no timeout, so an action with it is unexpected too.
  EXPECT_FALSE(migrateTimeoutFrom(parse("migrate", {"g", "u", "--live", "--timeout", "0", "--timeout-suspend"})).ok());
  auto suspend = migrateTimeoutFrom(parse("migrate", {"g", "u", "--live", "--timeout", "3"}));
  ASSERT_TRUE(suspend.ok());
  EXPECT_EQ(suspend->action, daemon::MigrateOptions::TimeoutAction::Suspend);  // the default action
  EXPECT_EQ(migrateOptionsFrom(parse("migrate", {"g", "u", "--bandwidth", "-1"}), {}).error().message,
            "Numeric value '-1' for <bandwidth> option is malformed or out of range");
  EXPECT_EQ(messageOf(checkMigrateFlags(parse("migrate", {"g", "u", "--tunnelled"}))),
            "cannot perform tunnelled migration without using peer2peer flag");
  EXPECT_TRUE(checkMigrateFlags(parse("migrate", {"g", "u", "--tunnelled", "--p2p"})).ok());
}

TEST(CliMigrateArgs, DiskLists) {
  EXPECT_EQ(splitDiskList(""), std::vector<std::string>{});
  EXPECT_EQ(splitDiskList("vda"), std::vector<std::string>{"vda"});
  EXPECT_EQ(splitDiskList(" vda ,,vdb"), (std::vector<std::string>{"vda", "vdb"}));
}

TEST(CliMigrateProgress, VirshsFigures) {
  daemon::JobInfo j;
  j.dataTotal = 1000;
  j.dataRemaining = 370;
  EXPECT_EQ(jobProgressPercent(j), 63);
  EXPECT_EQ(progressBar("Migration", 63), "\rMigration: [ 63 %]");
  EXPECT_EQ(progressBar("Migration", 5), "\rMigration: [  5 %]");
  EXPECT_EQ(progressBar("Migration", 100), "\rMigration: [100 %]");
  j.dataRemaining = 1;  // almost done is not done
  EXPECT_EQ(jobProgressPercent(j), 99);
  j.dataRemaining = 0;
  EXPECT_EQ(jobProgressPercent(j), 100);
  daemon::JobInfo unknown;  // nothing known yet: no division by zero
  unknown.dataRemaining = 5;
  EXPECT_EQ(jobProgressPercent(unknown), 0);
  j.dataTotal = ~0ull;  // huge totals do not overflow
  j.dataRemaining = ~0ull / 2;
  EXPECT_EQ(jobProgressPercent(j), 50);
}

TEST(CliMigrateProgress, TheBarShowsChangesOnlyAndNeverAnEarly100) {
  auto node = daemon::Node::open(daemon::NodeConfig{.root = {}, .uri = "test:///default"}, drivers::makeTestDriver());
  ASSERT_TRUE(node.ok());
  Ctl ctl("test:///default", stdout, stderr);
  MigrationWatch::Settings s;
  s.verbose = true;
  MigrationWatch w(ctl, **node, "g", s);
  daemon::JobInfo j;
  j.type = "unbounded";
  j.dataTotal = 200;
  j.dataRemaining = 100;
  EXPECT_EQ(w.barFor(j), "\rMigration: [ 50 %]");
  EXPECT_EQ(w.barFor(j), "");  // unchanged
  j.dataRemaining = 0;         // QEMU says nothing is left, but the job has not ended
  EXPECT_EQ(w.barFor(j), "\rMigration: [ 99 %]");
  j.type = "completed";
  EXPECT_EQ(w.barFor(j), "");
  MigrationWatch quiet(ctl, **node, "g", {});
  j.type = "unbounded";
  j.dataRemaining = 10;
  EXPECT_EQ(quiet.barFor(j), "");  // no --verbose: no bar
}

TEST(CliMigrateJobInfo, RunningMigrationAsVirshPrintsIt) {
  daemon::JobInfo j;
  j.type = "unbounded";
  j.operation = "migration-out";
  j.timeElapsedMs = 1234;
  j.dataTotal = j.memTotal = 64u << 20;
  j.dataProcessed = j.memProcessed = 16u << 20;
  j.dataRemaining = j.memRemaining = 48u << 20;
  j.memBps = 16u << 20;
  j.dirtyRate = 120;
  j.pageSize = 4096;
  j.memIteration = 1;
  j.constantPages = 100;
  j.normalPages = 4096;
  j.normalBytes = 16u << 20;
  j.expectedDowntimeMs = 300;
  j.setupTimeMs = 5;
  EXPECT_EQ(formatJobInfo(j, false, false),
            "Job type:         Unbounded   \n"
            "Operation:        Outgoing migration\n"
            "Time elapsed:     1234         ms\n"
            "Data processed:   16.000 MiB\n"
            "Data remaining:   48.000 MiB\n"
            "Data total:       64.000 MiB\n"
            "Memory processed: 16.000 MiB\n"
            "Memory remaining: 48.000 MiB\n"
            "Memory total:     64.000 MiB\n"
            "Memory bandwidth: 16.000 MiB/s\n"
            "Dirty rate:       120          pages/s\n"
            "Page size:        4096         bytes\n"
            "Iteration:        1           \n"
            "Postcopy requests: 0           \n"
            "Constant pages:   100         \n"
            "Normal pages:     4096        \n"
            "Normal data:      16.000 MiB\n"
            "Expected downtime: 300          ms\n"
            "Setup time:       5            ms\n");
}

TEST(CliMigrateJobInfo, CompletedWithDisksAndIncoming) {
  daemon::JobInfo j;
  j.type = "completed";
  j.operation = "migration-in";
  j.timeElapsedMs = 10;
  j.memTotal = j.memProcessed = 1u << 20;
  j.diskTotal = j.diskProcessed = 2u << 20;
  j.diskBps = 1u << 20;
  j.downtimeMs = 7;
  std::string text = formatJobInfo(j, true, false);
  EXPECT_NE(text.find("Operation:        Incoming migration\n"), std::string::npos) << text;
  EXPECT_NE(text.find("File processed:   2.000 MiB\nFile remaining:   0.000 B\nFile total:       2.000 MiB\n"
                      "File bandwidth:   1.000 MiB/s\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Total downtime:   7            ms\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Expected downtime"), std::string::npos) << text;
}

namespace {

const char* kGuest =
    "<domain type='test'><name>g</name><uuid>6f1e0001-0000-4000-8000-0000000000dd</uuid>"
    "<memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

// The source node held by a Ctl, and a destination node behind a server.
class CliMigrate : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-climig-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/dst.sock";
    daemon::NodeConfig dc;
    dc.uri = "test:///default";
    dc.defineDefaultNetwork = dc.defineDefaultPool = false;
    dc.migrationHost = "127.0.0.1";
    auto d = daemon::Node::open(dc, drivers::makeTestDriver());
    ASSERT_TRUE(d.ok());
    dst_ = std::move(d).value();
    api::ServerOptions so;
    so.socketPath = sock_;
    auto s = api::Server::start(*dst_, so);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(s).value();
    daemon::NodeConfig sc = dc;
    sc.connectPeer = [](const std::string& uri) -> Result<std::unique_ptr<daemon::NodeService>> {
      auto q = uri.find("socket=");
      if (q == std::string::npos) return Error(ErrorCode::ConnectFailed, "no socket in " + uri);
      return api::connectToDaemon(uri.substr(q + 7), uri);
    };
    auto n = daemon::Node::open(sc, drivers::makeTestDriver());
    ASSERT_TRUE(n.ok());
    src_ = n->get();
    ASSERT_TRUE(src_->defineDomain(kGuest, "g.xml").ok());
    ASSERT_TRUE(src_->startDomain("g", {}).ok());
    out_ = open_memstream(&outBuf_, &outLen_);
    err_ = open_memstream(&errBuf_, &errLen_);
    ctl_ = std::make_unique<Ctl>("test:///default", out_, err_);
    ctl_->setConnection(std::move(n).value(), "test:///default");
  }
  void TearDown() override {
    ctl_.reset();
    std::fclose(out_);
    std::fclose(err_);
    std::free(outBuf_);
    std::free(errBuf_);
    server_.reset();
    dst_.reset();
    fs::remove_all(dir_);
  }
  std::string dest() const { return "qemu+unix:///system?socket=" + sock_; }
  std::string out() {
    std::fflush(out_);
    return std::string(outBuf_, outLen_);
  }
  std::string err() {
    std::fflush(err_);
    return std::string(errBuf_, errLen_);
  }
  conf::DomainState stateOn(daemon::NodeService& n) {
    auto d = n.lookupDomain("g");
    return d ? d->state : conf::DomainState::NoState;
  }

  std::string dir_, sock_;
  std::unique_ptr<daemon::Node> dst_;
  std::unique_ptr<api::Server> server_;
  daemon::NodeService* src_ = nullptr;  // owned by ctl_
  std::unique_ptr<Ctl> ctl_;
  FILE *out_ = nullptr, *err_ = nullptr;
  char *outBuf_ = nullptr, *errBuf_ = nullptr;
  std::size_t outLen_ = 0, errLen_ = 0;
};

}  // namespace

TEST_F(CliMigrate, MigrateVerboseThenDomjobinfo) {
  ASSERT_TRUE(ctl_->runLine("migrate-setspeed g 32")) << err();  // 16 MiB at 32 MiB/s: half a second
  ASSERT_TRUE(ctl_->runLine("migrate g " + dest() + " --live --verbose --persistent")) << err();
  std::string e = err();
  EXPECT_NE(e.find("\rMigration: ["), std::string::npos) << e;
  EXPECT_TRUE(e.ends_with("\rMigration: [100 %]")) << e;
  // migrate-setspeed's empty line, then migrate's, which ends the bar's line as in virsh.
  EXPECT_EQ(out(), "\n\n");
  EXPECT_EQ(stateOn(*dst_), conf::DomainState::Running);
  EXPECT_TRUE(dst_->lookupDomain("g")->persistent);
  EXPECT_EQ(stateOn(*src_), conf::DomainState::Shutoff);
  ASSERT_TRUE(ctl_->runLine("domjobinfo g --completed")) << err();
  std::string o = out();
  EXPECT_NE(o.find("Job type:         Completed"), std::string::npos) << o;
  EXPECT_NE(o.find("Operation:        Outgoing migration"), std::string::npos) << o;
  EXPECT_NE(o.find("Data total:       16.000 MiB"), std::string::npos) << o;
}

TEST_F(CliMigrate, PeerToPeerTunnelled) {
  ASSERT_TRUE(ctl_->runLine("migrate g " + dest() + " --live --p2p --tunnelled --dname g2 --verbose")) << err();
  auto moved = dst_->lookupDomain("g2");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->state, conf::DomainState::Running);
  // The bar comes from polling the source's job; it ends at 100 %.
  EXPECT_TRUE(err().ends_with("\rMigration: [100 %]")) << err();
  EXPECT_EQ(err().find("error"), std::string::npos) << err();
}

TEST_F(CliMigrate, ACommandThatFailsSaysWhy) {
  ASSERT_TRUE(dst_->defineDomain(std::string(kGuest).replace(std::string(kGuest).find("00dd"), 4, "00ee"), "x").ok());
  EXPECT_FALSE(ctl_->runLine("migrate g " + dest() + " --live"));
  EXPECT_NE(err().find("error: operation failed: domain 'g' already exists with uuid"), std::string::npos)
      << err();
  EXPECT_EQ(stateOn(*src_), conf::DomainState::Running);
  EXPECT_FALSE(ctl_->runLine("migrate g qemu+unix:///system?socket=" + dir_ + "/none.sock"));
  EXPECT_NE(err().find("error: cannot connect to stratusd at " + dir_ + "/none.sock"), std::string::npos) << err();
}

TEST_F(CliMigrate, CtrlCCancelsAndTheGuestStays) {
  ASSERT_TRUE(ctl_->runLine("migrate-setspeed g 1")) << err();  // 16 s unless cancelled
  // Ctrl-C once the outgoing job runs (the command's SIGINT handler is
  // installed before the job begins).
  auto interrupter = std::async(std::launch::async, [this] {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto j = src_->domainJobInfo("g", false);
      if (j && j->type == "unbounded" && j->dataProcessed > 0) {
        ::kill(::getpid(), SIGINT);
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  });
  auto t0 = std::chrono::steady_clock::now();
  bool ok = ctl_->runLine("migrate g " + dest() + " --live --verbose");
  ASSERT_TRUE(interrupter.get());
  EXPECT_FALSE(ok);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  std::string e = err();
  EXPECT_NE(e.find("error: operation aborted: migration out job: canceled by client\n"), std::string::npos) << e;
  // A bar that was shown is ended by a newline before the error.
  if (e.find("\rMigration: [") != std::string::npos) {
    EXPECT_NE(e.find("]\nerror: "), std::string::npos) << e;
  }
  EXPECT_EQ(e.find("[100 %]"), std::string::npos) << e;
  EXPECT_EQ(stateOn(*src_), conf::DomainState::Running);
  EXPECT_EQ(dst_->lookupDomain("g").error().code, ErrorCode::NoDomain);
}

TEST_F(CliMigrate, StallTimeoutIsChecked) {
  EXPECT_FALSE(ctl_->runLine("migrate g " + dest() + " --live --stall-timeout soon"));
  EXPECT_NE(err().find("error: Numeric value 'soon' for <stall-timeout> option is malformed or out of range"),
            std::string::npos)
      << err();
  EXPECT_EQ(stateOn(*src_), conf::DomainState::Running);
  ASSERT_TRUE(ctl_->runLine("migrate g " + dest() + " --live --stall-timeout 5")) << err();
  EXPECT_EQ(stateOn(*dst_), conf::DomainState::Running);
}

TEST_F(CliMigrate, TuningCommandsPrintAsVirsh) {
  ASSERT_TRUE(ctl_->runLine("migrate-setmaxdowntime g 150")) << err();
  ASSERT_TRUE(ctl_->runLine("migrate-getmaxdowntime g")) << err();
  ASSERT_TRUE(ctl_->runLine("migrate-setspeed g 64")) << err();
  ASSERT_TRUE(ctl_->runLine("migrate-getspeed g")) << err();
  EXPECT_EQ(out(), "\n150\n\n\n64\n\n");
  EXPECT_FALSE(ctl_->runLine("migrate-postcopy g"));
  EXPECT_NE(err().find("error: Requested operation is not valid: no migration is in progress"), std::string::npos)
      << err();
  EXPECT_FALSE(ctl_->runLine("migrate-getspeed g --postcopy"));
  EXPECT_NE(err().find("post-copy bandwidth is not supported"), std::string::npos) << err();
}
