// RunInstances through the whole EC2 Query server in process: signed
// requests (Signature Version 4, made here with the library's pieces) go to
// Ec2Server::handle, which runs instances on a simulated node (the test
// driver). What is checked is what a client token binds: a retry with the
// same parameters answers the same reservation, a retry with other ones is
// IdempotentParameterMismatch and launches nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"
#include "cloud/ec2/ec2_errors.h"
#include "cloud/ec2/ec2_server.h"
#include "cloud/ec2/ec2_store.h"
#include "cloud_test_db.h"
#include "simulated_cloud.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

constexpr std::int64_t kNow = 1700000000;  // 2023-11-14

class Ec2Run : public stratus::testing::SimulatedCloudTest {
 protected:
  void SetUp() override {
    startCloud("none\npub1 10.0.10.2 none none none\npub2 10.0.10.3 none none none\npub3 10.0.10.4 none none none\n",
               65536, 64);
    if (HasFatalFailure()) return;
    std::ofstream(root.str() + "/disk.img") << std::string(4096, 'x');
    auto tiny = images->add(alice.id, "tiny", root.str() + "/disk.img");
    auto other = images->add(alice.id, "other", root.str() + "/disk.img");
    ASSERT_TRUE(tiny && other);
    tinyId = ami(tiny->id);
    otherId = ami(other->id);
    ec2::Ec2Options eo;
    eo.flavoursFile = root.str() + "/no-flavours";
    eo.clock = [] { return kNow; };
    server = std::make_unique<ec2::Ec2Server>(*service, *store, *images, eo);
  }

  static std::string ami(std::int64_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "ami-%08llx", static_cast<unsigned long long>(id));
    return buf;
  }

  // A form-encoded POST of Action=... signed as `u` (Signature Version 4, service ec2).
  api::Response call(const User& u, const std::string& action, const std::vector<std::string>& params) {
    std::string body = "Action=" + action + "&Version=2016-11-15";
    for (const auto& p : params) {
      auto eq = p.find('=');
      body += "&" + aws::uriEncode(p.substr(0, eq), true) + "=" + aws::uriEncode(p.substr(eq + 1), true);
    }
    api::Request r;
    r.method = "POST";
    r.target = "/";
    r.body = body;
    r.headers = {{"host", "127.0.0.1:8444"},
                 {"content-type", "application/x-www-form-urlencoded"},
                 {"x-amz-date", aws::formatAmzDate(kNow)}};
    std::vector<std::string> names = {"content-type", "host", "x-amz-date"};
    aws::SignedRequest sr{r.method, r.target, r.headers};
    std::string scope = "20231114/stratus-1/ec2/aws4_request";
    auto canonical = aws::canonicalRequestV4(sr, names, aws::toHex(aws::sha256(body)), false, false);
    EXPECT_TRUE(canonical.ok());
    std::string key = aws::signingKeyV4(u.secretKey, "20231114", "stratus-1", "ec2");
    std::string sig = aws::toHex(aws::hmacSha256(key, aws::stringToSignV4(r.headers["x-amz-date"], scope, *canonical)));
    r.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + u.accessKey + "/" + scope +
                                 ", SignedHeaders=content-type;host;x-amz-date, Signature=" + sig;
    return server->handle(r);
  }
  static std::string value(const std::string& xml, const std::string& tag) {
    auto a = xml.find("<" + tag + ">");
    if (a == std::string::npos) return "";
    a += tag.size() + 2;
    return xml.substr(a, xml.find("</" + tag + ">", a) - a);
  }
  static int count(const std::string& xml, const std::string& what) {
    int n = 0;
    for (auto p = xml.find(what); p != std::string::npos; p = xml.find(what, p + 1)) ++n;
    return n;
  }
  std::size_t instancesOf(const User& u) { return service->list(u)->size(); }

  std::string tinyId, otherId;
  std::unique_ptr<ec2::Ec2Server> server;
};

}  // namespace

