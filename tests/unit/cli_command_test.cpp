// Commands run in-process against test:///default: what the golden data
// cannot show (--json, our extensions, events, error wording).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/ctl.h"
#include "cli/handlers.h"
#include "daemon/test_node.h"

using namespace stratus;
using namespace stratus::cli;

namespace {

struct Captured {
  bool ok;
  std::string out, err;
};

class CliCommands : public ::testing::Test {
 protected:
  Captured run(std::string_view line) {
    char* outBuf = nullptr;
    char* errBuf = nullptr;
    std::size_t outLen = 0, errLen = 0;
    FILE* out = open_memstream(&outBuf, &outLen);
    FILE* err = open_memstream(&errBuf, &errLen);
    Captured c;
    {
      Ctl ctl("test:///default", out, err);
      ctl.quiet = quiet;
      if (node) ctl.setConnection(std::move(node), "test:///default");
      c.ok = ctl.runLine(line);
    }
    std::fclose(out);
    std::fclose(err);
    c.out.assign(outBuf, outLen);
    c.err.assign(errBuf, errLen);
    std::free(outBuf);
    std::free(errBuf);
    return c;
  }

  void SetUp() override {
    auto n = daemon::openTestNode("test:///default");
    ASSERT_TRUE(n.ok()) << n.error().message;
    node = std::move(n).value();
  }
  std::unique_ptr<daemon::NodeService> node;
  bool quiet = false;
};

TEST_F(CliCommands, ListJson) {
  auto c = run("list --all --json");
  ASSERT_TRUE(c.ok) << c.err;
  auto j = nlohmann::json::parse(c.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["id"], 1);
  EXPECT_EQ(j[0]["name"], "test");
  EXPECT_EQ(j[0]["uuid"], "6695eb01-f6a4-8304-79aa-97f2502e193f");
  EXPECT_EQ(j[0]["state"], "running");
  EXPECT_EQ(j[0]["persistent"], true);
  EXPECT_EQ(j[0]["autostart"], false);
}

TEST_F(CliCommands, DominfoAndDomstateJson) {
  auto c = run("dominfo test --json");
  ASSERT_TRUE(c.ok) << c.err;
  auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j["name"], "test");
  EXPECT_EQ(j["vcpus"], 2);
  EXPECT_EQ(j["maxMemKiB"], 8388608);
  EXPECT_TRUE(j.contains("security"));
  auto s = run("destroy test; domstate test --json");
  ASSERT_TRUE(s.ok) << s.err;
  auto pos = s.out.find('{');
  ASSERT_NE(pos, std::string::npos);
  auto st = nlohmann::json::parse(s.out.substr(pos));
  EXPECT_EQ(st["state"], "shut off");
  EXPECT_EQ(st["reason"], "destroyed");
}

TEST_F(CliCommands, NodeinfoAndVersionJson) {
  auto n = run("nodeinfo --json");
  ASSERT_TRUE(n.ok);
  EXPECT_EQ(nlohmann::json::parse(n.out)["cpus"], 16);
  auto v = run("version --json");
  ASSERT_TRUE(v.ok);
  EXPECT_EQ(nlohmann::json::parse(v.out)["library"]["name"], "stratus");
}

TEST_F(CliCommands, StartPausedLeavesTheGuestPaused) {
  // libvirt's test driver refuses --paused; ours honours it.
  auto c = run("destroy test; start test --paused; domstate test --reason");
  ASSERT_TRUE(c.ok) << c.err;
  EXPECT_NE(c.out.find("Domain 'test' started\n"), std::string::npos);
  EXPECT_NE(c.out.find("paused (user)\n"), std::string::npos);
}

TEST_F(CliCommands, FailedCommandPrintsBlankLineAndError) {
  auto c = run("dominfo nosuch");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.out, "\n");
  EXPECT_EQ(c.err, "error: failed to get domain 'nosuch'\n");
}

