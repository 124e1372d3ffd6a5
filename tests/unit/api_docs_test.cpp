// docs/api.md against the server: every route documented, every documented
// route served, every documented type's fields exactly what we encode.
#include <gtest/gtest.h>

#include "api/http.h"
#include "api/json_migration.h"
#include "api/json_types.h"
#include "api_docs.h"
#include "api_fake_node.h"

using namespace stratus;
using nlohmann::json;

TEST(ApiDocs, RouteTableMatchesServer) {
  auto docs = apitest::loadApiDocs();
  ASSERT_FALSE(docs.routes.empty()) << "no routes parsed from " << apitest::apiDocsPath();
  apitest::FakeNode node;
  api::ServerStats stats;
  auto router = api::makeRouter(node, stats);
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& r : router.routes()) served.insert({r.method, r.pattern});
  for (const auto& r : served)
    EXPECT_TRUE(docs.routes.count(r)) << r.first << " " << r.second << " is served but not in docs/api.md";
  for (const auto& r : docs.routes)
    EXPECT_TRUE(served.count(r)) << r.first << " " << r.second << " is documented but not served";
}

TEST(ApiDocs, ResponseTypesAreDocumented) {
  auto docs = apitest::loadApiDocs();
  for (const auto& [route, type] : docs.responseType)
    EXPECT_TRUE(docs.types.count(type)) << route.second << " answers undocumented type " << type;
}

TEST(ApiDocs, TypeFieldsMatchEncoders) {
  auto docs = apitest::loadApiDocs();
  auto expectFields = [&](const std::string& type, const json& j) {
    ASSERT_TRUE(docs.types.count(type)) << type << " not documented";
    EXPECT_EQ(apitest::keysOf(j), docs.types[type]) << "fields of " << type;
  };
  expectFields("DomainSummary", json(daemon::DomainSummary{}));
  expectFields("DomainInfo", json(daemon::DomainInfo{}));
  expectFields("NodeInfo", json(daemon::NodeInfo{}));
  expectFields("VersionInfo", json(daemon::VersionInfo{}));
  daemon::DefineResult dr;
  expectFields("DefineResult", json(dr));
  expectFields("Warning", json(conf::Warning{}));
  expectFields("DomainEvent", json(daemon::DomainEvent{}));
  expectFields("StartOptions", json(daemon::StartOptions{}));
  expectFields("ShutdownOptions", json(daemon::ShutdownOptions{}));
  expectFields("DestroyOptions", json(daemon::DestroyOptions{}));
  expectFields("SaveOptions", json(daemon::SaveOptions{}));
  json save = daemon::SaveOptions{};
  save["file"] = "x";
  expectFields("SaveBody", save);
  expectFields("JobInfo", json(daemon::JobInfo{}));
  expectFields("Error", api::errorToJson(Error(ErrorCode::NoDomain, "x")));
  expectFields("NetworkSummary", json(daemon::NetworkSummary{}));
  expectFields("NetworkDefineResult", json(daemon::NetworkDefineResult{}));
  expectFields("DhcpLease", json(daemon::DhcpLease{}));
  expectFields("NetworkPort", json(daemon::NetworkPort{}));
  json update = daemon::NetworkUpdate{};
  update.update(json(daemon::ModifyScope{}));
  expectFields("NetworkUpdateBody", update);
  expectFields("NetworkList", json{{"networks", json::array()}});
  expectFields("DhcpLeaseList", json{{"leases", json::array()}});
  expectFields("NetworkPortList", json{{"ports", json::array()}});
  // Migration (routes_domain_migration.cpp).
  daemon::MigrateOptions mo;
  expectFields("MigrateOptions", json(mo));
  expectFields("MigrationBeginBody", json{{"options", mo}});
  expectFields("MigrationBegin", json(daemon::MigrationBegin{}));
  expectFields("MigrationDisk", json(daemon::MigrationDisk{}));
  expectFields("MigrationPrepareBody", json{{"begin", daemon::MigrationBegin{}}, {"options", mo}});
  expectFields("PreparedMigration", json(daemon::PreparedMigration{}));
  expectFields("MigrationPerformBody", json{{"prepared", daemon::PreparedMigration{}}, {"options", mo}});
  expectFields("MigrationOutcome", json(daemon::MigrationOutcome{}));
  expectFields("MigrationEndBody", json{{"ok", true}, {"options", mo}});
  expectFields("MigrationP2pBody", json{{"dest_uri", ""}, {"options", mo}});
  expectFields("MaxDowntime", json{{"ms", 0}});
  expectFields("MigrationSpeed", json{{"mib_per_second", 0}});
}
