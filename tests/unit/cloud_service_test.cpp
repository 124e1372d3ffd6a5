// The service on two in-process simulated nodes: an instance runs with the
// image's bytes as its disk, its slot's MAC and a DHCP host entry on the
// node's network; terminate clears the node; a lease ends in a shutdown and,
// after the grace period, a destroy; a node that cannot start the guest
// leaves nothing behind and frees the slot.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cloud/cloud_service.h"
#include "cloud/s3/s3_store.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"
#include "storage/command.h"
#include "storage/pool_backend.h"
#include "storage/qemu_img.h"
#include "temp_root.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

// Simulated guests and networks, but a real directory pool (under `dir`):
// the image's bytes really land in the instance's volume.
std::shared_ptr<daemon::Node> simulatedNode(const std::string& dir) {
  daemon::NodeConfig cfg;
  cfg.uri = "test:///default";
  cfg.defineDefaultNetwork = false;
  cfg.defineDefaultPool = false;
  std::shared_ptr<daemon::Node> n =
      std::move(daemon::Node::open(cfg, drivers::makeTestDriver(), nullptr,
                                   [dir](conf::PoolType t) { return storage::makeHostPoolBackend(t, dir + "/run"); }))
          .value();
  EXPECT_TRUE(n->defineNetwork("<network><name>pub</name><bridge name='virbr9'/><ip address='10.0.10.1' "
                               "netmask='255.255.255.0'><dhcp><range start='10.0.10.100' end='10.0.10.200'/></dhcp>"
                               "</ip></network>",
                               "pub.xml")
                  .ok());
  EXPECT_TRUE(n->startNetwork("pub").ok());
  std::filesystem::create_directories(dir + "/images");
  EXPECT_TRUE(
      n->definePool("<pool type='dir'><name>default</name><target><path>" + dir + "/images</path></target></pool>", "p.xml")
          .ok());
  EXPECT_TRUE(n->startPool("default", {}).ok());
  return n;
}

class CloudServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(root.str() + "/pools");
    std::ofstream(root.str() + "/pools/pub") << "10.0.10.1\npub1 10.0.10.2 10.0.10.1 10.0.10.255 255.255.255.0\n"
                                                "pub2 10.0.10.3 10.0.10.1 10.0.10.255 255.255.255.0\n";
    store = std::move(CloudStore::open(":memory:")).value();
    alice = *store->addUser("alice");
    images = std::make_unique<ImageRepository>(*store, root.str() + "/images");
    std::string file = root.str() + "/tiny.img";
    std::ofstream(file) << std::string(4096, 'x');
    ASSERT_TRUE(images->add(0, "tiny", file).ok());
    nodeA = simulatedNode(root.str() + "/nodeA");
    links = std::make_unique<NodeLinks>([this](const std::string& uri) -> Result<std::shared_ptr<daemon::NodeService>> {
      if (uri == "sim://a" && !nodeAGone) return std::shared_ptr<daemon::NodeService>(nodeA);
      return Error(ErrorCode::ConnectFailed, "cannot connect to " + uri);
    });
    ServiceOptions o;
    o.poolsDir = root.str() + "/pools";
    o.graceSeconds = 600;
    service = std::make_unique<CloudService>(*store, *images, *links, o);
    ASSERT_TRUE(service->loadPools().ok());
    VmmNode n;
    n.uri = "sim://a";
    n.memoryMiB = 4096;
    n.vcpus = 4;
    n.networks = {"pub"};
    ASSERT_TRUE(store->addNode(n).ok());
  }

  InstanceRequest request(double hours = 1) {
    InstanceRequest r;
    r.image = "tiny";
    r.memoryMiB = 128;
    r.hours = hours;
    r.networks = {"pub"};
    return r;
  }

  stratus::testing::TempRoot root;
  std::unique_ptr<CloudStore> store;
  User alice;
  std::unique_ptr<ImageRepository> images;
  std::shared_ptr<daemon::Node> nodeA;
  bool nodeAGone = false;
  std::unique_ptr<NodeLinks> links;
  std::unique_ptr<CloudService> service;
};

}  // namespace

