// Placing instances: the scheduler's strategies, quotas, network slots
// leased and given back, idempotent client tokens, leases that end, and
// concurrent requests that never overcommit a node. On SQLite and on
// PostgreSQL (cloud_test_db.h).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "cloud/cloud_store.h"
#include "cloud/scheduler.h"
#include "cloud_test_db.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

NodeLoad load(std::int64_t id, std::int64_t mem, std::int64_t usedMem, std::vector<std::string> nets = {"pub"}) {
  NodeLoad l;
  l.node.id = id;
  l.node.uri = "n" + std::to_string(id);
  l.node.memoryMiB = mem;
  l.node.vcpus = 8;
  l.node.networks = std::move(nets);
  l.usedMemoryMiB = usedMem;
  return l;
}

InstanceRequest ask(std::int64_t mem, std::vector<std::string> nets = {"pub"}) {
  InstanceRequest r;
  r.ownerId = 1;
  r.image = "img";
  r.memoryMiB = mem;
  r.networks = std::move(nets);
  return r;
}

NetworkPool pool(const std::string& name, int slots, int base = 10) {
  std::string text = "none\n";
  for (int i = 0; i < slots; ++i)
    text += name + std::to_string(i) + " 10.0." + std::to_string(base) + "." + std::to_string(i + 2) + " none none none\n";
  return *parseNetworkPool(text, name, name);
}

struct Cloud {
  std::unique_ptr<CloudStore> store;
  User alice;
  explicit Cloud(const std::string& path) {
    store = std::move(CloudStore::open(path)).value();
    alice = *store->addUser("alice");
  }
  void node(const std::string& uri, std::int64_t mem, std::vector<std::string> nets = {"pub"}) {
    VmmNode n;
    n.uri = uri;
    n.memoryMiB = mem;
    n.vcpus = 64;
    n.networks = std::move(nets);
    ASSERT_TRUE(store->addNode(n).ok());
  }
  Result<Instance> run(std::int64_t mem, std::vector<std::string> nets = {"pub"}, const std::string& token = "",
                       PlacementStrategy s = PlacementStrategy::GreedyFill) {
    auto r = ask(mem, std::move(nets));
    r.ownerId = alice.id;
    r.clientToken = token;
    return store->placeInstance(r, s, {pool("pub", 3)}, 1000);
  }
};

class CloudPlacementDb : public stratus::testing::CloudDbTest {};
STRATUS_DB_ENGINES(CloudPlacementDb);

}  // namespace

TEST(Scheduler, GreedyFillPacksRoundRobinSpreads) {
  std::vector<NodeLoad> nodes = {load(1, 4096, 0), load(2, 4096, 3072), load(3, 4096, 3900)};
  EXPECT_EQ(chooseNode(nodes, ask(512), PlacementStrategy::GreedyFill, 0), 1u);  // 3 is too full
  EXPECT_EQ(chooseNode(nodes, ask(2048), PlacementStrategy::GreedyFill, 0), 0u);
  EXPECT_EQ(chooseNode(nodes, ask(64), PlacementStrategy::RoundRobin, 1), 1u);
  EXPECT_EQ(chooseNode(nodes, ask(64), PlacementStrategy::RoundRobin, 3), 0u);  // wraps
  EXPECT_EQ(chooseNode(nodes, ask(8192), PlacementStrategy::GreedyFill, 0), std::nullopt);
  nodes[1].node.state = VmmNode::State::Down;
  EXPECT_EQ(chooseNode(nodes, ask(512), PlacementStrategy::GreedyFill, 0), 0u);
  EXPECT_EQ(chooseNode(nodes, ask(64, {"priv"}), PlacementStrategy::GreedyFill, 0), std::nullopt);
}

TEST_P(CloudPlacementDb, SlotsAreLeasedInOrderAndComeBack) {
  Cloud c(url());
  c.node("n1", 4096);
  auto a = c.run(256);
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_EQ(a->nodeUri, "n1");
  EXPECT_EQ(a->state, "Unpropagated");
  EXPECT_EQ(a->terminates, 1000 + 3600);
  ASSERT_EQ(a->nics.size(), 1u);
  EXPECT_EQ(a->nics[0].ip, "10.0.10.2");
  EXPECT_EQ(a->nics[0].hostname, "pub0");
  EXPECT_EQ(a->nics[0].mac, slotMac("pub", "10.0.10.2"));
  auto b = c.run(256);
  EXPECT_EQ(b->nics[0].ip, "10.0.10.3");
  ASSERT_TRUE(c.store->releaseInstance(a->handle).ok());
  auto d = c.run(256);
  EXPECT_EQ(d->nics[0].ip, "10.0.10.2");  // a's slot is free again
  EXPECT_TRUE(c.run(256).ok());
  auto full = c.run(256);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().message, "operation failed: network pool 'pub' has no free slot");
  EXPECT_EQ(c.store->instance(a->handle)->state, "Destroyed");
  EXPECT_EQ(c.store->listInstances(c.alice.id)->size(), 3u);
  EXPECT_EQ(c.store->listInstances(0, true)->size(), 4u);
  EXPECT_EQ(c.store->instance(b->handle)->nics[0].ip, "10.0.10.3");
}

