// Wire types round trips, error mapping, target parsing, routing.
#include <gtest/gtest.h>

#include "api/http.h"
#include "api/json_types.h"
#include "api_fake_node.h"

using namespace stratus;
using nlohmann::json;

namespace {

template <class T>
T roundTrip(const T& v) {
  return json::parse(json(v).dump()).get<T>();
}

daemon::DomainSummary sampleSummary() {
  daemon::DomainSummary s;
  s.id = 42;
  s.name = "web ü \"1\"";
  s.uuid = "c7a5fdbd-edaf-9455-926a-d65c16db1809";
  s.state = conf::DomainState::Paused;
  s.reason = 1;
  s.persistent = false;
  s.autostart = true;
  s.managedSave = true;
  s.title = "t";
  return s;
}

void expectSame(const daemon::DomainSummary& a, const daemon::DomainSummary& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.uuid, b.uuid);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.persistent, b.persistent);
  EXPECT_EQ(a.autostart, b.autostart);
  EXPECT_EQ(a.managedSave, b.managedSave);
  EXPECT_EQ(a.title, b.title);
}

}  // namespace

TEST(ApiJson, SummaryRoundTripEveryState) {
  for (int s = 0; s <= 7; ++s) {
    auto v = sampleSummary();
    v.state = static_cast<conf::DomainState>(s);
    expectSame(v, roundTrip(v));
  }
  EXPECT_EQ(json(sampleSummary())["state"], "paused");
}

TEST(ApiJson, InfoRoundTrip) {
  daemon::DomainInfo i;
  i.summary = sampleSummary();
  i.osType = "hvm";
  i.maxMemKiB = 1ull << 40;
  i.usedMemKiB = 12345;
  i.vcpus = 64;
  i.cpuTimeNs = 9'000'000'000'000ull;
  i.securityModel = "selinux";
  i.securityDoi = "0";
  i.securityLabel = "system_u:system_r:svirt_t:s0:c1,c2 (enforcing)";
  auto r = roundTrip(i);
  expectSame(i.summary, r.summary);
  EXPECT_EQ(r.osType, i.osType);
  EXPECT_EQ(r.maxMemKiB, i.maxMemKiB);
  EXPECT_EQ(r.usedMemKiB, i.usedMemKiB);
  EXPECT_EQ(r.vcpus, i.vcpus);
  EXPECT_EQ(r.cpuTimeNs, i.cpuTimeNs);
  EXPECT_EQ(r.securityModel, i.securityModel);
  EXPECT_EQ(r.securityDoi, i.securityDoi);
  EXPECT_EQ(r.securityLabel, i.securityLabel);
}

TEST(ApiJson, HostTypesRoundTrip) {
  daemon::NodeInfo n{"x86_64", 16, 2400, 2, 1, 8, 2, 32ull << 20};
  auto r = roundTrip(n);
  EXPECT_EQ(r.model, n.model);
  EXPECT_EQ(r.cpus, n.cpus);
  EXPECT_EQ(r.mhz, n.mhz);
  EXPECT_EQ(r.nodes, n.nodes);
  EXPECT_EQ(r.sockets, n.sockets);
  EXPECT_EQ(r.cores, n.cores);
  EXPECT_EQ(r.threads, n.threads);
  EXPECT_EQ(r.memoryKiB, n.memoryKiB);
  daemon::VersionInfo v{"0.1.0", "QEMU", "7.2.0"};
  auto rv = roundTrip(v);
  EXPECT_EQ(rv.libraryVersion, v.libraryVersion);
  EXPECT_EQ(rv.hypervisorName, v.hypervisorName);
  EXPECT_EQ(rv.hypervisorVersion, v.hypervisorVersion);
}

TEST(ApiJson, DefineResultAndEventRoundTrip) {
  daemon::DefineResult d;
  d.domain = sampleSummary();
  d.warnings.push_back({"unknown element <x>", {"a.xml", 12, "domain/devices/x"}});
  auto r = roundTrip(d);
  expectSame(d.domain, r.domain);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].message, "unknown element <x>");
  EXPECT_EQ(r.warnings[0].where.file, "a.xml");
  EXPECT_EQ(r.warnings[0].where.line, 12);
  EXPECT_EQ(r.warnings[0].where.field, "domain/devices/x");

  daemon::DomainEvent e{"vm", "u", 5, 2, 99};
  auto re = roundTrip(e);
  EXPECT_EQ(re.domainName, "vm");
  EXPECT_EQ(re.domainUuid, "u");
  EXPECT_EQ(re.type, 5);
  EXPECT_EQ(re.detail, 2);
  EXPECT_EQ(re.seq, 99u);
}