TEST_F(CloudServiceTest, AnInstanceRunsWithItsSlotAndGoesCleanly) {
  auto i = service->run(alice, request(), 1000);
  ASSERT_TRUE(i.ok()) << i.error().describe();
  EXPECT_EQ(i->state, "Running");
  ASSERT_EQ(i->nics.size(), 1u);
  EXPECT_EQ(i->nics[0].ip, "10.0.10.2");
  EXPECT_EQ(i->nics[0].gateway, "10.0.10.1");
  EXPECT_EQ(i->nics[0].dns, "10.0.10.1");
  // On the node: the guest runs with the slot's MAC, its disk holds the image.
  auto dom = nodeA->domainInfo(i->domain);
  ASSERT_TRUE(dom.ok());
  EXPECT_EQ(dom->summary.state, conf::DomainState::Running);
  auto xml = nodeA->domainXml(i->domain, {});
  EXPECT_NE(xml->find(i->nics[0].mac), std::string::npos);
  auto vol = nodeA->lookupVolume("default", i->handle + ".raw");
  ASSERT_TRUE(vol.ok()) << vol.error().describe();
  std::ifstream disk(vol->path);
  std::string bytes((std::istreambuf_iterator<char>(disk)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, std::string(4096, 'x'));
  auto net = nodeA->networkXml("pub", {});
  EXPECT_NE(net->find("<host mac='" + i->nics[0].mac + "' name='pub1' ip='10.0.10.2'/>"), std::string::npos) << *net;
  EXPECT_EQ(store->instance(i->handle)->state, "Running");

  ASSERT_TRUE(service->terminate(alice, i->handle).ok());
  EXPECT_FALSE(nodeA->lookupDomain(i->domain).ok());
  EXPECT_FALSE(nodeA->lookupVolume("default", i->handle + ".raw").ok());
  EXPECT_EQ(nodeA->networkXml("pub", {})->find("ip='10.0.10.2'"), std::string::npos);
  EXPECT_EQ(store->instance(i->handle)->state, "Destroyed");
  EXPECT_FALSE(service->terminate(alice, i->handle).ok());
  // The slot is free again.
  EXPECT_EQ(service->run(alice, request(), 1000)->nics[0].ip, "10.0.10.2");
}

TEST_F(CloudServiceTest, SaveCopiesTheStoppedDiskIntoANewImageAndTerminates) {
  auto i = service->run(alice, request(), 1000);
  ASSERT_TRUE(i.ok()) << i.error().describe();
  // What the guest wrote to its disk is what the new image holds.
  auto vol = nodeA->lookupVolume("default", i->handle + ".raw");
  ASSERT_TRUE(vol.ok());
  std::ofstream(vol->path, std::ios::in | std::ios::out | std::ios::binary) << "written by the guest";
  auto img = service->save(alice, i->handle, "mine");
  ASSERT_TRUE(img.ok()) << img.error().describe();
  EXPECT_EQ(img->name, "mine");
  EXPECT_EQ(img->ownerId, alice.id);
  EXPECT_EQ(img->format, "raw");
  std::ifstream in(img->path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, "written by the guest" + std::string(4096 - 20, 'x'));
  EXPECT_EQ(images->find(alice.id, "mine")->path, img->path);
  // Terminated: guest, disk and DHCP entry gone from the node, the slot free.
  EXPECT_EQ(store->instance(i->handle)->state, "Destroyed");
  EXPECT_FALSE(nodeA->lookupDomain(i->domain).ok());
  EXPECT_TRUE(nodeA->listVolumes("default")->empty());
  EXPECT_EQ(service->run(alice, request(), 1000)->nics[0].ip, "10.0.10.2");
  // Without --newname: IMAGE-HANDLE.
  auto j = service->run(alice, request(), 1000);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(service->save(alice, j->handle, "")->name, "tiny-" + j->handle);
}

TEST_F(CloudServiceTest, AFailedSaveLeavesTheInstanceRunningAndNoPartialImage) {
  auto i = service->run(alice, request(), 1000);
  ASSERT_TRUE(i.ok());
  std::string file = root.str() + "/other.img";
  std::ofstream(file) << std::string(512, 'y');
  ASSERT_TRUE(images->add(alice.id, "taken", file).ok());
  auto img = service->save(alice, i->handle, "taken");
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.error().code, ErrorCode::DomainExists) << img.error().describe();
  EXPECT_EQ(store->instance(i->handle)->state, "Running");
  EXPECT_EQ(nodeA->domainInfo(i->domain)->summary.state, conf::DomainState::Running);
  // The node lost the disk: save says so and creates nothing.
  ASSERT_TRUE(nodeA->destroyDomain(i->domain, {}).ok());
  ASSERT_TRUE(nodeA->deleteVolume("default", i->handle + ".raw").ok());
  auto bad = service->save(alice, i->handle, "fresh");
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(images->find(alice.id, "fresh").ok());
  for (const auto& e : std::filesystem::recursive_directory_iterator(root.str() + "/images"))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_EQ(service->save(alice, "vm-nope", "x").error().code, ErrorCode::NoDomain);
}

