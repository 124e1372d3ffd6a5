// daemon::Node's storage pools and volumes: the registry's rules (names,
// UUIDs, states, libvirt's error words), persistence and the default pool,
// jobs on volumes (progress, cancel, a busy source), and domain disks of
// type='volume' resolved at start. Pools are simulated here (or scripted by
// a fake backend); the real backends have their own tests.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "daemon/node.h"
#include "daemon/test_node.h"
#include "drivers/test/test_driver.h"
#include "temp_root.h"

using namespace stratus;
using namespace stratus::daemon;
using stratus::testing::TempRoot;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string poolXml(const std::string& name, const std::string& path, const std::string& type = "dir") {
  return "<pool type='" + type + "'><name>" + name + "</name><target><path>" + path + "</path></target></pool>";
}

std::string volXml(const std::string& name, const std::string& capacity, const std::string& format = "raw") {
  return "<volume><name>" + name + "</name><capacity unit='bytes'>" + capacity +
         "</capacity><target><format type='" + format + "'/></target></volume>";
}

std::unique_ptr<NodeService> defaultNode() {
  auto n = openTestNode("test:///default");
  EXPECT_TRUE(n.ok());
  return std::move(n).value();
}

// A pool backend the test scripts: copies wait at a gate; a pool may claim
// to be still active after a daemon restart.
struct Script {
  std::mutex mu;
  std::condition_variable cv;
  bool copyStarted = false;
  bool stillActive = false;
  std::uint64_t resizedTo = 0;
};

class FakeBackend final : public storage::PoolBackend {
 public:
  explicit FakeBackend(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  Status build(const conf::PoolDef&, const PoolBuildOptions&) override { return okStatus(); }
  Status start(const conf::PoolDef&) override { return okStatus(); }
  Status stop(const conf::PoolDef&) override { return okStatus(); }
  bool isActive(const conf::PoolDef&) override { return s_->stillActive; }
  Status remove(const conf::PoolDef&) override { return okStatus(); }
  Result<storage::PoolContents> refresh(const conf::PoolDef&) override {
    storage::PoolContents c;
    c.capacity = 1 << 30;
    c.available = 1 << 30;
    std::lock_guard lk(mu_);
    for (const auto& [n, v] : vols_) c.volumes.push_back(v);
    return c;
  }
  Result<conf::VolumeDef> createVolume(const conf::PoolDef& p, const conf::VolumeDef& v,
                                       const VolumeCreateOptions&) override {
    conf::VolumeDef out = v;
    out.path = out.key = p.target.path + "/" + v.name;
    out.type = "file";
    out.allocation = 0;
    std::lock_guard lk(mu_);
    vols_[v.name] = out;
    return out;
  }
  Result<conf::VolumeDef> createVolumeFrom(const conf::PoolDef& p, const conf::VolumeDef& v,
                                           const storage::VolumeTarget&, const VolumeCreateOptions& o,
                                           drivers::JobMonitor* job) override {
    JobInfo progress;
    progress.dataTotal = 100;
    progress.dataProcessed = 40;
    progress.dataRemaining = 60;
    job->update(progress);
    {  // after the update: the test reads the progress as soon as it sees this
      std::lock_guard lk(s_->mu);
      s_->copyStarted = true;
      s_->cv.notify_all();
    }
    // Runs until cancelled (or 10 s: then the test fails on its own).
    if (!job->waitForCancel(10s)) return createVolume(p, v, o);
    return Error(ErrorCode::Cancelled, "operation aborted: volume copy canceled by client");
  }
  Status deleteVolume(const conf::PoolDef&, const conf::VolumeDef& v) override {
    std::lock_guard lk(mu_);
    vols_.erase(v.name);
    return okStatus();
  }
  Status wipeVolume(const conf::PoolDef&, const conf::VolumeDef&, const VolumeWipeOptions&,
                    drivers::JobMonitor*) override {
    return okStatus();
  }
  Status resizeVolume(const conf::PoolDef&, const conf::VolumeDef& v, std::uint64_t capacity,
                      const VolumeResizeOptions&) override {
    s_->resizedTo = capacity;
    std::lock_guard lk(mu_);
    vols_[v.name].capacity = capacity;
    return okStatus();
  }
  Result<storage::VolumeTarget> target(const conf::PoolDef& p, const conf::VolumeDef& v) override {
    storage::VolumeTarget t;
    t.path = p.target.path + "/" + v.name;
    t.format = v.format.empty() ? "raw" : v.format;
    return t;
  }

 private:
  std::shared_ptr<Script> s_;
  std::mutex mu_;
  std::map<std::string, conf::VolumeDef> vols_;
};

std::unique_ptr<Node> nodeWith(const std::shared_ptr<Script>& s, const std::string& root = "") {
  NodeConfig cfg;
  cfg.root = root;
  cfg.defineDefaultNetwork = false;
  cfg.defineDefaultPool = false;
  auto n = Node::open(cfg, drivers::makeTestDriver(), nullptr, [s](conf::PoolType) {
    return Result<std::unique_ptr<storage::PoolBackend>>(std::make_unique<FakeBackend>(s));
  });
  EXPECT_TRUE(n.ok()) << n.error().describe();
  return std::move(n).value();
}

}  // namespace

