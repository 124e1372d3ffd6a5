// What the scale path (1,000 simulated nodes, 10,000 instances) relies on:
// every distinct simulated node URI is a host of its own that lives on;
// the slot search finds the first free slot from its hint and never hands
// out a held one; the health check's compare-and-set leaves a terminated
// instance Destroyed; placement's sums read the partial indexes.
#include <gtest/gtest.h>

#include "cloud/cloud_store.h"
#include "cloud/simulated_nodes.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

NetworkPool bigPool(int slots) {
  std::string text = "none\n";
  for (int i = 0; i < slots; ++i)
    text += "h" + std::to_string(i) + " 10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2) +
            " none none none\n";
  return *parseNetworkPool(text, "big", "big");
}

struct Cloud {
  std::unique_ptr<CloudStore> store = std::move(CloudStore::open(":memory:")).value();
  User alice;
  Cloud() {
    Quotas q;
    q.instances = q.vcpus = 1000;
    q.memoryMiB = 1000 * 64;
    alice = *store->addUser("alice", q);
    VmmNode n;
    n.uri = "test:///default?node=1";
    n.memoryMiB = 1 << 20;
    n.vcpus = 1000;
    n.networks = {"big"};
    EXPECT_TRUE(store->addNode(n).ok());
  }
  Result<Instance> run(const NetworkPool& pool) {
    InstanceRequest r;
    r.ownerId = alice.id;
    r.image = "img";
    r.memoryMiB = 64;
    r.networks = {"big"};
    return store->placeInstance(r, PlacementStrategy::GreedyFill, {pool}, 1000);
  }
};

}  // namespace

TEST(SimulatedNodes, EachUriIsAHostOfItsOwnAndStays) {
  SimulatedNodes nodes;
  auto a = nodes.get("test:///default?node=0001");
  auto b = nodes.get("test:///default?node=0002");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ(nodes.get("test:///default?node=0001")->get(), a->get());
  // A guest defined on one is not on the other.
  auto before = (*b)->listDomains();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE((*a)->defineDomain("<domain type='test'><name>only-on-a</name><memory unit='MiB'>64</memory>"
                                 "<vcpu>1</vcpu><os><type>hvm</type></os></domain>",
                                 "test")
                  .ok());
  auto onA = (*a)->listDomains();
  ASSERT_TRUE(onA.ok());
  EXPECT_EQ(onA->size(), before->size() + 1);
  EXPECT_EQ((*b)->listDomains()->size(), before->size());
  EXPECT_EQ(nodes.size(), 2u);

  EXPECT_EQ(simulatedBase("test:///default?node=x.y_z-1").value(), "test:///default");
  EXPECT_EQ(simulatedBase("test:///srv/n.xml?node=7").value(), "test:///srv/n.xml");
  EXPECT_EQ(simulatedBase("test:///default").value(), "test:///default");
  auto bad = nodes.get("test:///default?node=a/b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "simulated node URI 'test:///default?node=a/b': the node name must be 1-64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(nodes.get("test:///default?host=1").error().message,
            "simulated node URI 'test:///default?host=1': the only parameter is ?node=NAME");
  EXPECT_FALSE(nodes.get("test:///default?node=").ok());
  EXPECT_EQ(nodes.size(), 2u);
}

TEST(CloudScale, SlotsComeInOrderFromTheHintAndFreedOnesFirst) {
  Cloud c;
  NetworkPool pool = bigPool(100);  // more than one probe batch
  std::vector<Instance> held;
  for (int i = 0; i < 70; ++i) {
    auto r = c.run(pool);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    ASSERT_EQ(r->nics[0].ip, pool.slots[static_cast<std::size_t>(i)].ip);
    held.push_back(*r);
  }
  ASSERT_TRUE(c.store->releaseInstance(held[50].handle).ok());
  ASSERT_TRUE(c.store->releaseInstance(held[10].handle).ok());
  EXPECT_EQ(c.run(pool)->nics[0].ip, pool.slots[10].ip);
  EXPECT_EQ(c.run(pool)->nics[0].ip, pool.slots[50].ip);
  EXPECT_EQ(c.run(pool)->nics[0].ip, pool.slots[70].ip);
  // A second store on the same database (another process) has no hint of
  // its own: it still never takes a held slot.
  for (int i = 71; i < 100; ++i) ASSERT_EQ(c.run(pool)->nics[0].ip, pool.slots[static_cast<std::size_t>(i)].ip);
  auto full = c.run(pool);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().message, "operation failed: network pool 'big' has no free slot");
  ASSERT_TRUE(c.store->releaseInstance(held[69].handle).ok());
  EXPECT_EQ(c.run(pool)->nics[0].ip, pool.slots[69].ip);  // found by wrapping round
}

TEST(CloudScale, TheHealthCheckDoesNotBringATerminatedInstanceBack) {
  Cloud c;
  auto a = c.run(bigPool(4));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(c.store->setInstanceState(a->handle, "Running").ok());
  EXPECT_TRUE(*c.store->changeInstanceState(a->handle, "Running", "Unknown"));
  EXPECT_EQ(c.store->instance(a->handle)->state, "Unknown");
  ASSERT_TRUE(c.store->releaseInstance(a->handle).ok());
  // What the check saw (Unknown) is no longer so: nothing changes.
  EXPECT_FALSE(*c.store->changeInstanceState(a->handle, "Unknown", "Running"));
  EXPECT_EQ(c.store->instance(a->handle)->state, "Destroyed");
}

TEST(CloudScale, PlacementSumsReadThePartialIndexes) {
  Cloud c;
  std::vector<std::string> plans;
  auto plan = [&](const std::string& sql) {
    std::string out;
    EXPECT_TRUE(c.store->db()
                    .query("EXPLAIN QUERY PLAN " + sql, {},
                           [&](const SqlRow& r) {
                             out += r.text(3) + "\n";
                             return true;
                           })
                    .ok());
    return out;
  };
  // The same text as placeInstance's queries.
  EXPECT_NE(plan("SELECT node_id, SUM(vcpus), SUM(memory_mib) FROM instances WHERE state NOT IN ('Destroyed', "
                 "'Corrupted') AND node_id IS NOT NULL GROUP BY node_id")
                .find("instances_live_node"),
            std::string::npos);
  EXPECT_NE(plan("SELECT COUNT(*), COALESCE(SUM(vcpus), 0), COALESCE(SUM(memory_mib), 0) FROM instances "
                 "WHERE owner_id = 1 AND state NOT IN ('Destroyed', 'Corrupted')")
                .find("instances_live_owner"),
            std::string::npos);
  EXPECT_NE(plan("SELECT ip FROM nic_leases WHERE instance_id = 1").find("nic_leases_instance"), std::string::npos);
  EXPECT_NE(plan("SELECT id FROM instances WHERE destroy_after IS NOT NULL AND destroy_after <= 5")
                .find("instances_destroy_after"),
            std::string::npos);
}
