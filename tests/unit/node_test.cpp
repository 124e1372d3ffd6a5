// daemon::Node with the simulated driver: registry rules, persistence,
// lifecycle transitions, events, save images.
#include <gtest/gtest.h>

#include "temp_root.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "daemon/node.h"
#include "daemon/test_node.h"
#include "drivers/test/test_driver.h"
#include "util/atomic_file.h"

using namespace stratus;
using namespace stratus::daemon;
using stratus::testing::TempRoot;
using conf::DomainState;
namespace fs = std::filesystem;

namespace {

std::string domXml(const std::string& name, const std::string& uuid = "") {
  std::string x = "<domain type='test'><name>" + name + "</name>";
  if (!uuid.empty()) x += "<uuid>" + uuid + "</uuid>";
  x += "<memory unit='MiB'>64</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>";
  return x;
}


std::unique_ptr<Node> openNode(const std::string& root) {
  NodeConfig cfg;
  cfg.root = root;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().describe());
  return std::move(n).value();
}

DomainState stateOf(NodeService& n, const std::string& name) {
  auto s = n.lookupDomain(name);
  EXPECT_TRUE(s.ok());
  return s.ok() ? s->state : DomainState::NoState;
}

}  // namespace

TEST(Node, DefinePersistsAndSurvivesReopen) {
  TempRoot root;
  {
    auto n = openNode(root.str());
    auto r = n->defineDomain(domXml("a"), "a.xml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->domain.name, "a");
    EXPECT_TRUE(fs::exists(root.str() + "/etc/stratus/qemu/a.xml"));
    ASSERT_TRUE(n->setAutostart("a", true));
    EXPECT_TRUE(fs::is_symlink(root.str() + "/etc/stratus/qemu/autostart/a.xml"));
    ASSERT_TRUE(n->setAutostart("a", false));
  }
  auto n = openNode(root.str());
  auto list = n->listDomains();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "a");
  EXPECT_EQ((*list)[0].state, DomainState::Shutoff);
}

TEST(Node, DuplicateNameOrUuidIsRejectedAndSameUuidUpdates) {
  auto n = openNode("");
  const std::string u1 = "85badf15-244d-4719-a2da-8c3de0641373";
  ASSERT_TRUE(n->defineDomain(domXml("a", u1), "a.xml").ok());
  auto dupName = n->defineDomain(domXml("a", "85badf15-244d-4719-a2da-8c3de0641374"), "b.xml");
  ASSERT_FALSE(dupName.ok());
  EXPECT_EQ(dupName.error().code, ErrorCode::DomainExists);
  auto dupUuid = n->defineDomain(domXml("b", u1), "b.xml");
  ASSERT_FALSE(dupUuid.ok());
  EXPECT_EQ(dupUuid.error().code, ErrorCode::DomainExists);
  auto upd = n->defineDomain(domXml("a", u1), "a.xml");
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(n->listDomains()->size(), 1u);
}

TEST(Node, BadXmlStoresNothing) {
  TempRoot root;
  auto n = openNode(root.str());
  auto r = n->defineDomain("<domain><name>x</name>", "broken.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::XmlSyntax);
  EXPECT_TRUE(n->listDomains()->empty());
  // Only directories (autostart/, networks/): no domain file, not even a temp one.
  for (const auto& e : fs::directory_iterator(root.str() + "/etc/stratus/qemu"))
    EXPECT_TRUE(e.is_directory()) << e.path();
}

TEST(Node, LookupByIdUuidName) {
  auto n = openNode("");
  const std::string u = "85badf15-244d-4719-a2da-8c3de0641373";
  ASSERT_TRUE(n->defineDomain(domXml("vm", u), "vm.xml").ok());
  ASSERT_TRUE(n->startDomain("vm", {}));
  auto byName = n->lookupDomain("vm");
  ASSERT_TRUE(byName.ok());
  auto byId = n->lookupDomain(std::to_string(byName->id));
  ASSERT_TRUE(byId.ok());
  EXPECT_EQ(byId->name, "vm");
  EXPECT_EQ(n->lookupDomain(u)->name, "vm");
  EXPECT_EQ(n->lookupDomain("nope").error().code, ErrorCode::NoDomain);
}

TEST(Node, LifecycleTransitions) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
  EXPECT_FALSE(n->suspendDomain("vm"));  // not running
  ASSERT_TRUE(n->startDomain("vm", {}));
  EXPECT_EQ(stateOf(*n, "vm"), DomainState::Running);
  EXPECT_EQ(n->startDomain("vm", {}).error().code, ErrorCode::OperationInvalid);
  ASSERT_TRUE(n->suspendDomain("vm"));
  EXPECT_EQ(stateOf(*n, "vm"), DomainState::Paused);
  ASSERT_TRUE(n->resumeDomain("vm"));
  EXPECT_FALSE(n->resumeDomain("vm"));  // not paused
  ASSERT_TRUE(n->rebootDomain("vm"));
  ASSERT_TRUE(n->shutdownDomain("vm", {}));
  auto s = n->lookupDomain("vm");
  EXPECT_EQ(s->state, DomainState::Shutoff);
  EXPECT_EQ(s->reason, conf::reason::ShutoffShutdown);
  ASSERT_TRUE(n->startDomain("vm", {.paused = true}));
  EXPECT_EQ(stateOf(*n, "vm"), DomainState::Paused);
  ASSERT_TRUE(n->destroyDomain("vm", {}));
  s = n->lookupDomain("vm");
  EXPECT_EQ(s->reason, conf::reason::ShutoffDestroyed);
  EXPECT_EQ(s->id, -1);
  EXPECT_FALSE(n->destroyDomain("vm", {}));
}

