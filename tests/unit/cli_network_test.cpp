// The net-* commands against the API tests' FakeNode (a small in-memory
// network driver): every golden case the fake can play is compared with
// what the real virsh printed (tests/data/cli); what the golden data cannot
// show (--json, leases, ports, net-edit, --xpath corners) is checked here.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "api_fake_node.h"
#include "cli/ctl.h"
#include "cli/readonly_node.h"
#include "cli/shell.h"
#include "cli/xpath.h"

using namespace stratus;
using namespace stratus::cli;
namespace fs = std::filesystem;

namespace {

const fs::path kData = STRATUS_CLI_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Captured {
  bool ok;
  std::string out, err;
};

// A fake with only libvirt's `default` network (active, virbr0) and no domains.
std::unique_ptr<apitest::FakeNode> defaultNode() {
  auto n = std::make_unique<apitest::FakeNode>();
  n->networks.erase("isolated net");
  return n;
}

// Runs `line` on a connection to `node`; `after` may look at the node
// before the connection (which owns it) closes.
Captured run(std::unique_ptr<apitest::FakeNode> fake, std::string_view line, bool quiet = false, bool readonly = false,
             const std::function<void(apitest::FakeNode&)>& after = {}) {
  apitest::FakeNode* raw = fake.get();
  std::unique_ptr<daemon::NodeService> node = std::move(fake);
  char* outBuf = nullptr;
  char* errBuf = nullptr;
  std::size_t outLen = 0, errLen = 0;
  FILE* out = open_memstream(&outBuf, &outLen);
  FILE* err = open_memstream(&errBuf, &errLen);
  Captured c;
  {
    Ctl ctl("test:///default", out, err);
    ctl.quiet = quiet;
    if (readonly) node = makeReadonly(std::move(node));
    ctl.setConnection(std::move(node), "test:///default");
    c.ok = ctl.runLine(line);
    if (after) after(*raw);
  }
  std::fclose(out);
  std::fclose(err);
  c.out.assign(outBuf, outLen);
  c.err.assign(errBuf, errLen);
  std::free(outBuf);
  std::free(errBuf);
  return c;
}

Captured run(std::string_view line) { return run(defaultNode(), line); }

// Runs in a scratch directory holding the golden data's XML files.
class CliNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("stratus-cli-net-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(kData))
      if (e.path().extension() == ".xml") fs::copy_file(e.path(), dir_ / e.path().filename());
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(old_);
    fs::remove_all(dir_);
  }
  fs::path old_, dir_;
};

// Golden cases the fake cannot play like libvirt's test driver, and why.
const std::set<std::string> kFakeCannot = {
    "net_dumpxml_defined",       // the fake formats only `default` like libvirt
    "net_dumpxml_routed",        // same
    "net_update_dns_host",       // the fake updates ip-dhcp-host only
    "net_update_config",         // the fake has no separate persistent definition
    "net_update_live_inactive",  // same
    "net_update_parent_index",   // the fake ignores the parent index
    "net_dumpxml_inactive",      // libvirt's test driver refuses --inactive
    "net_destroy_inactive",      // libvirt's test driver destroys an inactive network again
    "net_undefine_active",       // libvirt's test driver refuses; the fake makes it transient
    "net_define_bad_xml",        // parser wording
    "net_dhcp_leases",           // libvirt's test driver has no leases, the fake has
    "net_dhcp_leases_mac",       // same
    "net_port_list",             // libvirt's test driver has no ports, the fake has
    "net_mixed_with_domains",    // the fake's domains are not libvirt's
};