TEST(ApiJson, OptionsRoundTrip) {
  daemon::StartOptions s{true, true, true, true};
  auto rs = roundTrip(s);
  EXPECT_TRUE(rs.paused && rs.autodestroy && rs.bypassCache && rs.forceBoot);
  EXPECT_EQ(roundTrip(daemon::ShutdownOptions{"acpi"}).mode, "acpi");
  EXPECT_TRUE(roundTrip(daemon::DestroyOptions{true}).graceful);
  auto sv = roundTrip(daemon::SaveOptions{true, false, true});
  EXPECT_TRUE(sv.running);
  EXPECT_FALSE(sv.paused);
  EXPECT_TRUE(sv.bypassCache);
  auto sc = roundTrip(daemon::ModifyScope{true, false});
  EXPECT_TRUE(sc.live);
  EXPECT_FALSE(sc.config);
  auto u = roundTrip(daemon::UndefineOptions{true, false, true, false});
  EXPECT_TRUE(u.managedSave && u.nvram);
  EXPECT_FALSE(u.removeAllStorage || u.keepNvram);
  auto x = roundTrip(daemon::XmlOptions{true, true});
  EXPECT_TRUE(x.inactive && x.securityInfo);
  // Missing fields take the defaults: an empty body is valid options.
  auto empty = json::object().get<daemon::StartOptions>();
  EXPECT_FALSE(empty.paused);
}

TEST(ApiJson, MalformedValuesAreInvalidArgument) {
  auto r = api::fromJson<daemon::StartOptions>(json{{"paused", "yes"}}, "request body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  auto p = api::parseJson("{nope", "body");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::InvalidArgument);
}

TEST(ApiJson, ErrorRoundTripKeepsCodeAndLocation) {
  for (int c = 0; c <= 19; ++c) {
    Error e(static_cast<ErrorCode>(c), "message " + std::to_string(c), ErrorLocation{"f.xml", c + 1, "domain/name"});
    auto r = api::errorFromJson(json::parse(api::errorToJson(e).dump()));
    EXPECT_EQ(r.code, e.code);
    EXPECT_EQ(r.message, e.message);
    ASSERT_TRUE(r.where.has_value());
    EXPECT_EQ(r.where->file, "f.xml");
    EXPECT_EQ(r.where->line, c + 1);
    EXPECT_EQ(r.where->field, "domain/name");
  }
  Error plain(ErrorCode::NoDomain, "gone");
  auto j = api::errorToJson(plain);
  EXPECT_EQ(j.dump(), R"({"error":{"code":"no-domain","message":"gone"}})");
  EXPECT_FALSE(api::errorFromJson(j).where.has_value());
  EXPECT_EQ(api::errorFromJson(json{{"x", 1}}).code, ErrorCode::InternalError);
}

TEST(ApiJson, HttpStatusMapping) {
  EXPECT_EQ(api::httpStatusFor(ErrorCode::NoDomain), 404);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::DomainExists), 409);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::OperationInvalid), 409);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::Busy), 409);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::XmlSyntax), 400);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::XmlInvalid), 400);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::InvalidArgument), 400);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::InternalError), 500);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::OperationFailed), 500);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::Unsupported), 501);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::AuthFailed), 401);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::Timeout), 504);
  for (int c = 1; c <= 19; ++c) EXPECT_GE(api::httpStatusFor(static_cast<ErrorCode>(c)), 400);
}

TEST(ApiHttp, PercentEncoding) {
  std::string raw = "a b/c?d&e=f%g+ü";
  auto enc = api::percentEncode(raw);
  EXPECT_EQ(enc.find_first_of(" /?&=%+"), enc.find('%'));  // only %XX escapes remain
  EXPECT_EQ(api::percentDecode(enc, false), raw);
  bool ok = true;
  api::percentDecode("%zz", false, &ok);
  EXPECT_FALSE(ok);
}