TEST_F(Ec2Run, ClientTokenWithOtherParametersIsIdempotentParameterMismatch) {
  const std::vector<std::string> first = {"ImageId=" + tinyId, "MinCount=1", "MaxCount=2", "ClientToken=tok-1",
                                          "TagSpecification.1.ResourceType=instance",
                                          "TagSpecification.1.Tag.1.Key=team", "TagSpecification.1.Tag.1.Value=blue",
                                          "TagSpecification.1.Tag.2.Key=env", "TagSpecification.1.Tag.2.Value=dev"};
  auto run = call(alice, "RunInstances", first);
  ASSERT_EQ(run.status, 200) << run.body;
  std::string reservation = value(run.body, "reservationId");
  ASSERT_EQ(count(run.body, "<instanceId>"), 2) << run.body;
  ASSERT_EQ(instancesOf(alice), 2u);

  // The same parameters (InstanceType's default spelled out, the tags in
  // another order, a zone named: where, not what): the same reservation.
  auto same = call(alice, "RunInstances",
                   {"ImageId=" + tinyId, "MinCount=1", "MaxCount=2", "ClientToken=tok-1", "InstanceType=m1.small",
                    "Placement.AvailabilityZone=stratus-1a", "TagSpecification.1.ResourceType=instance",
                    "TagSpecification.1.Tag.1.Key=env", "TagSpecification.1.Tag.1.Value=dev",
                    "TagSpecification.1.Tag.2.Key=team", "TagSpecification.1.Tag.2.Value=blue"});
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(value(same.body, "reservationId"), reservation);
  EXPECT_EQ(count(same.body, "<instanceId>"), 2);

  // Each changed parameter: 400, EC2's error document, nothing launched.
  auto with = [&](const std::string& param) {
    std::vector<std::string> p = first;
    auto eq = param.find('=');
    auto it = std::find_if(p.begin(), p.end(), [&](const std::string& s) { return s.rfind(param.substr(0, eq + 1), 0) == 0; });
    if (it == p.end()) p.push_back(param);
    else *it = param;
    return p;
  };
  for (const std::string& changed :
       {"ImageId=" + otherId, std::string("InstanceType=t2.micro"), std::string("MinCount=2"), std::string("MaxCount=3"),
        std::string("UserData=") + aws::base64Encode("#!/bin/sh\n"), std::string("TagSpecification.1.Tag.1.Value=red"),
        std::string("TagSpecification.1.Tag.3.Key=extra")}) {
    auto r = call(alice, "RunInstances", with(changed));
    EXPECT_EQ(r.status, 400) << changed << ": " << r.body;
    EXPECT_EQ(value(r.body, "Code"), "IdempotentParameterMismatch") << changed << ": " << r.body;
    EXPECT_FALSE(value(r.body, "RequestID").empty()) << r.body;
    EXPECT_NE(r.body.find("tok-1"), std::string::npos) << r.body;
  }
  EXPECT_EQ(instancesOf(alice), 2u);
  // A bad parameter is still that parameter's error, not a mismatch.
  EXPECT_EQ(value(call(alice, "RunInstances", with("InstanceType=no.such")).body, "Code"), "InvalidParameterValue");

  // The original request still answers its reservation.
  auto again = call(alice, "RunInstances", first);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(value(again.body, "reservationId"), reservation);
  EXPECT_EQ(instancesOf(alice), 2u);

  // Tokens are per user: bob's tok-1 is his own launch.
  std::ofstream(root.str() + "/bob.img") << std::string(4096, 'b');
  auto bobs = images->add(bob.id, "bobs", root.str() + "/bob.img");
  ASSERT_TRUE(bobs);
  auto b = call(bob, "RunInstances", {"ImageId=" + ami(bobs->id), "MinCount=1", "MaxCount=1", "ClientToken=tok-1"});
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_NE(value(b.body, "reservationId"), reservation);
}

TEST_F(Ec2Run, FailedLaunchLeavesTheTokenFree) {
  // The pool's three slots taken: a launch with a token fails before it
  // places anything, so the token stays free for other parameters.
  ASSERT_EQ(call(alice, "RunInstances", {"ImageId=" + tinyId, "MinCount=3", "MaxCount=3"}).status, 200);
  auto full = call(alice, "RunInstances", {"ImageId=" + tinyId, "MinCount=1", "MaxCount=1", "ClientToken=tok-2"});
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_EQ(value(full.body, "Code"), "InsufficientInstanceCapacity") << full.body;
  auto other = call(alice, "RunInstances",
                    {"ImageId=" + otherId, "MinCount=1", "MaxCount=1", "InstanceType=t2.micro", "ClientToken=tok-2"});
  EXPECT_EQ(value(other.body, "Code"), "InsufficientInstanceCapacity") << other.body;
  EXPECT_EQ(instancesOf(alice), 3u);
  ec2::Ec2Store s(store->db());
  EXPECT_EQ(s.claimClientToken(alice.id, "tok-2", "anything", kNow).value(), true);
  EXPECT_EQ(value(call(alice, "RunInstances", {"ImageId=" + tinyId, "MinCount=1", "MaxCount=1", "ClientToken=bad\x01"}).body,
                  "Code"),
            "InvalidParameterValue");
}

TEST_F(Ec2Run, RolledBackLaunchKeepsItsToken) {
  // Three of four placed, the fourth has no slot: the three are terminated
  // again, but they carry the token, so it stays bound to these parameters.
  auto four = call(alice, "RunInstances", {"ImageId=" + tinyId, "MinCount=4", "MaxCount=4", "ClientToken=tok-3"});
  EXPECT_EQ(value(four.body, "Code"), "InsufficientInstanceCapacity") << four.body;
  auto fewer = call(alice, "RunInstances", {"ImageId=" + tinyId, "MinCount=1", "MaxCount=1", "ClientToken=tok-3"});
  EXPECT_EQ(value(fewer.body, "Code"), "IdempotentParameterMismatch") << fewer.body;
}

// The claim on its own, on both database engines: one transaction
// decides, per user and token.
class Ec2TokenStore : public stratus::testing::CloudDbTest {};

TEST_P(Ec2TokenStore, ClaimsTokensOncePerUser) {
  auto store = CloudStore::open(url());
  ASSERT_TRUE(store) << store.error().describe();
  User alice = *(*store)->addUser("alice"), bob = *(*store)->addUser("bob");
  ec2::Ec2Store s((*store)->db());
  EXPECT_EQ(s.claimClientToken(alice.id, "t", "f1", kNow).value(), true);
  EXPECT_EQ(s.claimClientToken(alice.id, "t", "f1", kNow).value(), false);
  auto other = s.claimClientToken(alice.id, "t", "f2", kNow);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(ec2::ec2Code(other.error()), "IdempotentParameterMismatch");
  EXPECT_EQ(s.claimClientToken(bob.id, "t", "f2", kNow).value(), true);
  auto released = s.releaseClientToken(alice.id, "t");
  ASSERT_TRUE(released.ok()) << released.error().describe();
  EXPECT_EQ(s.claimClientToken(alice.id, "t", "f2", kNow).value(), true);
}

STRATUS_DB_ENGINES(Ec2TokenStore);
