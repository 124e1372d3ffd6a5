// The service node's store: users get unique keys and survive a reopen,
// names are checked, nodes register once and cannot go while they hold
// instances. On SQLite and on PostgreSQL (cloud_test_db.h).
#include <gtest/gtest.h>

#include <set>

#include "cloud/cloud_store.h"
#include "cloud_test_db.h"

using namespace stratus;
using namespace stratus::cloud;

class CloudStoreDb : public stratus::testing::CloudDbTest {};
STRATUS_DB_ENGINES(CloudStoreDb);

TEST_P(CloudStoreDb, UsersGetFreshKeysAndSurviveAReopen) {
  std::string path = url();
  std::string token;
  {
    auto store = CloudStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    auto alice = (*store)->addUser("alice");
    ASSERT_TRUE(alice.ok()) << alice.error().describe();
    EXPECT_EQ(alice->accessKey.size(), 20u);
    EXPECT_EQ(alice->accessKey.substr(0, 4), "AKST");
    EXPECT_EQ(alice->secretKey.size(), 40u);
    EXPECT_EQ(alice->clientToken.size(), 64u);
    auto bob = (*store)->addUser("bob@lab");
    ASSERT_TRUE(bob.ok());
    EXPECT_NE(alice->accessKey, bob->accessKey);
    EXPECT_NE(alice->secretKey, bob->secretKey);
    token = bob->clientToken;
    auto again = (*store)->addUser("alice");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message, "operation failed: user 'alice' already exists");
    auto bad = (*store)->addUser("no spaces");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  }
  auto store = CloudStore::open(path);
  ASSERT_TRUE(store.ok());
  auto users = (*store)->listUsers();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "alice");
  EXPECT_EQ((*store)->userByToken(token)->name, "bob@lab");
  EXPECT_EQ((*store)->userByToken("nope").error().code, ErrorCode::AuthFailed);
  ASSERT_TRUE((*store)->setUserDisabled("alice", true).ok());
  EXPECT_TRUE((*store)->user("alice")->disabled);
  EXPECT_FALSE((*store)->setUserDisabled("carol", true).ok());
}

TEST_P(CloudStoreDb, NodesRegisterOnceAndKeepTheirInstances) {
  auto store = CloudStore::open(url());
  ASSERT_TRUE(store.ok());
  auto& s = **store;
  VmmNode n;
  n.uri = "qemu+tcp://10.0.0.2/system";
  n.memoryMiB = 4096;
  n.vcpus = 4;
  n.networks = {"public", "private"};
  auto added = s.addNode(n);
  ASSERT_TRUE(added.ok()) << added.error().describe();
  EXPECT_FALSE(s.addNode(n).ok());
  VmmNode zero = n;
  zero.uri = "test:///default";
  zero.memoryMiB = 0;
  EXPECT_EQ(s.addNode(zero).error().message,
            "invalid argument: node 'test:///default' needs --memory and --vcpus greater than 0");
  auto back = s.node(n.uri);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->networks, (std::vector<std::string>{"public", "private"}));
  EXPECT_EQ(back->state, VmmNode::State::Up);
  ASSERT_TRUE(s.setNodeState(n.uri, VmmNode::State::Down, "connection refused").ok());
  EXPECT_EQ(s.node(n.uri)->lastError, "connection refused");
  // An instance placed on it keeps it registered.
  auto u = s.addUser("alice");
  ASSERT_TRUE(s.db().exec("INSERT INTO instances (handle, owner_id, image, node_id, domain, vcpus, memory_mib, state, "
                          "hours, started, terminates, created) VALUES ('vm-1', ?, 'img', ?, 'd', 1, 64, 'Running', 1, "
                          "0, 3600, 0)",
                          {u->id, added->id})
                  .ok());
  auto rm = s.removeNode(n.uri);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().message,
            "Requested operation is not valid: node 'qemu+tcp://10.0.0.2/system' still has 1 instance(s); disable it "
            "first");
  ASSERT_TRUE(s.db().exec("DELETE FROM instances").ok());
  EXPECT_TRUE(s.removeNode(n.uri).ok());
  EXPECT_TRUE(s.listNodes()->empty());
}