TEST(ApiHttp, ParseTarget) {
  std::string path;
  std::map<std::string, std::string> q;
  ASSERT_TRUE(api::parseTarget("/v1/domains/a%20b/xml?inactive&security_info=0&source=my+file.xml", path, q));
  EXPECT_EQ(path, "/v1/domains/a b/xml");
  EXPECT_EQ(q.at("inactive"), "");
  EXPECT_EQ(q.at("security_info"), "0");
  EXPECT_EQ(q.at("source"), "my file.xml");
  EXPECT_FALSE(api::parseTarget("/v1/domains/%G1", path, q));
}

TEST(ApiHttp, RouterMatchesAndRejects) {
  apitest::FakeNode node;
  api::ServerStats stats;
  auto router = api::makeRouter(node, stats);
  api::Request req;
  req.method = "GET";
  req.path = "/v1/domains/vm1";
  auto r = router.dispatch(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["name"], "vm1");

  api::Request flags;
  flags.method = "GET";
  flags.path = "/v1/domains/vm1/xml";
  flags.query = {{"inactive", ""}, {"security_info", "false"}};
  EXPECT_EQ(router.dispatch(flags).status, 200);
  EXPECT_EQ(node.lastCall(), "xml vm1 inactive=true sec=false");

  api::Request unknown;
  unknown.method = "GET";
  unknown.path = "/v1/nothing";
  auto u = router.dispatch(unknown);
  EXPECT_EQ(u.status, 404);
  EXPECT_EQ(json::parse(u.body)["error"]["code"], "unsupported");

  api::Request wrongMethod;
  wrongMethod.method = "PATCH";
  wrongMethod.path = "/v1/domains";
  EXPECT_EQ(router.dispatch(wrongMethod).status, 405);

  // A domain named "create" is still reachable by GET; POST hits the create route.
  api::Request create;
  create.method = "POST";
  create.path = "/v1/domains/create";
  create.body = "<domain/>";
  EXPECT_EQ(router.dispatch(create).status, 201);
  EXPECT_EQ(node.lastCall().rfind("create ", 0), 0u);

  api::Request badBody;
  badBody.method = "POST";
  badBody.path = "/v1/domains/vm1/actions/start";
  badBody.body = "[1,2]";
  auto b = router.dispatch(badBody);
  EXPECT_EQ(b.status, 400);
  EXPECT_EQ(json::parse(b.body)["error"]["code"], "invalid-argument");
}

TEST(ApiJson, FastDomainListMatchesNlohmann) {
  std::vector<daemon::DomainSummary> list;
  for (int i = 0; i < 20; ++i) {
    auto s = sampleSummary();
    s.id = i - 1;
    s.state = static_cast<conf::DomainState>(i % 8);
    s.name = "n" + std::to_string(i) + std::string(1, static_cast<char>(i)) + "\\\"ü";
    list.push_back(s);
  }
  list[3].title = std::string("bad \xff utf8");
  auto fast = api::encodeDomainList(list);
  json reference{{"domains", list}};
  EXPECT_EQ(json::parse(fast), json::parse(reference.dump(-1, ' ', false, json::error_handler_t::replace)));
  auto back = api::decodeDomainList(fast);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->size(), list.size());
  for (std::size_t i = 0; i < list.size(); ++i)
    if (i != 3) expectSame(list[i], (*back)[i]);
  EXPECT_EQ((*back)[3].title, "bad \xef\xbf\xbd utf8");
  // Unknown fields, nested values and other keys are skipped.
  auto extra = api::decodeDomainList(
      R"({"v":[1,{"id":5}],"domains":[{"id":3,"name":"a","future":{"id":9,"x":[1,2]},"state":"running"}],"n":{"id":1}})");
  ASSERT_TRUE(extra.ok());
  ASSERT_EQ(extra->size(), 1u);
  EXPECT_EQ((*extra)[0].id, 3);
  EXPECT_EQ((*extra)[0].name, "a");
  EXPECT_EQ((*extra)[0].state, conf::DomainState::Running);
  EXPECT_FALSE(api::decodeDomainList("{\"domains\":[").ok());
  auto empty = api::decodeDomainList(R"({"domains":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}