TEST_F(CliNetwork, GoldenCasesAgainstTheFake) {
  int compared = 0;
  for (const auto& e : fs::directory_iterator(kData)) {
    std::string name = e.path().stem();
    if (e.path().extension() != ".cmd" || !name.starts_with("net_") || kFakeCannot.count(name)) continue;
    std::string cmd = slurp(e.path());
    while (!cmd.empty() && cmd.back() == '\n') cmd.pop_back();
    std::string opts = fs::exists(kData / (name + ".opts")) ? slurp(kData / (name + ".opts")) : "";
    auto got = run(defaultNode(), cmd, opts.find("-q") != std::string::npos, opts.find("-r") != std::string::npos);
    EXPECT_EQ(got.out, slurp(kData / (name + ".out"))) << name << ": " << cmd;
    EXPECT_EQ(got.err, slurp(kData / (name + ".err"))) << name << ": " << cmd;
    EXPECT_EQ(got.ok ? 0 : 1, std::stoi(slurp(kData / (name + ".rc")))) << name << ": " << cmd;
    ++compared;
  }
  EXPECT_GT(compared, 80);
}

TEST_F(CliNetwork, ListAndInfoJson) {
  auto node = std::make_unique<apitest::FakeNode>();
  auto list = run(std::move(node), "net-list --all --json");
  ASSERT_TRUE(list.ok) << list.err;
  auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0], nlohmann::json({{"name", "default"},
                                  {"uuid", "dd8fe884-6c02-601e-7551-cca97df1c5df"},
                                  {"active", true},
                                  {"persistent", true},
                                  {"autostart", false},
                                  {"bridge", "virbr0"}}));
  EXPECT_EQ(j[1]["name"], "isolated net");
  EXPECT_EQ(j[1]["active"], false);
  // Filters apply to --json as to the table.
  auto active = nlohmann::json::parse(run(std::make_unique<apitest::FakeNode>(), "net-list --json").out);
  EXPECT_EQ(active.size(), 1u);

  auto info = run("net-info default --json");
  ASSERT_TRUE(info.ok);
  EXPECT_EQ(nlohmann::json::parse(info.out)["bridge"], "virbr0");
  EXPECT_EQ(nlohmann::json::parse(run("net-uuid default --json").out)["uuid"], "dd8fe884-6c02-601e-7551-cca97df1c5df");
  EXPECT_EQ(nlohmann::json::parse(run("net-name dd8fe884-6c02-601e-7551-cca97df1c5df --json").out)["name"], "default");
}

TEST_F(CliNetwork, DhcpLeasesTableAndJson) {
  const char* oldTz = std::getenv("TZ");
  std::string saved = oldTz ? oldTz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  auto r = run("net-dhcp-leases default");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(
      r.out,
      " Expiry Time           MAC address         Protocol   IP address          Hostname   Client ID or DUID\n"
      "-----------------------------------------------------------------------------------------------------------\n"
      " 2023-11-14 23:13:20   52:54:00:AA:00:01   ipv4       192.168.122.11/24   -          01:52:54:00:aa:00:01\n"
      " 2023-11-14 22:13:20   52:54:00:bb:00:02   ipv4       192.168.122.12/24   web        -\n"
      " 1970-01-01 00:00:00   52:54:00:cc:00:03   ipv6       fd00::12/64         -          -\n"
      "\n");
  auto one = run("net-dhcp-leases default --mac 52:54:00:bb:00:02");
  EXPECT_NE(one.out.find(" 2023-11-14 22:13:20   52:54:00:bb:00:02   ipv4       192.168.122.12/24   web        -\n"),
            std::string::npos)
      << one.out;
  EXPECT_EQ(one.out.find("52:54:00:AA"), std::string::npos);
  auto j = nlohmann::json::parse(run("net-dhcp-leases default --json").out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0], nlohmann::json({{"expiryTime", 1700003600},
                                  {"mac", "52:54:00:AA:00:01"},
                                  {"type", "ipv4"},
                                  {"ipaddr", "192.168.122.11"},
                                  {"prefix", 24},
                                  {"hostname", "-"},
                                  {"clientId", "01:52:54:00:aa:00:01"},
                                  {"iface", "virbr0"}}));
  auto empty = run("net-dhcp-leases default --mac ''");
  EXPECT_FALSE(empty.ok);
  EXPECT_EQ(empty.err, "error: Failed to get option 'mac': Option argument is empty\n");
  if (oldTz)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST_F(CliNetwork, PortListTableUuidAndJson) {
  auto t = run("net-port-list default");
  ASSERT_TRUE(t.ok) << t.err;
  EXPECT_EQ(t.out,
            " UUID\n"
            "---------------------------------------\n"
            " a0000000-0000-4000-8000-000000000001\n"
            " f0000000-0000-4000-8000-000000000002\n"
            "\n");
  EXPECT_EQ(run("net-port-list default --uuid").out,
            "a0000000-0000-4000-8000-000000000001\nf0000000-0000-4000-8000-000000000002\n\n");
  auto j = nlohmann::json::parse(run("net-port-list default --json").out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0], nlohmann::json({{"uuid", "a0000000-0000-4000-8000-000000000001"},
                                  {"ownerName", "vm0"},
                                  {"ownerUuid", "00000000-0000-4000-8000-000000000000"},
                                  {"mac", "52:54:00:aa:00:01"},
                                  {"tapName", "vnet0"}}));
}