TEST(Node, UndefineRunningMakesTransientThenGone) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(n->startDomain("vm", {}));
  ASSERT_TRUE(n->undefineDomain("vm", {}));
  auto s = n->lookupDomain("vm");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->persistent);
  ASSERT_TRUE(n->destroyDomain("vm", {}));
  EXPECT_FALSE(n->lookupDomain("vm").ok());
}

TEST(Node, CreateIsTransient) {
  auto n = openNode("");
  auto r = n->createDomain(domXml("t"), "t.xml", {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_FALSE(r->domain.persistent);
  EXPECT_EQ(r->domain.state, DomainState::Running);
  ASSERT_TRUE(n->shutdownDomain("t", {}));
  EXPECT_FALSE(n->lookupDomain("t").ok());
}

TEST(Node, RenameRules) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineDomain(domXml("a"), "a.xml").ok());
  ASSERT_TRUE(n->defineDomain(domXml("b"), "b.xml").ok());
  EXPECT_FALSE(n->renameDomain("a", "b"));
  EXPECT_FALSE(n->renameDomain("a", "x/y"));
  ASSERT_TRUE(n->renameDomain("a", "c"));
  EXPECT_TRUE(fs::exists(root.str() + "/etc/stratus/qemu/c.xml"));
  EXPECT_FALSE(fs::exists(root.str() + "/etc/stratus/qemu/a.xml"));
  ASSERT_TRUE(n->startDomain("c", {}));
  EXPECT_FALSE(n->renameDomain("c", "d"));
}

TEST(Node, MetadataAndResize) {
  auto n = openNode("");
  ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(n->setMetadata("vm", MetadataKind::Title, "hello", {}));
  EXPECT_EQ(*n->getMetadata("vm", MetadataKind::Title, {}), "hello");
  EXPECT_EQ(n->listDomains()->front().title, "hello");
  EXPECT_FALSE(n->setMemory("vm", 1 << 30, {}));  // above max
  ASSERT_TRUE(n->setMemory("vm", 32 * 1024, {}));
  EXPECT_EQ(n->domainInfo("vm")->usedMemKiB, 32u * 1024);
  ASSERT_TRUE(n->setVcpus("vm", 4, {}, true));
  ASSERT_TRUE(n->setVcpus("vm", 3, {}, false));
  EXPECT_EQ(n->domainInfo("vm")->vcpus, 3u);
  EXPECT_FALSE(n->setVcpus("vm", 5, {}, false));
  ASSERT_TRUE(n->startDomain("vm", {}));
  ASSERT_TRUE(n->setMemory("vm", 16 * 1024, {.live = true}));
  EXPECT_EQ(n->domainInfo("vm")->usedMemKiB, 16u * 1024);
}

TEST(Node, SaveAndRestoreThroughFile) {
  TempRoot root;
  auto n = openNode(root.str());
  ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(n->startDomain("vm", {}));
  std::string file = root.str() + "/vm.save";
  ASSERT_TRUE(n->saveDomain("vm", file, {}));
  EXPECT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".stratus-part"));
  auto s = n->lookupDomain("vm");
  EXPECT_EQ(s->state, DomainState::Shutoff);
  EXPECT_EQ(s->reason, conf::reason::ShutoffSaved);
  auto r = n->restoreDomain(file, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->state, DomainState::Running);
  EXPECT_EQ(r->reason, conf::reason::RunningRestored);
  // A file that is not a save image is refused without side effects.
  ASSERT_TRUE(writeFileAtomic(root.str() + "/junk", "hello"));
  EXPECT_FALSE(n->restoreDomain(root.str() + "/junk", {}).ok());
  // Saving a stopped domain fails and leaves no file.
  ASSERT_TRUE(n->destroyDomain("vm", {}));
  EXPECT_FALSE(n->saveDomain("vm", root.str() + "/x.save", {}));
  EXPECT_FALSE(fs::exists(root.str() + "/x.save"));
  EXPECT_FALSE(fs::exists(root.str() + "/x.save.stratus-part"));
}

