// `stratus migrate` between two real stratusd --driver test daemons on temp
// sockets: the guest moves (--verbose shows virsh's bar; also --p2p
// --tunnelled, run by the source daemon), Ctrl-C (SIGINT to
// the CLI) cancels and leaves it running on the source, and a destination
// daemon killed in the middle makes the command fail saying so while the
// guest keeps running on the source.
#include <gtest/gtest.h>

#include <fstream>

#include "stratusd_child.h"

using namespace stratus;
using namespace stratus::ittest;
using namespace std::chrono_literals;

namespace {

const char* kGuest =
    "<domain type='test'><name>g</name><uuid>6f1e0001-0000-4000-8000-0000000000f1</uuid>"
    "<memory unit='MiB'>16</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n";

struct CliRun {
  int rc = -1;
  std::string out, err;
};

class CliMigrateDaemons : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    srcRoot_ = dir_.path() + "/src";
    dstRoot_ = dir_.path() + "/dst";
    std::filesystem::create_directories(srcRoot_);
    std::filesystem::create_directories(dstRoot_);
    src_ = std::make_unique<TestDaemon>(srcRoot_);
    dst_ = std::make_unique<TestDaemon>(dstRoot_);
    ASSERT_TRUE(src_->start(STRATUSD_PATH));
    ASSERT_TRUE(dst_->start(STRATUSD_PATH));
    ASSERT_TRUE(src_->waitReady()) << src_->stderrText();
    ASSERT_TRUE(dst_->waitReady()) << dst_->stderrText();
    std::ofstream(dir_.path() + "/g.xml") << kGuest;
    CliRun def = stratus(src_->uri(), {"define", dir_.path() + "/g.xml"});
    ASSERT_EQ(def.rc, 0) << def.err;
    CliRun start = stratus(src_->uri(), {"start", "g"});
    ASSERT_EQ(start.rc, 0) << start.err;
  }

  // One `stratus -c URI ARGS...`, to its end (60 s at most).
  CliRun stratus(const std::string& uri, std::vector<std::string> args) {
    Child c;
    std::vector<std::string> argv = {STRATUS_PATH, "-c", uri};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out = dir_.path() + "/cli.out", err = dir_.path() + "/cli.err";
    CliRun r;
    if (!c.spawn(argv, out, err)) return r;
    r.rc = c.wait(60s);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::string domstate(TestDaemon& d) {
    CliRun r = stratus(d.uri(), {"domstate", "g"});
    return r.rc == 0 ? r.out : "error: " + r.err;
  }

  // Starts `migrate` in the background and returns once the source's
  // outgoing job has moved data.
  bool startSlowMigration(Child& cli, const std::string& outFile, const std::string& errFile) {
    std::vector<std::string> argv = {STRATUS_PATH, "-c", src_->uri(), "migrate", "g", dst_->uri(), "--live", "--verbose"};
    if (!cli.spawn(argv, outFile, errFile)) return false;
    auto client = api::connectToDaemon(src_->socket(), "");
    if (!client) return false;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && cli.running()) {
      auto j = (*client)->domainJobInfo("g", false);
      if (j && j->type == "unbounded" && j->dataProcessed > 0) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TempDir dir_;
  std::string srcRoot_, dstRoot_;
  std::unique_ptr<TestDaemon> src_, dst_;
};

}  // namespace

TEST_F(CliMigrateDaemons, LiveMigrationMovesTheGuest) {
  ASSERT_EQ(stratus(src_->uri(), {"migrate-setspeed", "g", "32"}).rc, 0);
  CliRun m = stratus(src_->uri(), {"migrate", "--live", "--verbose", "--persistent", "g", dst_->uri()});
  ASSERT_EQ(m.rc, 0) << m.err;
  EXPECT_EQ(m.out, "\n");  // virsh's empty line after the command ends the bar's line
  EXPECT_NE(m.err.find("\rMigration: ["), std::string::npos) << m.err;
  EXPECT_TRUE(m.err.ends_with("\rMigration: [100 %]")) << m.err;
  EXPECT_EQ(domstate(*dst_), "running\n\n");
  EXPECT_EQ(domstate(*src_), "shut off\n\n");
  CliRun info = stratus(src_->uri(), {"domjobinfo", "g", "--completed"});
  ASSERT_EQ(info.rc, 0) << info.err;
  EXPECT_NE(info.out.find("Operation:        Outgoing migration"), std::string::npos) << info.out;
  // And back again, under its own name on the way.
  CliRun back = stratus(dst_->uri(), {"migrate", "g", src_->uri(), "--live", "--undefinesource"});
  ASSERT_EQ(back.rc, 0) << back.err;
  EXPECT_EQ(domstate(*src_), "running\n\n");
  EXPECT_NE(domstate(*dst_).find("failed to get domain 'g'"), std::string::npos);
}

// --p2p: the source daemon connects to the destination itself (its
// connectPeer) and, tunnelled, streams the guest through that connection.
TEST_F(CliMigrateDaemons, PeerToPeerTunnelledByTheSourceDaemon) {
  CliRun m = stratus(src_->uri(), {"migrate", "g", dst_->uri(), "--live", "--p2p", "--tunnelled", "--verbose"});
  ASSERT_EQ(m.rc, 0) << m.err;
  EXPECT_TRUE(m.err.ends_with("\rMigration: [100 %]")) << m.err;
  EXPECT_EQ(domstate(*dst_), "running\n\n");
  EXPECT_EQ(domstate(*src_), "shut off\n\n");
}

TEST_F(CliMigrateDaemons, CtrlCCancelsAndTheGuestStaysOnTheSource) {
  ASSERT_EQ(stratus(src_->uri(), {"migrate-setspeed", "g", "1"}).rc, 0);  // 16 s unless cancelled
  Child cli;
  std::string out = dir_.path() + "/m.out", err = dir_.path() + "/m.err";
  ASSERT_TRUE(startSlowMigration(cli, out, err)) << slurp(err);
  cli.kill(SIGINT);
  EXPECT_EQ(cli.wait(15s), 1);
  EXPECT_NE(slurp(err).find("error: operation aborted: migration out job: canceled by client"), std::string::npos)
      << slurp(err);
  EXPECT_EQ(domstate(*src_), "running\n\n");
  EXPECT_NE(domstate(*dst_).find("failed to get domain 'g'"), std::string::npos);
}

TEST_F(CliMigrateDaemons, ADestinationDaemonKilledMidwayLeavesTheGuestOnTheSource) {
  ASSERT_EQ(stratus(src_->uri(), {"migrate-setspeed", "g", "1"}).rc, 0);
  Child cli;
  std::string out = dir_.path() + "/m.out", err = dir_.path() + "/m.err";
  ASSERT_TRUE(startSlowMigration(cli, out, err)) << slurp(err);
  dst_->kill(SIGKILL);
  ASSERT_NE(dst_->wait(10s), -1);
  // The CLI gives the destination 15 s of silence, then cancels the send.
  EXPECT_EQ(cli.wait(40s), 1);
  std::string e = slurp(err);
  EXPECT_NE(e.find("error: "), std::string::npos) << e;
  EXPECT_NE(e.find("destination"), std::string::npos) << e;
  EXPECT_EQ(domstate(*src_), "running\n\n");
}