TEST(NodeStorage, TestDefaultHasLibvirtsDefaultPool) {
  auto node = defaultNode();
  auto pools = node->listPools();
  ASSERT_TRUE(pools.ok());
  ASSERT_EQ(pools->size(), 1u);
  const auto& p = pools->front();
  EXPECT_EQ(p.name, "default-pool");
  EXPECT_EQ(p.uuid, "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
  EXPECT_EQ(p.state, "running");
  EXPECT_EQ(p.capacity, 100ULL << 30);
  EXPECT_EQ(p.available, 100ULL << 30);
  EXPECT_EQ(p.targetPath, "/default-pool");
  EXPECT_TRUE(node->listVolumes("default-pool")->empty());
}

TEST(NodeStorage, VolumesCountAgainstTheSimulatedPool) {
  auto node = defaultNode();
  auto v = node->createVolume("default-pool", volXml("v1", "1073741824"), "v1.xml", {});
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(v->path, "/default-pool/v1");
  EXPECT_EQ(v->key, "/default-pool/v1");
  EXPECT_EQ(v->allocation, 1ULL << 30);
  auto p = node->lookupPool("default-pool");
  EXPECT_EQ(p->allocation, 1ULL << 30);
  EXPECT_EQ(p->available, 99ULL << 30);
  // By path and key without a pool, as vol-info /path does.
  auto byPath = node->lookupVolume("", "/default-pool/v1");
  ASSERT_TRUE(byPath.ok());
  EXPECT_EQ(byPath->pool, "default-pool");
  auto dup = node->createVolume("default-pool", volXml("v1", "1024"), "v1.xml", {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, "operation failed: storage vol already exists");
  auto missing = node->lookupVolume("default-pool", "nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NoStorageVolume);
  EXPECT_EQ(node->lookupVolume("", "nosuch").error().message,
            "Storage volume not found: no storage vol with matching path 'nosuch'");
  // The test driver cannot resize, wipe or stream, as libvirt's.
  EXPECT_EQ(node->resizeVolume("default-pool", "v1", 2ULL << 30, {}).error().message,
            "this function is not supported by the connection driver: virStorageVolResize");
  ASSERT_TRUE(node->deleteVolume("default-pool", "v1").ok());
  EXPECT_EQ(node->lookupPool("default-pool")->allocation, 0u);
}

TEST(NodeStorage, PoolStatesAndLibvirtsWords) {
  auto node = defaultNode();
  auto dupName = node->definePool(poolXml("default-pool", "/x"), "p.xml");
  ASSERT_FALSE(dupName.ok());
  EXPECT_EQ(dupName.error().message,
            "operation failed: pool 'default-pool' already exists with uuid dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
  auto sameTarget = node->definePool(poolXml("other", "/default-pool"), "p.xml");
  ASSERT_FALSE(sameTarget.ok());
  EXPECT_NE(sameTarget.error().message.find("Storage source conflict with pool: 'default-pool'"), std::string::npos);
  EXPECT_EQ(node->startPool("default-pool", {}).error().message,
            "Requested operation is not valid: storage pool 'default-pool' is active");
  EXPECT_EQ(node->undefinePool("default-pool").error().message,
            "Requested operation is not valid: storage pool 'default-pool' is active");

  ASSERT_TRUE(node->definePool(poolXml("q", "/q"), "q.xml").ok());
  EXPECT_EQ(node->lookupPool("q")->state, "inactive");
  EXPECT_EQ(node->destroyPool("q").error().message, "Requested operation is not valid: storage pool 'q' is not active");
  EXPECT_EQ(node->createVolume("q", volXml("v", "1024"), "v.xml", {}).error().message,
            "Requested operation is not valid: storage pool 'q' is not active");
  EXPECT_EQ(node->listVolumes("q").error().message, "Requested operation is not valid: storage pool is not active");
  ASSERT_TRUE(node->startPool("q", {}).ok());
  ASSERT_TRUE(node->destroyPool("q").ok());
  ASSERT_TRUE(node->undefinePool("q").ok());
  auto gone = node->lookupPool("q");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message, "Storage pool not found: no storage pool with matching name 'q'");

  // pool-create: transient, gone once destroyed.
  auto t = node->createPool(poolXml("t", "/t"), "t.xml", {});
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->pool.persistent);
  EXPECT_EQ(node->setPoolAutostart("t", true).error().message,
            "Requested operation is not valid: cannot set autostart for transient pool");
  ASSERT_TRUE(node->destroyPool("t").ok());
  EXPECT_FALSE(node->lookupPool("t").ok());
}

TEST(NodeStorage, DefinitionsPersistAndTheDefaultPoolComesOnce) {
  TempRoot root;
  {
    NodeConfig cfg;
    cfg.root = root.str();
    cfg.defineDefaultNetwork = false;
    auto n = Node::open(cfg, drivers::makeTestDriver());
    ASSERT_TRUE(n.ok()) << n.error().describe();
    auto d = (*n)->lookupPool("default");
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->autostart);
    EXPECT_EQ(d->targetPath, root.str() + "/var/lib/stratus/images");
    ASSERT_TRUE((*n)->definePool(poolXml("keep", root.str() + "/keep"), "keep.xml").ok());
    ASSERT_TRUE((*n)->setPoolAutostart("keep", true).ok());
    // Gone for good once the user removes it: it is only made on a first start.
    ASSERT_TRUE((*n)->destroyPool("default").ok());
    ASSERT_TRUE((*n)->undefinePool("default").ok());
  }
  EXPECT_TRUE(fs::exists(root.str() + "/etc/stratus/storage/keep.xml"));
  EXPECT_TRUE(fs::is_symlink(root.str() + "/etc/stratus/storage/autostart/keep.xml"));
  NodeConfig cfg;
  cfg.root = root.str();
  cfg.defineDefaultNetwork = false;
  auto n = Node::open(cfg, drivers::makeTestDriver());
  ASSERT_TRUE(n.ok());
  auto keep = (*n)->lookupPool("keep");
  ASSERT_TRUE(keep.ok());
  EXPECT_TRUE(keep->autostart);
  EXPECT_TRUE(keep->active);  // autostarted
  EXPECT_FALSE((*n)->lookupPool("default").ok());
}

TEST(NodeStorage, ActivePoolsSurviveARestartWhenStillThere) {
  TempRoot root;
  auto s = std::make_shared<Script>();
  {
    auto node = nodeWith(s, root.str());
    ASSERT_TRUE(node->definePool(poolXml("p", "/p"), "p.xml").ok());
    ASSERT_TRUE(node->startPool("p", {}).ok());
    ASSERT_TRUE(node->createVolume("p", volXml("v", "4096"), "v.xml", {}).ok());
  }
  s->stillActive = true;
  {
    auto node = nodeWith(s, root.str());
    EXPECT_TRUE(node->lookupPool("p")->active);
  }
  s->stillActive = false;
  auto node = nodeWith(s, root.str());
  EXPECT_FALSE(node->lookupPool("p")->active);
  EXPECT_FALSE(fs::exists(root.str() + "/run/stratus/storage/p.xml"));
}

TEST(NodeStorage, ACopyIsAJobThatCanBeCancelled) {
  auto s = std::make_shared<Script>();
  auto node = nodeWith(s);
  ASSERT_TRUE(node->definePool(poolXml("p", "/p"), "p.xml").ok());
  ASSERT_TRUE(node->startPool("p", {}).ok());
  ASSERT_TRUE(node->createVolume("p", volXml("src", "4096"), "src.xml", {}).ok());
  auto copy = std::async(std::launch::async, [&] {
    return node->createVolumeFrom("p", volXml("dst", "0", "qcow2"), "dst.xml", "p", "src", {});
  });
  {
    std::unique_lock lk(s->mu);
    ASSERT_TRUE(s->cv.wait_for(lk, 10s, [&] { return s->copyStarted; }));
  }
  auto j = node->volumeJobInfo("p", "dst");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->type, "unbounded");
  EXPECT_EQ(j->dataProcessed, 40u);
  // The copy's name is taken and its source cannot go meanwhile.
  EXPECT_FALSE(node->createVolume("p", volXml("dst", "1"), "x.xml", {}).ok());
  auto del = node->deleteVolume("p", "src");
  ASSERT_FALSE(del.ok());
  EXPECT_NE(del.error().message.find("still in use"), std::string::npos);
  EXPECT_EQ(node->destroyPool("p").error().message,
            "Requested operation is not valid: pool 'p' has asynchronous jobs running.");
  ASSERT_TRUE(node->abortVolumeJob("p", "dst").ok());
  auto r = copy.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_FALSE(node->lookupVolume("p", "dst").ok());
  EXPECT_EQ(node->volumeJobInfo("p", "src")->type, "none");
  EXPECT_TRUE(node->deleteVolume("p", "src").ok());
}

