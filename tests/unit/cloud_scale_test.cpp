// What the scale path (1,000 simulated nodes, 10,000 instances) relies on:
// every distinct simulated node URI is a host of its own that lives on;
// the slot search finds the first free slot from its hint and never hands
// out a held one; what each node holds is kept right through placements and
// releases (and computed by the migration for an older database); the
// health check's compare-and-set leaves a terminated instance Destroyed;
// quota sums and look-ups read their indexes.
#include <gtest/gtest.h>

#include "temp_root.h"

#include "cloud/cloud_store.h"
#include "cloud/simulated_nodes.h"
#include "cloud/sqlite_db.h"

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

TEST(CloudScale, QuotaSumsAndLookupsReadTheirIndexes) {
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
  // The same text as placeInstance's quota query.
  EXPECT_NE(plan("SELECT COUNT(*), COALESCE(SUM(vcpus), 0), COALESCE(SUM(memory_mib), 0) FROM instances "
                 "WHERE owner_id = 1 AND state NOT IN ('Destroyed', 'Corrupted')")
                .find("instances_live_owner"),
            std::string::npos);
  EXPECT_NE(plan("SELECT ip FROM nic_leases WHERE instance_id = 1").find("nic_leases_instance"), std::string::npos);
  EXPECT_NE(plan("SELECT id FROM instances WHERE destroy_after IS NOT NULL AND destroy_after <= 5")
                .find("instances_destroy_after"),
            std::string::npos);
}

namespace {

// used_vcpus / used_memory_mib of every node against the sums of its live instances.
void expectNodeUseIsTheSum(CloudStore& store) {
  std::int64_t rows = 0;
  ASSERT_TRUE(store.db()
                  .query("SELECT n.uri, n.used_vcpus, n.used_memory_mib, "
                         "(SELECT COALESCE(SUM(vcpus), 0) FROM instances i WHERE i.node_id = n.id AND "
                         "i.state NOT IN ('Destroyed', 'Corrupted')), "
                         "(SELECT COALESCE(SUM(memory_mib), 0) FROM instances i WHERE i.node_id = n.id AND "
                         "i.state NOT IN ('Destroyed', 'Corrupted')) FROM nodes n",
                         {},
                         [&](const SqlRow& r) {
                           ++rows;
                           EXPECT_EQ(r.integer(1), r.integer(3)) << r.text(0);
                           EXPECT_EQ(r.integer(2), r.integer(4)) << r.text(0);
                           return true;
                         })
                  .ok());
  EXPECT_GT(rows, 0);
}

}  // namespace

TEST(CloudScale, EachNodeKnowsWhatItHolds) {
  Cloud c;
  VmmNode small;
  small.uri = "test:///default?node=2";
  small.memoryMiB = 256;
  small.vcpus = 4;
  ASSERT_TRUE(c.store->addNode(small).ok());
  InstanceRequest r;
  r.ownerId = c.alice.id;
  r.image = "img";
  r.memoryMiB = 128;
  // Greedy fill: the small node first (least memory left), until it is full.
  std::vector<Instance> placed;
  for (int i = 0; i < 4; ++i) placed.push_back(*c.store->placeInstance(r, PlacementStrategy::GreedyFill, {}, 0));
  EXPECT_EQ(placed[0].nodeUri, small.uri);
  EXPECT_EQ(placed[1].nodeUri, small.uri);
  EXPECT_EQ(placed[2].nodeUri, "test:///default?node=1");
  expectNodeUseIsTheSum(*c.store);
  ASSERT_TRUE(c.store->releaseInstance(placed[0].handle).ok());
  ASSERT_TRUE(c.store->releaseInstance(placed[0].handle).ok());  // twice: given back once
  ASSERT_TRUE(c.store->releaseInstance(placed[2].handle, "Corrupted").ok());
  expectNodeUseIsTheSum(*c.store);
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {}, 0)->nodeUri, small.uri);
  r.memoryMiB = 200;  // fits only the big node now
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {}, 0)->nodeUri, "test:///default?node=1");
  // Round robin walks the nodes with room in id order, after the last one
  // used (node 1, just now): the small one has room again once one of its
  // two instances is gone.
  ASSERT_TRUE(c.store->releaseInstance(placed[1].handle).ok());
  r.memoryMiB = 1;
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::RoundRobin, {}, 0)->nodeUri, small.uri);
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::RoundRobin, {}, 0)->nodeUri, "test:///default?node=1");
  EXPECT_EQ(c.store->placeInstance(r, PlacementStrategy::RoundRobin, {}, 0)->nodeUri, small.uri);
  expectNodeUseIsTheSum(*c.store);
  // A network the node does not serve, one whose name LIKE would take for
  // another (case, wildcards): no node.
  r.networks = {"b_g"};
  EXPECT_FALSE(c.store->placeInstance(r, PlacementStrategy::GreedyFill, {bigPool(1)}, 0).ok());
}

TEST(CloudScale, TheMigrationCountsWhatNodesAlreadyHold) {
  stratus::testing::TempRoot root;
  std::string path = root.str() + "/cloud.db";
  {
    auto db = std::move(SqliteDb::open(path)).value();
    ASSERT_TRUE(db->migrate({cloudSchema()[0], cloudSchema()[1]}).ok());
    ASSERT_TRUE(db->exec("INSERT INTO users (id, name, access_key, secret_key, client_token, max_instances, max_vcpus, "
                         "max_memory_mib, max_storage_mib, max_hours, created) VALUES (1, 'a', 'k', 's', 't', 9, 9, 9, 9, 9, 0)")
                    .ok());
    ASSERT_TRUE(db->exec("INSERT INTO nodes (id, uri, memory_mib, vcpus) VALUES (1, 'n1', 4096, 8), (2, 'n2', 4096, 8)").ok());
    ASSERT_TRUE(db->exec("INSERT INTO instances (handle, owner_id, image, node_id, domain, vcpus, memory_mib, state, hours, "
                         "started, terminates, created) VALUES "
                         "('a', 1, 'i', 1, 'a', 2, 512, 'Running', 1, 0, 0, 0), "
                         "('b', 1, 'i', 1, 'b', 1, 256, 'Unknown', 1, 0, 0, 0), "
                         "('c', 1, 'i', 1, 'c', 4, 1024, 'Destroyed', 1, 0, 0, 0), "
                         "('d', 1, 'i', 2, 'd', 4, 1024, 'Corrupted', 1, 0, 0, 0)")
                    .ok());
  }
  auto store = CloudStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  expectNodeUseIsTheSum(**store);
  std::int64_t used = 0;
  ASSERT_TRUE((*store)->db().query("SELECT used_memory_mib FROM nodes WHERE id = 1", {}, [&](const SqlRow& r) {
    used = r.integer(0);
    return false;
  }).ok());
  EXPECT_EQ(used, 768);
}