TEST_P(CloudPlacementDb, TheSameClientTokenGivesTheSameInstance) {
  Cloud c(url());
  c.node("n1", 4096);
  auto a = c.run(256, {"pub"}, "token-1");
  auto again = c.run(256, {"pub"}, "token-1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->handle, a->handle);
  EXPECT_EQ(c.store->listInstances(0)->size(), 1u);
  EXPECT_NE(c.run(256, {"pub"}, "token-2")->handle, a->handle);
}

TEST_P(CloudPlacementDb, AZoneAskedForLimitsPlacementToItsNodes) {
  Cloud c(url());
  c.node("big-a", 8192);
  c.node("small-b", 512);
  ASSERT_TRUE(c.store->db().exec("UPDATE nodes SET zone = 'stratus-1b' WHERE uri = 'small-b'").ok());
  auto r = ask(256);
  r.ownerId = c.alice.id;
  r.zone = "stratus-1b";
  auto first = c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 1000);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->nodeUri, "small-b");  // greedy-fill alone would pick it too: fill it
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 1000)->nodeUri, "small-b");
  auto full = c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 1000);
  ASSERT_FALSE(full.ok());  // big-a has room, but not in that zone
  EXPECT_EQ(full.error().message,
            "operation failed: no node has room for 1 vCPU(s) and 256 MiB on network 'pub' in zone 'stratus-1b'");
  r.zone.clear();
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 1000)->nodeUri, "big-a");
}

TEST_P(CloudPlacementDb, QuotasAndBadRequestsAreRefused) {
  Cloud c(url());
  c.node("n1", 16384);
  Quotas q;
  q.instances = 1;
  auto bob = c.store->addUser("bob", q);
  auto r = ask(256);
  r.ownerId = bob->id;
  ASSERT_TRUE(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 0).ok());
  auto second = c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 0);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "quota exceeded: user 'bob' would have 2 instances (at most 1)");
  EXPECT_EQ(c.run(256, {"nowhere"}).error().message, "no network pool named 'nowhere'");
  auto longLease = ask(256);
  longLease.ownerId = c.alice.id;
  longLease.hours = 10000;
  EXPECT_EQ(c.store->placeInstance(longLease, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 0).error().code,
            ErrorCode::InvalidArgument);
  ASSERT_TRUE(c.store->setUserDisabled("bob", true).ok());
  r.clientToken = "x";
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {pool("pub", 3)}, 0).error().code,
            ErrorCode::AuthFailed);
  EXPECT_EQ(c.run(20000).error().message, "operation failed: no node has room for 1 vCPU(s) and 20000 MiB on network 'pub'");
  EXPECT_EQ(c.run(1 << 21).error().message, "quota exceeded: user 'alice' would have 2097152 MiB of memory (at most 32768)");
}

TEST_P(CloudPlacementDb, LeasesEndThenTheGracePeriod) {
  Cloud c(url());
  c.node("n1", 4096);
  auto r = ask(256, {});
  r.ownerId = c.alice.id;
  r.hours = 0.01;  // 36 s
  auto a = c.store->placeInstance(r, PlacementStrategy::GreedyFill, {}, 1000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->terminates, 1036);
  EXPECT_TRUE(c.store->expiredLeases(1035)->empty());
  ASSERT_EQ(c.store->expiredLeases(1036)->size(), 1u);
  ASSERT_TRUE(c.store->setLease(a->handle, 1036, 1036 + 600).ok());
  EXPECT_TRUE(c.store->expiredLeases(2000)->empty());  // being shut down: not again
  EXPECT_TRUE(c.store->graceEnded(1635)->empty());
  ASSERT_EQ(c.store->graceEnded(1636)->size(), 1u);
  ASSERT_TRUE(c.store->releaseInstance(a->handle).ok());
  EXPECT_TRUE(c.store->graceEnded(9999)->empty());
}

TEST_P(CloudPlacementDb, ConcurrentRequestsNeverOvercommit) {
  Cloud c(url());
  c.node("n1", 512, {});
  c.node("n2", 512, {});
  // Four store objects, each its own connection (as four service threads
  // or processes sharing the database would have), 16 threads asking for
  // 128 MiB three times each: exactly 8 fit (below alice's quota of 16
  // instances: the nodes' room is what runs out), the other 40 are refused.
  std::vector<std::unique_ptr<CloudStore>> stores;
  for (int i = 0; i < 3; ++i) {
    auto s = CloudStore::open(url());
    ASSERT_TRUE(s.ok()) << s.error().describe();
    stores.push_back(std::move(*s));
  }
  std::atomic<int> ok{0}, refused{0}, failed{0};
  std::mutex mu;
  std::string firstFailure;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      CloudStore& s = t % 4 ? *stores[t % 4 - 1] : *c.store;
      for (int i = 0; i < 3; ++i) {
        InstanceRequest r = ask(128, {});
        r.ownerId = c.alice.id;
        auto placed = s.placeInstance(r, PlacementStrategy::RoundRobin, {}, 0);
        if (placed) {
          ++ok;
        } else if (placed.error().message.find("no node has room") != std::string::npos) {
          ++refused;
        } else {
          ++failed;
          std::lock_guard lk(mu);
          if (firstFailure.empty()) firstFailure = placed.error().describe();
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0) << firstFailure;
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(refused.load(), 40);
  std::map<std::string, std::int64_t> perNode;
  for (const auto& i : *c.store->listInstances(0)) perNode[i.nodeUri] += i.memoryMiB;
  EXPECT_EQ(perNode["n1"], 512);
  EXPECT_EQ(perNode["n2"], 512);
}