TEST(Node, ManagedSaveIsUsedByStartAndBlocksUndefine) {
  for (bool persisted : {false, true}) {
    TempRoot root;
    auto n = openNode(persisted ? root.str() : "");
    ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
    ASSERT_TRUE(n->startDomain("vm", {}));
    ASSERT_TRUE(n->managedSave("vm", {}));
    EXPECT_TRUE(n->lookupDomain("vm")->managedSave);
    EXPECT_FALSE(n->undefineDomain("vm", {}));
    ASSERT_TRUE(n->startDomain("vm", {}));
    auto s = n->lookupDomain("vm");
    EXPECT_EQ(s->reason, conf::reason::RunningRestored);
    EXPECT_FALSE(s->managedSave);
    ASSERT_TRUE(n->managedSave("vm", {}));
    ASSERT_TRUE(n->undefineDomain("vm", {.managedSave = true}));
    EXPECT_FALSE(n->lookupDomain("vm").ok());
  }
}

TEST(Node, EventsArriveInOrder) {
  auto n = openNode("");
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<int, int>> seen;
  auto sub = n->subscribeEvents([&](const DomainEvent& e) {
    std::lock_guard lk(mu);
    seen.emplace_back(e.type, e.detail);
    cv.notify_all();
  });
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(n->defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(n->startDomain("vm", {}));
  ASSERT_TRUE(n->destroyDomain("vm", {}));
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(5), [&] { return seen.size() >= 3; }));
  EXPECT_EQ(seen[0], std::make_pair(0, 0));  // defined added
  EXPECT_EQ(seen[1], std::make_pair(2, 0));  // started booted
  EXPECT_EQ(seen[2], std::make_pair(5, 1));  // stopped destroyed
}

TEST(TestNode, DefaultLooksLikeLibvirts) {
  auto n = openTestNode("test:///default");
  ASSERT_TRUE(n.ok()) << n.error().describe();
  auto list = (*n)->listDomains();
  ASSERT_EQ(list->size(), 1u);
  const auto& d = list->front();
  EXPECT_EQ(d.name, "test");
  EXPECT_EQ(d.id, 1);
  EXPECT_EQ(d.uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
  EXPECT_EQ(d.state, DomainState::Running);
  EXPECT_EQ(d.reason, conf::reason::RunningUnknown);
  auto info = (*n)->domainInfo("test");
  EXPECT_EQ(info->maxMemKiB, 8388608u);
  EXPECT_EQ(info->usedMemKiB, 2097152u);
  EXPECT_EQ(info->vcpus, 2u);
  EXPECT_EQ(info->osType, "linux");
  EXPECT_EQ((*n)->nodeInfo()->cpus, 16u);
  // Every start after the first gets the next id.
  ASSERT_TRUE((*n)->destroyDomain("test", {}));
  ASSERT_TRUE((*n)->startDomain("test", {}));
  EXPECT_EQ((*n)->lookupDomain("test")->id, 2);
}

TEST(TestNode, CustomNodeFile) {
  TempRoot root;
  std::string file = root.str() + "/node.xml";
  ASSERT_TRUE(writeFileAtomic(file, "<node><cpu><mhz>6000</mhz><model>ia64</model><nodes>1</nodes><sockets>1</sockets>"
                                    "<cores>2</cores><threads>1</threads></cpu><memory>8192000</memory>" +
                                        domXml("one") + domXml("two") + "</node>"));
  auto n = openTestNode("test://" + file);
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ((*n)->listDomains()->size(), 2u);
  EXPECT_EQ((*n)->nodeInfo()->mhz, 6000u);
  EXPECT_EQ((*n)->nodeInfo()->cpus, 2u);
  EXPECT_FALSE(openTestNode("test://" + root.str() + "/missing.xml").ok());
}

TEST(TestNode, HoldsTenThousandDomains) {
  NodeConfig cfg;
  cfg.runAutostart = false;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  ASSERT_TRUE(n.ok());
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE((*n)->defineDomain(domXml("d" + std::to_string(i)), "gen").ok());
  EXPECT_EQ((*n)->listDomains()->size(), 10000u);
}
