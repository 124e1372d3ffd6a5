// Node::consoleLog: the tail of a guest's file-backed serial console (what
// the cloud's GetConsoleOutput reads), "" before the guest wrote, and
// Unsupported for a guest whose console is not a file.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon/node.h"
#include "drivers/test/test_driver.h"
#include "temp_root.h"

using namespace stratus;
using namespace stratus::daemon;
using stratus::testing::TempRoot;

namespace {

std::string withSerial(const std::string& name, const std::string& serial) {
  return "<domain type='test'><name>" + name +
         "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>" + serial +
         "</devices></domain>";
}

}  // namespace

TEST(NodeConsoleLog, TailOfTheFileBackedSerial) {
  TempRoot root;
  NodeConfig cfg;
  cfg.root = root.str();
  auto n = Node::open(cfg, drivers::makeTestDriver());
  ASSERT_TRUE(n.ok()) << n.error().describe();
  std::string log = root.str() + "/guest.console";
  ASSERT_TRUE((*n)->defineDomain(withSerial("g", "<serial type='file'><source path='" + log + "'/><target port='0'/></serial>"),
                                 "g.xml"));
  auto empty = (*n)->consoleLog("g", 100);
  ASSERT_TRUE(empty.ok()) << empty.error().describe();
  EXPECT_EQ(*empty, "");
  {
    std::ofstream out(log);
    out << "GUEST-READY\ntick 1\ntick 2\n";
  }
  auto all = (*n)->consoleLog("g", 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, "GUEST-READY\ntick 1\ntick 2\n");
  auto tail = (*n)->consoleLog("g", 7);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, "tick 2\n");

  ASSERT_TRUE((*n)->defineDomain(withSerial("p", "<serial type='pty'><target port='0'/></serial>"), "p.xml"));
  auto pty = (*n)->consoleLog("p", 100);
  ASSERT_FALSE(pty.ok());
  EXPECT_EQ(pty.error().code, ErrorCode::Unsupported);
  auto none = (*n)->consoleLog("nosuch", 100);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::NoDomain);
}