TEST_F(CliNetwork, UnsupportedConnectionErrors) {
  // A connection whose lookups are unsupported reports that, not "not found".
  auto r = run("net-info err-unsupported");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err,
            "error: failed to get network 'err-unsupported'\n"
            "error: this function is not supported by the connection driver: virNetworkLookupByName\n");
}

TEST_F(CliNetwork, UpdateSendsWhatVirshWould) {
  std::vector<std::string> calls;
  std::size_t hosts = 0;
  auto r = run(defaultNode(),
               "net-update dd8fe884-6c02-601e-7551-cca97df1c5df add ip-dhcp-host net-host.xml --parent-index 0 "
               "--config --live",
               false, false, [&](apitest::FakeNode& n) {
                 calls = n.allCalls();
                 hosts = n.dhcpHosts["default"].size();
               });
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.out, "Updated network default persistent config and live state\n");
  EXPECT_EQ(hosts, 1u);
  bool seen = false;
  for (const auto& c : calls)
    if (c.rfind("updateNetwork dd8fe884-6c02-601e-7551-cca97df1c5df command=add-last section=ip-dhcp-host parent=0 "
                "live=true config=true xml=<host mac='52:54:00:00:00:02'",
                0) == 0)
      seen = true;
  EXPECT_TRUE(seen);
  auto neg = run("net-update default add ip-dhcp-host \"<host/>\" --parent-index -1 --live");
  EXPECT_TRUE(neg.ok) << neg.err;
  EXPECT_EQ(neg.out, "Updated network default live state\n");
}

TEST_F(CliNetwork, EditRedefinesOrReportsNoChange) {
  const char* old = std::getenv("EDITOR");
  std::string saved = old ? old : "";
  unsetenv("VISUAL");
  setenv("EDITOR", "true", 1);
  auto same = run("net-edit default");
  EXPECT_TRUE(same.ok) << same.err;
  EXPECT_EQ(same.out, "Network default XML configuration not changed.\n\n");

  setenv("EDITOR", "sed -i s/virbr0/virbr7/", 1);
  std::string bridge;
  bool inactiveAsked = false;
  auto edited = run(defaultNode(), "net-edit default", false, false, [&](apitest::FakeNode& n) {
    bridge = n.networks["default"].bridge;
    for (const auto& c : n.allCalls())
      inactiveAsked |= c == "networkXml dd8fe884-6c02-601e-7551-cca97df1c5df inactive=true";
  });
  EXPECT_TRUE(edited.ok) << edited.err;
  EXPECT_EQ(edited.out, "Network default XML configuration edited.\n\n");
  EXPECT_EQ(bridge, "virbr7");
  EXPECT_TRUE(inactiveAsked);

  // A definition the node refuses: the error, and (no terminal) no retry.
  setenv("EDITOR", "sed -i s/virbr0/bad/", 1);
  auto bad = run("net-edit default");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.err, "error: XML error: <edit>:3: network/forward: unknown forward mode 'frob'\n");

  if (old)
    setenv("EDITOR", saved.c_str(), 1);
  else
    unsetenv("EDITOR");
}

