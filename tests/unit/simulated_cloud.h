// One cloud service with one simulated node (test:///default: guests,
// networks and its `default` pool simulated), users alice and bob, and the
// service's own image repository under the test's root: the set-up the REST
// routes' tests and the EC2 server's tests share.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "cloud/cloud_service.h"
#include "cloud/image_repository.h"
#include "cloud/node_links.h"
#include "daemon/node.h"
#include "drivers/test/test_driver.h"
#include "temp_root.h"

namespace stratus::testing {

class SimulatedCloudTest : public ::testing::Test {
 protected:
  // `slots`: the network pool `pub`'s slot lines (Nimbus's format, DNS
  // line first); the node has `memoryMiB` and `vcpus` for guests.
  void startCloud(const std::string& slots, std::int64_t memoryMiB, std::int64_t vcpus) {
    std::filesystem::create_directories(root.str() + "/pools");
    std::ofstream(root.str() + "/pools/pub") << slots;
    store = std::move(cloud::CloudStore::open(":memory:")).value();
    alice = *store->addUser("alice");
    bob = *store->addUser("bob");
    images = std::make_unique<cloud::ImageRepository>(*store, root.str() + "/images");
    daemon::NodeConfig cfg;
    cfg.uri = "test:///default";
    cfg.defineDefaultNetwork = false;
    cfg.defineDefaultPool = false;
    node = std::move(daemon::Node::open(cfg, drivers::makeTestDriver())).value();
    ASSERT_TRUE(node->defineNetwork("<network><name>pub</name><ip address='10.0.10.1' netmask='255.255.255.0'/></network>",
                                    "n.xml")
                    .ok());
    ASSERT_TRUE(node->startNetwork("pub").ok());
    ASSERT_TRUE(node->definePool("<pool type='dir'><name>default</name><target><path>/i</path></target></pool>", "p").ok());
    ASSERT_TRUE(node->startPool("default", {}).ok());
    links = std::make_unique<cloud::NodeLinks>(
        [this](const std::string&) -> Result<std::shared_ptr<daemon::NodeService>> { return std::shared_ptr<daemon::NodeService>(node); });
    cloud::ServiceOptions o;
    o.poolsDir = root.str() + "/pools";
    service = std::make_unique<cloud::CloudService>(*store, *images, *links, o);
    ASSERT_TRUE(service->loadPools().ok());
    cloud::VmmNode n;
    n.uri = "test:///default";
    n.memoryMiB = memoryMiB;
    n.vcpus = vcpus;
    n.networks = {"pub"};
    ASSERT_TRUE(store->addNode(n).ok());
  }

  TempRoot root;
  std::unique_ptr<cloud::CloudStore> store;
  cloud::User alice, bob;
  std::unique_ptr<cloud::ImageRepository> images;
  std::shared_ptr<daemon::Node> node;
  std::unique_ptr<cloud::NodeLinks> links;
  std::unique_ptr<cloud::CloudService> service;
};

}  // namespace stratus::testing