TEST_F(CliCommands, QuietSuppressesMessagesAndBlankLines) {
  quiet = true;
  auto c = run("suspend test; domstate test; list");
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.out, "paused\n 1   test   paused\n");
}

TEST_F(CliCommands, CommandHelpFlag) {
  auto c = run("list --help");
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.out.rfind("  NAME\n    list - ", 0), 0u);
  EXPECT_NE(c.out.find("    --state-running  "), std::string::npos);
  auto g = run("help");
  EXPECT_NE(g.out.find("dominfo"), std::string::npos);
}

TEST_F(CliCommands, EventTimesOut) {
  // Let the node deliver the events of its own start-up before we subscribe.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto c = run("event --all --timeout 1");
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.out, "event loop timed out\nevents received: 0\n\n");
}

TEST_F(CliCommands, EventPrintsLifecycleEvents) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  daemon::NodeService* raw = node.get();
  std::thread actor([raw] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    (void)raw->suspendDomain("test");
    (void)raw->resumeDomain("test");
    (void)raw->destroyDomain("test", {});
  });
  auto c = run("event --all --loop --timeout 2");
  actor.join();
  EXPECT_EQ(c.out,
            "event 'lifecycle' for domain 'test': Suspended Paused\n"
            "event 'lifecycle' for domain 'test': Resumed Unpaused\n"
            "event 'lifecycle' for domain 'test': Stopped Destroyed\n"
            "event loop timed out\n"
            "events received: 3\n\n");
  EXPECT_TRUE(c.ok);
}

TEST(CliScale, ListOfTenThousandDomains) {
  namespace fs = std::filesystem;
  fs::path file = fs::temp_directory_path() / ("stratus-cli-10k-" + std::to_string(getpid()) + ".xml");
  {
    std::ofstream out(file);
    out << "<node>\n";
    for (int i = 0; i < 10000; ++i)
      out << "<domain type='test'><name>dom" << i << "</name><memory>1024</memory><os><type>hvm</type></os></domain>\n";
    out << "</node>\n";
  }
  std::string uri = "test://" + file.string();
  auto node = daemon::openTestNode(uri);
  fs::remove(file);
  ASSERT_TRUE(node.ok()) << node.error().message;
  FILE* devnull = std::fopen("/dev/null", "w");
  Ctl ctl(uri, devnull, stderr);
  ctl.setConnection(std::move(node).value(), uri);
  ASSERT_TRUE(ctl.runLine("list --all"));  // warm up
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ctl.runLine("list --all"));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::fclose(devnull);
  // How fast is bench/control-plane.sh's to say (list_all_at_10000_median),
  // not a timed unit test on a loaded machine: here it only has to work.
  RecordProperty("list_10k_ms", static_cast<int>(ms));
}

TEST(CliEvents, LifecycleLines) {
  daemon::DomainEvent e;
  e.domainName = "vm1";
  e.type = 2;
  e.detail = 0;
  EXPECT_EQ(formatLifecycleEvent(e), "event 'lifecycle' for domain 'vm1': Started Booted\n");
  e.type = 5;
  e.detail = 1;
  EXPECT_EQ(formatLifecycleEvent(e), "event 'lifecycle' for domain 'vm1': Stopped Destroyed\n");
  e.type = 3;
  e.detail = 0;
  EXPECT_EQ(formatLifecycleEvent(e), "event 'lifecycle' for domain 'vm1': Suspended Paused\n");
}

TEST(CliErrors, LibvirtPrefixesAddedOnlyWhenMissing) {
  EXPECT_EQ(describeError(Error(ErrorCode::OperationInvalid, "domain is not running")),
            "Requested operation is not valid: domain is not running");
  EXPECT_EQ(describeError(Error(ErrorCode::OperationInvalid, "internal error: domain 'x' not paused")),
            "internal error: domain 'x' not paused");
  EXPECT_EQ(describeError(Error(ErrorCode::SystemError, "disk full")), "disk full");
}

}  // namespace