TEST_F(CliNetwork, ReadonlyRefusesEveryChange) {
  for (const char* line :
       {"net-define net-isolated.xml", "net-create net-isolated.xml", "net-start default", "net-destroy default",
        "net-undefine default", "net-autostart default", "net-update default add ip-dhcp-host \"<host/>\""}) {
    auto r = run(defaultNode(), line, false, true);
    EXPECT_FALSE(r.ok) << line;
    EXPECT_NE(r.err.find("error: operation forbidden: read only access prevents virNetwork"), std::string::npos)
        << line << ": " << r.err;
  }
  for (const char* line : {"net-list --all", "net-info default", "net-dumpxml default", "net-dhcp-leases default",
                           "net-port-list default"})
    EXPECT_TRUE(run(defaultNode(), line, false, true).ok) << line;
}

TEST_F(CliNetwork, HelpAndCompletion) {
  auto help = run("help network");
  ASSERT_TRUE(help.ok);
  EXPECT_EQ(help.out.rfind(" Networking (help keyword 'network'):\n", 0), 0u) << help.out;
  for (const char* c :
       {"net-autostart", "net-create", "net-define", "net-destroy", "net-dhcp-leases", "net-dumpxml", "net-edit",
        "net-info", "net-list", "net-name", "net-start", "net-undefine", "net-update", "net-uuid", "net-port-list"})
    EXPECT_NE(help.out.find(std::string("    ") + c + " "), std::string::npos) << c;
  auto one = run("net-update --help");
  EXPECT_NE(one.out.find("net-update <network> <command> <section> <xml> [--parent-index <number>]"), std::string::npos)
      << one.out;

  std::FILE* sink = std::fopen("/dev/null", "w");
  {
    Ctl ctl("test:///default", sink, sink);
    auto node = std::make_unique<apitest::FakeNode>();
    ctl.setConnection(std::move(node), "test:///default");
    EXPECT_EQ(completeWord(&ctl, "net-info ", "is"), std::vector<std::string>{"isolated net"});
    EXPECT_EQ(completeWord(&ctl, "net-start ", "def"), std::vector<std::string>{"default"});
    EXPECT_EQ(completeWord(&ctl, "net-list ", "--no"), std::vector<std::string>{"--no-autostart"});
    EXPECT_EQ(completeWord(&ctl, "", "net-u"), (std::vector<std::string>{"net-undefine", "net-update", "net-uuid"}));
  }
  std::fclose(sink);
}

TEST(CliXpath, LibxmlLayout) {
  const std::string xml =
      "<network a='1'>\n  <name>n &amp; m</name>\n  <p>mixed <b>bold</b> text</p>\n  <!-- c -->\n"
      "  <e x='&quot;q&quot;'/>\n</network>\n";
  EXPECT_EQ(*xpathDump(xml, "/network", false),
            "<network a=\"1\">\n  <name>n &amp; m</name>\n  <p>mixed <b>bold</b> text</p>\n  <!-- c -->\n"
            "  <e x=\"&quot;q&quot;\"/>\n</network>\n");
  EXPECT_EQ(*xpathDump(xml, "//@*", false), " a=\"1\"\n x=\"&quot;q&quot;\"\n");
  EXPECT_EQ(*xpathDump(xml, "//name/text() | //b/text()", true), "<nodes>n &amp; mbold</nodes>\n");
  EXPECT_EQ(*xpathDump(xml, "//@a | //e", true), "<nodes a=\"1\">\n  <e x=\"&quot;q&quot;\"/>\n</nodes>\n");
  EXPECT_EQ(*xpathDump(xml, "//comment()", false), "<!-- c -->\n");
  EXPECT_EQ(*xpathDump(xml, "//none", false), "");
  for (const char* bad : {"string(//name)", "count(//e)", "//[", ""}) {
    auto r = xpathDump(xml, bad, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message, std::string("internal error: Incorrect xpath '") + bad + "'");
  }
  EXPECT_EQ(xpathDump("<a>", "/a", false).error().code, ErrorCode::XmlSyntax);
}

}  // namespace
