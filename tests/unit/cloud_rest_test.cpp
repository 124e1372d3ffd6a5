// The service's REST routes, dispatched directly (the HTTP transport is the
// API server's, tested with it): token authentication, run / list /
// describe / lease / terminate, image upload and removal, errors as the
// node API shapes them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cloud/rest_api.h"
#include "simulated_cloud.h"

using namespace stratus;
using namespace stratus::cloud;
using Json = nlohmann::json;

namespace {

class CloudRest : public stratus::testing::SimulatedCloudTest {
 protected:
  void SetUp() override {
    startCloud("none\npub1 10.0.10.2 none none none\n", 1024, 4);
    if (HasFatalFailure()) return;
    router = makeCloudRouter(*service, *store, *images, [] { return std::int64_t{1700000000}; });
  }

  api::Response call(const std::string& method, const std::string& path, const User* as, std::string body = "") {
    api::Request req;
    req.method = method;
    req.path = path;
    req.body = std::move(body);
    if (as) req.headers["authorization"] = "Bearer " + as->clientToken;
    return router.dispatch(req);
  }
  static Json json(const api::Response& r) { return Json::parse(r.body); }

  api::Router router;
};

}  // namespace

TEST_F(CloudRest, EveryRouteWantsAValidToken) {
  auto r = call("GET", "/v1/instances", nullptr);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json(r)["error"]["message"], "authentication failed: no client token (Authorization: Bearer TOKEN)");
  User fake = alice;
  fake.clientToken = "0000";
  EXPECT_EQ(call("GET", "/v1/images", &fake).status, 401);
  ASSERT_TRUE(store->setUserDisabled("bob", true).ok());
  EXPECT_EQ(call("GET", "/v1/info", &bob).status, 401);
  auto info = call("GET", "/v1/info", &alice);
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(json(info)["networks"][0]["name"], "pub");
}

TEST_F(CloudRest, UploadRunDescribeExtendTerminate) {
  // cloud-client --transfer
  auto up = call("PUT", "/v1/images/tiny", &alice, std::string(1024, 'x'));
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(json(up)["format"], "raw");
  EXPECT_EQ(json(call("GET", "/v1/images", &alice)).size(), 1u);
  EXPECT_EQ(json(call("GET", "/v1/images", &bob)).size(), 0u);  // not bob's

  auto run = call("POST", "/v1/instances", &alice,
                  R"({"image": "tiny", "hours": 0.5, "networks": ["pub"], "memory_mib": 128, "client_token": "t1"})");
  ASSERT_EQ(run.status, 201) << run.body;
  Json i = json(run)[0];
  EXPECT_EQ(i["state"], "Running");
  EXPECT_EQ(i["ip"], "10.0.10.2");
  EXPECT_EQ(i["hostname"], "pub1");
  EXPECT_EQ(i["node"], "test:///default");
  EXPECT_EQ(i["name"], "tiny");
  EXPECT_EQ(i["start"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(i["termination"], "2023-11-14T22:43:20Z");
  std::string handle = i["handle"];
  // A retry with the same client token is the same instance.
  auto again = call("POST", "/v1/instances", &alice, R"({"image": "tiny", "hours": 0.5, "networks": ["pub"], "client_token": "t1"})");
  EXPECT_EQ(json(again)[0]["handle"], handle);
  // The only slot is taken.
  auto full = call("POST", "/v1/instances", &alice, R"({"image": "tiny", "networks": ["pub"]})");
  EXPECT_EQ(full.status, 500);
  EXPECT_EQ(json(full)["error"]["message"], "operation failed: network pool 'pub' has no free slot");

  EXPECT_EQ(json(call("GET", "/v1/instances", &alice)).size(), 1u);
  EXPECT_EQ(call("GET", "/v1/instances/" + handle, &bob).status, 404);  // bob cannot see it
  auto lease = call("POST", "/v1/instances/" + handle + "/lease", &alice, R"({"hours": 2})");
  ASSERT_EQ(lease.status, 200) << lease.body;
  EXPECT_EQ(json(lease)["termination"], "2023-11-15T00:13:20Z");
  EXPECT_EQ(call("DELETE", "/v1/instances/" + handle, &bob).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/instances/" + handle, &alice).status, 204);
  EXPECT_EQ(json(call("GET", "/v1/instances", &alice)).size(), 0u);
  EXPECT_EQ(json(call("GET", "/v1/instances/" + handle, &alice))["state"], "Cancelled");  // Nimbus's word
  EXPECT_EQ(call("DELETE", "/v1/images/tiny", &alice).status, 204);
}

TEST_F(CloudRest, BadRequestsSayWhat) {
  auto r = call("POST", "/v1/instances", &alice, "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json(r)["error"]["message"].get<std::string>().find("malformed JSON request"), std::string::npos);
  EXPECT_EQ(json(call("POST", "/v1/instances", &alice, "{}"))["error"]["message"], "invalid argument: 'image' is required");
  EXPECT_EQ(json(call("POST", "/v1/instances", &alice, R"({"image": "nope"})"))["error"]["message"], "no image named 'nope'");
  EXPECT_EQ(call("PUT", "/v1/images/..", &alice, "x").status, 400);
  EXPECT_EQ(call("GET", "/v1/nothing", &alice).status, 404);
}
