// daemon::Node: save and restore as operations with progress and cancel
// (domjobinfo / domjobabort), image formats, save-image-dumpxml/-define.
// A scripted driver makes the save as slow as the test needs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "daemon/node.h"
#include "drivers/test/test_driver.h"

using namespace stratus;
using namespace stratus::daemon;
using conf::DomainState;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Lets a test hold a save in progress and release it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool open = false;
  int restores = 0;
  bool waitStarted() {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, 10s, [this] { return started; });
  }
  void release() {
    std::lock_guard lk(mu);
    open = true;
    cv.notify_all();
  }
};

class SlowInstance final : public drivers::Instance {
 public:
  SlowInstance(int id, std::shared_ptr<Gate> g) : id_(id), gate_(std::move(g)) {}
  int id() const override { return id_; }
  Status pause() override { return okStatus(); }
  Status resume() override { return okStatus(); }
  Status shutdown(const ShutdownOptions&) override { return okStatus(); }
  Status destroy(const DestroyOptions&) override { return okStatus(); }
  Status reboot() override { return okStatus(); }
  Status reset() override { return okStatus(); }
  Result<drivers::InstanceStats> stats() override { return drivers::InstanceStats{}; }
  Status setMemory(std::uint64_t) override { return okStatus(); }
  Status setVcpus(unsigned) override { return okStatus(); }
  Status saveStateTo(int fd, const drivers::SaveStateOptions& o) override {
    JobInfo p;
    p.dataTotal = p.memTotal = 1000;
    for (std::uint64_t i = 0;; i = std::min<std::uint64_t>(i + 1, 900)) {
      p.dataRemaining = p.memRemaining = 1000 - i;
      p.dataProcessed = p.memProcessed = i;
      o.monitor->update(p);
      if (i == 0) {  // started, with its totals set: the test reads them next
        std::lock_guard lk(gate_->mu);
        gate_->started = true;
        gate_->cv.notify_all();
      }
      if (o.monitor->waitForCancel(2ms))
        return Error(ErrorCode::Cancelled, "operation aborted: domain save job: canceled by client");
      std::lock_guard lk(gate_->mu);
      if (gate_->open) break;
    }
    std::string state = "state:" + o.format;
    return ::write(fd, state.data(), state.size()) == static_cast<ssize_t>(state.size())
               ? okStatus()
               : Status(systemError("write", errno));
  }

 private:
  int id_;
  std::shared_ptr<Gate> gate_;
};