TEST(NodeStorage, ResizeFollowsVirshsFlags) {
  auto s = std::make_shared<Script>();
  auto node = nodeWith(s);
  ASSERT_TRUE(node->definePool(poolXml("p", "/p"), "p.xml").ok());
  ASSERT_TRUE(node->startPool("p", {}).ok());
  ASSERT_TRUE(node->createVolume("p", volXml("v", "1000"), "v.xml", {}).ok());
  auto smaller = node->resizeVolume("p", "v", 500, {});
  ASSERT_FALSE(smaller.ok());
  EXPECT_NE(smaller.error().message.find("unless shrink flag explicitly specified"), std::string::npos);
  VolumeResizeOptions delta;
  delta.delta = true;
  ASSERT_TRUE(node->resizeVolume("p", "v", 24, delta).ok());
  EXPECT_EQ(s->resizedTo, 1024u);
  EXPECT_EQ(node->lookupVolume("p", "v")->capacity, 1024u);
  VolumeResizeOptions shrink;
  shrink.shrink = true;
  ASSERT_TRUE(node->resizeVolume("p", "v", 512, shrink).ok());
  EXPECT_EQ(s->resizedTo, 512u);
}

TEST(NodeStorage, VolumeDisksResolveAtStart) {
  auto node = defaultNode();
  std::string dom =
      "<domain type='test'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
      "<devices><disk type='volume' device='disk'><source pool='default-pool' volume='root'/>"
      "<target dev='vda' bus='virtio'/></disk></devices></domain>";
  ASSERT_TRUE(node->defineDomain(dom, "vm.xml").ok());
  auto noVol = node->startDomain("vm", {});
  ASSERT_FALSE(noVol.ok());
  EXPECT_EQ(noVol.error().code, ErrorCode::NoStorageVolume);
  EXPECT_NE(noVol.error().message.find("'root' in pool 'default-pool'"), std::string::npos) << noVol.error().message;
  ASSERT_TRUE(node->createVolume("default-pool", volXml("root", "1048576"), "root.xml", {}).ok());
  ASSERT_TRUE(node->startDomain("vm", {}).ok());
  auto live = node->domainXml("vm", {});
  ASSERT_TRUE(live.ok());
  EXPECT_NE(live->find("<source pool='default-pool' volume='root'/>"), std::string::npos) << *live;
  ASSERT_TRUE(node->destroyDomain("vm", {}).ok());
  ASSERT_TRUE(node->destroyPool("default-pool").ok());
  auto inactive = node->startDomain("vm", {});
  ASSERT_FALSE(inactive.ok());
  EXPECT_EQ(inactive.error().message,
            "Requested operation is not valid: storage pool 'default-pool' containing volume 'root' is not active");
}