TEST_F(CloudServiceTest, AnImageWhoseObjectWasDeletedDoesNotBoot) {
  s3::S3Store objects(store->db());
  auto file = objects.deleteObject(s3::kCommonBucket, "tiny");
  ASSERT_TRUE(file.ok() && *file);
  auto i = service->run(alice, request(), 1000);
  ASSERT_FALSE(i.ok());
  EXPECT_EQ(i.error().message,
            "operation invalid: image 'tiny' cannot boot: its object 'tiny' was deleted from bucket 'common'");
  EXPECT_TRUE(store->listInstances(alice.id, true)->empty()) << "nothing placed";
}

TEST_F(CloudServiceTest, Qcow2ImagesGoToANodeOnceAndInstancesGetClones) {
  if (::system("command -v qemu-img >/dev/null") != 0) GTEST_SKIP() << "qemu-img is not installed";
  std::string raw = root.str() + "/data.raw", qcow = root.str() + "/deb.qcow2";
  std::ofstream(raw) << std::string(1 << 20, 'd');
  ASSERT_TRUE(storage::runCommand({"qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow}).ok());
  auto deb = images->add(0, "deb", qcow);
  ASSERT_TRUE(deb.ok()) << deb.error().describe();
  std::string base = "image-" + std::to_string(deb->id) + ".qcow2";
  auto backingOf = [](const std::string& path) {
    auto out = storage::runCommand({"qemu-img", "info", "--output=json", path});
    return out ? storage::parseImageInfoJson(out->out, path)->backingFile : std::string("?");
  };
  // A base a killed service left half-copied is made again.
  ASSERT_TRUE(nodeA->createVolume("default", "<volume><name>" + base + "</name><capacity>1048576</capacity>"
                                  "<target><format type='qcow2'/></target></volume>", "x.xml", {}).ok());
  auto r = request();
  r.image = "deb";
  auto a = service->run(alice, r, 1000);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  auto inode = [&] {
    struct stat st {};
    return ::stat(nodeA->lookupVolume("default", base)->path.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  auto first = inode();
  ASSERT_NE(first, 0u);
  auto b = service->run(alice, r, 1000);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  auto baseVol = nodeA->lookupVolume("default", base);
  ASSERT_TRUE(baseVol.ok());
  EXPECT_EQ(static_cast<std::int64_t>(baseVol->physical), deb->sizeBytes);
  EXPECT_EQ(inode(), first) << "the second launch made the base again";
  for (const auto& i : {*a, *b}) {
    auto v = nodeA->lookupVolume("default", i.handle + ".qcow2");
    ASSERT_TRUE(v.ok()) << i.handle;
    EXPECT_EQ(backingOf(v->path), baseVol->path);
    EXPECT_LT(v->physical, baseVol->physical);  // a clone, not a copy
  }
  std::ifstream in(baseVol->path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ifstream orig(qcow, std::ios::binary);
  EXPECT_TRUE(bytes == std::string((std::istreambuf_iterator<char>(orig)), std::istreambuf_iterator<char>()));
  // The base goes with the last clone.
  ASSERT_TRUE(service->terminate(alice, a->handle).ok());
  EXPECT_TRUE(nodeA->lookupVolume("default", base).ok());
  // Saved, a clone comes back flattened: standalone, the image's content.
  auto saved = service->save(alice, b->handle, "deb-saved");
  ASSERT_TRUE(saved.ok()) << saved.error().describe();
  EXPECT_EQ(saved->format, "qcow2");
  EXPECT_EQ(backingOf(saved->path), "");
  EXPECT_TRUE(storage::runCommand({"qemu-img", "compare", "-q", saved->path, qcow}).ok());
  EXPECT_FALSE(nodeA->lookupVolume("default", base).ok());
  EXPECT_TRUE(nodeA->listVolumes("default")->empty()) << nodeA->listVolumes("default")->front().name;
}

TEST_F(CloudServiceTest, LeasesEndInShutdownThenDestroy) {
  auto i = service->run(alice, request(0.01), 1000);  // 36 s
  ASSERT_TRUE(i.ok()) << i.error().describe();
  EXPECT_TRUE(service->tick(1035).empty());
  EXPECT_EQ(service->tick(1036), (std::vector<std::string>{"shutdown " + i->handle}));
  // The simulated guest powers off at once; the definition stays until destroyed.
  EXPECT_EQ(nodeA->domainInfo(i->domain)->summary.state, conf::DomainState::Shutoff);
  EXPECT_EQ(store->instance(i->handle)->destroyAfter, 1036 + 600);
  EXPECT_TRUE(service->tick(1600).empty());
  EXPECT_EQ(service->tick(1636), (std::vector<std::string>{"destroy " + i->handle}));
  EXPECT_FALSE(nodeA->lookupDomain(i->domain).ok());
  EXPECT_EQ(store->instance(i->handle)->state, "Destroyed");
}

TEST_F(CloudServiceTest, ExtendMovesTheLeaseEnd) {
  auto i = service->run(alice, request(0.01), 1000);
  ASSERT_TRUE(service->extend(alice, i->handle, 2, 1010).ok());
  EXPECT_TRUE(service->tick(1036).empty());
  EXPECT_EQ(store->instance(i->handle)->terminates, 1010 + 7200);
  EXPECT_EQ(service->extend(alice, i->handle, 0, 1010).error().code, ErrorCode::InvalidArgument);
}

TEST_F(CloudServiceTest, AFailedStartLeavesNothingAndFreesTheSlot) {
  ASSERT_TRUE(nodeA->destroyNetwork("pub").ok());  // the node cannot add the DHCP entry
  auto i = service->run(alice, request(), 1000);
  ASSERT_FALSE(i.ok());
  EXPECT_NE(i.error().message.find("network 'pub'"), std::string::npos) << i.error().message;
  auto all = store->listInstances(alice.id, true);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().state, "Corrupted");
  EXPECT_TRUE(nodeA->listVolumes("default")->empty());
  ASSERT_TRUE(nodeA->startNetwork("pub").ok());
  EXPECT_EQ(service->run(alice, request(), 1000)->nics[0].ip, "10.0.10.2");
  auto other = request();
  other.image = "nope";
  EXPECT_EQ(service->run(alice, other, 1000).error().message, "no image named 'nope'");
}

TEST_F(CloudServiceTest, ANodeThatStopsAnsweringIsDownAndItsInstancesUnknown) {
  auto i = service->run(alice, request(), 1000);
  ASSERT_TRUE(i.ok());
  service->checkNodes(1001);
  EXPECT_EQ(store->node("sim://a")->state, VmmNode::State::Up);
  links->forget("sim://a");
  nodeAGone = true;
  service->checkNodes(1002);
  EXPECT_EQ(store->node("sim://a")->state, VmmNode::State::Down);
  EXPECT_EQ(store->node("sim://a")->lastError, "cannot connect to sim://a");
  EXPECT_EQ(store->instance(i->handle)->state, "Unknown");
  // Nothing new goes to a node that is down.
  EXPECT_FALSE(service->run(alice, request(), 1003).ok());
  nodeAGone = false;
  ASSERT_TRUE(nodeA->suspendDomain(i->domain).ok());
  service->checkNodes(1004);
  EXPECT_EQ(store->node("sim://a")->state, VmmNode::State::Up);
  EXPECT_EQ(store->instance(i->handle)->state, "Paused");
}