class SlowDriver final : public drivers::HypervisorDriver {
 public:
  explicit SlowDriver(std::shared_ptr<Gate> g) : gate_(std::move(g)) {}
  std::string name() const override { return "TEST"; }
  std::string version() const override { return "1"; }
  Result<NodeInfo> nodeInfo() override { return NodeInfo{}; }
  Status checkStartable(const conf::DomainDef&) override { return okStatus(); }
  Result<std::unique_ptr<drivers::Instance>> launch(const conf::DomainDef&, const drivers::LaunchOptions& o,
                                                    drivers::InstanceEventSink) override {
    if (o.restoreFd >= 0) {
      char buf[64] = {};
      ssize_t n = ::read(o.restoreFd, buf, sizeof buf);
      std::string got(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (got != "state:" + o.restoreFormat)
        return Error(ErrorCode::OperationFailed, "bad state '" + got + "'");
      if (o.monitor == nullptr || o.restoreBytes != got.size())
        return Error(ErrorCode::OperationFailed, "no restore progress");
      std::lock_guard lk(gate_->mu);
      ++gate_->restores;
    }
    return std::unique_ptr<drivers::Instance>(std::make_unique<SlowInstance>(o.id, gate_));
  }

 private:
  std::shared_ptr<Gate> gate_;
};

std::string domXml(const std::string& name) {
  return "<domain type='test'><name>" + name +
         "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
}

class TempRoot {
 public:
  TempRoot() : path_(fs::temp_directory_path() / ("stratus-save-" + Uuid::generate().str())) {
    fs::create_directories(path_);
  }
  ~TempRoot() { fs::remove_all(path_); }
  std::string file(const std::string& n) const { return (path_ / n).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

struct Fixture {
  TempRoot root;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::unique_ptr<Node> node;
  explicit Fixture(NodeConfig cfg = {}) {
    cfg.root = root.str();
    cfg.defineDefaultNetwork = false;
    auto n = Node::open(cfg, std::make_unique<SlowDriver>(gate));
    EXPECT_TRUE(n.ok());
    node = std::move(n).value();
    EXPECT_TRUE(node->defineDomain(domXml("vm"), "vm.xml").ok());
    EXPECT_TRUE(node->startDomain("vm", {}).ok());
  }
};

}  // namespace

TEST(NodeSave, RunningSaveShowsProgressAndAbortLeavesTheGuestRunning) {
  Fixture f;
  std::string file = f.root.file("vm.save");
  auto save = std::async(std::launch::async, [&] { return f.node->saveDomain("vm", file, {}); });
  ASSERT_TRUE(f.gate->waitStarted());
  auto j = f.node->domainJobInfo("vm", false);
  ASSERT_TRUE(j.ok()) << j.error().message;
  EXPECT_EQ(j->type, "unbounded");
  EXPECT_EQ(j->operation, "save");
  EXPECT_EQ(j->dataTotal, 1000u);
  EXPECT_LT(j->percent, 100);
  auto s = f.node->lookupDomain("vm");
  EXPECT_EQ(s->state, DomainState::Paused);
  EXPECT_EQ(s->reason, conf::reason::PausedSave);

  ASSERT_TRUE(f.node->abortDomainJob("vm").ok());
  auto r = save.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  s = f.node->lookupDomain("vm");
  EXPECT_EQ(s->state, DomainState::Running);
  EXPECT_EQ(s->reason, conf::reason::RunningSaveCanceled);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".stratus-part"));
  EXPECT_EQ(f.node->domainJobInfo("vm", false)->type, "none");
  auto done = f.node->domainJobInfo("vm", true);
  EXPECT_EQ(done->type, "cancelled");
  EXPECT_NE(done->error.find("canceled by client"), std::string::npos);
  auto again = f.node->abortDomainJob("vm");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::OperationInvalid);
}

TEST(NodeSave, CompletedSaveAndRestoreAreRecorded) {
  Fixture f;
  std::string file = f.root.file("vm.save");
  f.gate->release();
  ASSERT_TRUE(f.node->saveDomain("vm", file, {}).ok());
  EXPECT_TRUE(fs::exists(file));
  auto j = f.node->domainJobInfo("vm", true);
  EXPECT_EQ(j->type, "completed");
  EXPECT_EQ(j->operation, "save");
  EXPECT_EQ(j->percent, 100);
  EXPECT_EQ(j->dataRemaining, 0u);
  EXPECT_EQ(f.node->lookupDomain("vm")->reason, conf::reason::ShutoffSaved);
  auto r = f.node->restoreDomain(file, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->state, DomainState::Running);
  EXPECT_EQ(f.gate->restores, 1);
  EXPECT_EQ(f.node->domainJobInfo("vm", true)->operation, "restore");
}

TEST(NodeSave, FormatComesFromTheSaveOrTheDaemonAndTravelsInTheImage) {
  NodeConfig cfg;
  cfg.saveImageFormat = "gzip";
  Fixture f(cfg);
  f.gate->release();
  std::string file = f.root.file("vm.save");
  ASSERT_TRUE(f.node->saveDomain("vm", file, {}).ok());
  ASSERT_TRUE(f.node->restoreDomain(file, {}).ok());  // the driver checks it gets "gzip" back
  SaveOptions unknown;
  unknown.format = "rar";
  auto r = f.node->saveDomain("vm", f.root.file("x.save"), unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(f.node->lookupDomain("vm")->state, DomainState::Running);
  EXPECT_FALSE(fs::exists(f.root.file("x.save")));
  EXPECT_FALSE(fs::exists(f.root.file("x.save.stratus-part")));
}

TEST(NodeSave, ShutdownCancelsARunningSave) {
  Fixture f;
  auto save = std::async(std::launch::async, [&] { return f.node->saveDomain("vm", f.root.file("d.save"), {}); });
  ASSERT_TRUE(f.gate->waitStarted());
  f.node->cancelOperations();
  auto r = save.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_EQ(f.node->lookupDomain("vm")->state, DomainState::Running);
}

TEST(NodeSave, ManagedSaveRunsAsAJobToo) {
  Fixture f;
  auto save = std::async(std::launch::async, [&] { return f.node->managedSave("vm", {}); });
  ASSERT_TRUE(f.gate->waitStarted());
  EXPECT_EQ(f.node->domainJobInfo("vm", false)->operation, "save");
  f.gate->release();
  ASSERT_TRUE(save.get().ok());
  EXPECT_TRUE(f.node->lookupDomain("vm")->managedSave);
  ASSERT_TRUE(f.node->startDomain("vm", {}).ok());
  EXPECT_EQ(f.node->lookupDomain("vm")->reason, conf::reason::RunningRestored);
  EXPECT_FALSE(f.node->lookupDomain("vm")->managedSave);
  EXPECT_EQ(f.gate->restores, 1);
}

TEST(NodeSave, SaveImageXmlAndDefine) {
  TempRoot root;
  NodeConfig cfg;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  ASSERT_TRUE(n.ok());
  auto& node = **n;
  ASSERT_TRUE(node.defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(node.startDomain("vm", {}).ok());
  std::string file = root.file("vm.save");
  ASSERT_TRUE(node.saveDomain("vm", file, {}).ok());
  auto xml = node.saveImageXml(file, {});
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  EXPECT_NE(xml->find("<name>vm</name>"), std::string::npos);
  std::string uuid = node.lookupDomain("vm")->uuid;

  // Same name and UUID, a new description; and restore paused from now on.
  std::string edited = "<domain type='test'><name>vm</name><uuid>" + uuid +
                       "</uuid><description>edited</description><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                       "<os><type>hvm</type></os></domain>";
  SaveOptions paused;
  paused.paused = true;
  ASSERT_TRUE(node.saveImageDefine(file, edited, paused).ok());
  EXPECT_NE(node.saveImageXml(file, {})->find("<description>edited</description>"), std::string::npos);
  auto other = node.saveImageDefine(file, domXml("other"), {});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("Target domain name 'other' does not match source 'vm'"), std::string::npos);
  auto r = node.restoreDomain(file, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->state, DomainState::Paused);
  EXPECT_FALSE(node.saveImageXml(root.file("missing.save"), {}).ok());
}

TEST(NodeSave, SaveAndRestoreTakeAReplacementXml) {
  TempRoot root;
  auto n = Node::open(NodeConfig{}, drivers::makeTestDriver());
  ASSERT_TRUE(n.ok());
  auto& node = **n;
  ASSERT_TRUE(node.defineDomain(domXml("vm"), "vm.xml").ok());
  ASSERT_TRUE(node.startDomain("vm", {}).ok());
  std::string uuid = node.lookupDomain("vm")->uuid;
  auto described = [&](const std::string& text) {
    return "<domain type='test'><name>vm</name><uuid>" + uuid + "</uuid><description>" + text +
           "</description><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
  };
  std::string file = root.file("vm.save");

  // A definition of another guest is refused before anything happens.
  SaveOptions wrong;
  wrong.xml = domXml("other");
  auto refused = node.saveDomain("vm", file, wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("Target domain name 'other' does not match source 'vm'"), std::string::npos);
  EXPECT_EQ(node.lookupDomain("vm")->state, DomainState::Running);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".stratus-part"));

  SaveOptions withXml;
  withXml.xml = described("at save");
  ASSERT_TRUE(node.saveDomain("vm", file, withXml).ok());
  EXPECT_NE(node.saveImageXml(file, {})->find("<description>at save</description>"), std::string::npos);

  SaveOptions badRestore;
  badRestore.xml = "<domain type='test'><name>vm</name><uuid>" + Uuid::generate().str() +
                   "</uuid><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";
  auto r0 = node.restoreDomain(file, badRestore);
  ASSERT_FALSE(r0.ok());
  EXPECT_NE(r0.error().message.find("Target domain uuid"), std::string::npos);
  EXPECT_FALSE(conf::isActive(node.lookupDomain("vm")->state));

  SaveOptions restoreXml;
  restoreXml.xml = described("at restore");
  auto r = node.restoreDomain(file, restoreXml);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto live = node.domainXml("vm", {});
  ASSERT_TRUE(live.ok());
  EXPECT_NE(live->find("<description>at restore</description>"), std::string::npos);
}
