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

TEST(ApiJson, NetworkTypesRoundTrip) {
  daemon::NetworkSummary n{"net ü \"1\"", "dd8fe884-6c02-601e-7551-cca97df1c5df", true, false, true, "virbr0"};
  auto rn = roundTrip(n);
  EXPECT_EQ(rn.name, n.name);
  EXPECT_EQ(rn.uuid, n.uuid);
  EXPECT_TRUE(rn.active);
  EXPECT_FALSE(rn.persistent);
  EXPECT_TRUE(rn.autostart);
  EXPECT_EQ(rn.bridge, "virbr0");

  daemon::NetworkDefineResult d;
  d.network = n;
  d.warnings.push_back({"unknown element <x>", {"n.xml", 4, "network/x"}});
  auto rd = roundTrip(d);
  EXPECT_EQ(rd.network.name, n.name);
  ASSERT_EQ(rd.warnings.size(), 1u);
  EXPECT_EQ(rd.warnings[0].where.line, 4);
  EXPECT_EQ(rd.warnings[0].where.field, "network/x");

  daemon::NetworkUpdate u{"add-first", "ip-dhcp-host", "<host mac='52:54:00:00:00:01' ip='10.0.0.2'/>", 2};
  auto ru = roundTrip(u);
  EXPECT_EQ(ru.command, u.command);
  EXPECT_EQ(ru.section, u.section);
  EXPECT_EQ(ru.xml, u.xml);
  EXPECT_EQ(ru.parentIndex, 2);
  EXPECT_EQ(json::object().get<daemon::NetworkUpdate>().parentIndex, -1);

  daemon::DhcpLease l{4102444800, "52:54:00:aa:bb:cc", "ipv6", "fd00::5", 64, "web", "00:01:02", "virbr0"};
  auto rl = roundTrip(l);
  EXPECT_EQ(rl.expiryTime, l.expiryTime);
  EXPECT_EQ(rl.mac, l.mac);
  EXPECT_EQ(rl.type, l.type);
  EXPECT_EQ(rl.ipaddr, l.ipaddr);
  EXPECT_EQ(rl.prefix, 64u);
  EXPECT_EQ(rl.hostname, l.hostname);
  EXPECT_EQ(rl.clientId, l.clientId);
  EXPECT_EQ(rl.iface, l.iface);

  daemon::NetworkPort p{"a0000000-0000-4000-8000-000000000001", "vm0", "00000000-0000-4000-8000-000000000000",
                        "52:54:00:aa:00:01", "vnet0"};
  auto rp = roundTrip(p);
  EXPECT_EQ(rp.uuid, p.uuid);
  EXPECT_EQ(rp.ownerName, p.ownerName);
  EXPECT_EQ(rp.ownerUuid, p.ownerUuid);
  EXPECT_EQ(rp.mac, p.mac);
  EXPECT_EQ(rp.tapName, p.tapName);

  // Wrong types are errors, not exceptions.
  EXPECT_FALSE(api::fromJson<daemon::NetworkSummary>(json{{"active", "yes"}}, "reply").ok());
  EXPECT_FALSE(api::fromJson<daemon::NetworkSummary>(json::array({1}), "reply").ok());
  EXPECT_FALSE(api::fromJson<std::vector<daemon::DhcpLease>>(json{{"x", 1}}, "reply").ok());
}

TEST(ApiHttp, NetworkRoutes) {
  apitest::FakeNode node;
  api::ServerStats stats;
  auto router = api::makeRouter(node, stats);
  auto call = [&](std::string method, std::string path, std::string body = {},
                  std::map<std::string, std::string> query = {}) {
    api::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.body = std::move(body);
    req.query = std::move(query);
    return router.dispatch(req);
  };
  auto list = call("GET", "/v1/networks");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body)["networks"].size(), 2u);
  EXPECT_EQ(call("GET", "/v1/networks/default").status, 200);
  auto missing = call("GET", "/v1/networks/nosuch");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "no-network");

  // A network named "create" is still reachable by GET; POST hits the create route.
  auto created = call("POST", "/v1/networks/create", "<network><name>t</name></network>", {{"source", "t.xml"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(node.lastCall(), "createNetwork source=t.xml xml=<network><name>t</name></network>");
  ASSERT_EQ(created.headers.size(), 1u);
  EXPECT_EQ(created.headers[0].first, "Location");
  EXPECT_EQ(call("GET", "/v1/networks/create").status, 404);

  auto xml = call("GET", "/v1/networks/default/xml", {}, {{"inactive", ""}});
  EXPECT_EQ(xml.status, 200);
  EXPECT_EQ(xml.contentType, "application/xml");
  EXPECT_EQ(node.lastCall(), "networkXml default inactive=true");

  EXPECT_EQ(call("POST", "/v1/networks/default/actions/autostart", "{}").status, 400);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/autostart", R"({"enabled":"yes"})").status, 400);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/autostart", R"({"enabled":true})").status, 204);
  EXPECT_EQ(node.lastCall(), "setNetworkAutostart default true");

  EXPECT_EQ(call("POST", "/v1/networks/default/actions/update", R"({"command":"add"})").status, 400);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/update",
                 R"({"command":"add","section":"ip-dhcp-host","xml":"<host/>","parent_index":"x"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/update", R"([1])").status, 400);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/update",
                 R"({"command":"add-last","section":"ip-dhcp-host","xml":"<host/>","config":true})")
                .status,
            204);
  EXPECT_EQ(node.lastCall(),
            "updateNetwork default command=add-last section=ip-dhcp-host parent=-1 live=false config=true xml=<host/>");

  auto leases = call("GET", "/v1/networks/default/dhcp-leases", {}, {{"mac", "52:54:00:bb:00:02"}});
  ASSERT_EQ(leases.status, 200);
  EXPECT_EQ(json::parse(leases.body)["leases"].size(), 1u);
  auto ports = call("GET", "/v1/networks/default/ports");
  ASSERT_EQ(ports.status, 200);
  EXPECT_EQ(json::parse(ports.body)["ports"].size(), 2u);

  EXPECT_EQ(call("POST", "/v1/networks/default/actions/start").status, 409);
  EXPECT_EQ(call("POST", "/v1/networks/default/actions/destroy").status, 204);
  EXPECT_EQ(call("DELETE", "/v1/networks/default").status, 204);
  EXPECT_EQ(call("DELETE", "/v1/networks/default").status, 404);
  EXPECT_EQ(call("PUT", "/v1/networks/default").status, 405);
}

TEST(ApiHttp, NodeWithoutNetworksAnswers501) {
  // A NodeService that keeps the defaults of every network verb.
  struct Bare final : public daemon::NodeService {
    std::string uri() override { return "bare:///"; }
    Result<std::string> hostname() override { return std::string("h"); }
    Result<daemon::VersionInfo> version() override { return daemon::VersionInfo{}; }
    Result<daemon::NodeInfo> nodeInfo() override { return daemon::NodeInfo{}; }
    Result<std::vector<daemon::DomainSummary>> listDomains() override { return std::vector<daemon::DomainSummary>{}; }
    Result<daemon::DomainSummary> lookupDomain(const std::string&) override { return Error(ErrorCode::NoDomain, "x"); }
    Result<daemon::DefineResult> defineDomain(const std::string&, const std::string&) override {
      return Error(ErrorCode::Unsupported, "x");
    }
    Status undefineDomain(const std::string&, const daemon::UndefineOptions&) override { return okStatus(); }
    Result<std::string> domainXml(const std::string&, const daemon::XmlOptions&) override { return std::string(); }
    Result<daemon::DomainInfo> domainInfo(const std::string&) override { return daemon::DomainInfo{}; }
    Status setAutostart(const std::string&, bool) override { return okStatus(); }
    Status setMetadata(const std::string&, daemon::MetadataKind, const std::string&,
                       const daemon::ModifyScope&) override {
      return okStatus();
    }
    Result<std::string> getMetadata(const std::string&, daemon::MetadataKind, const daemon::ModifyScope&) override {
      return std::string();
    }
    Status renameDomain(const std::string&, const std::string&) override { return okStatus(); }
    Result<daemon::DefineResult> createDomain(const std::string&, const std::string&,
                                              const daemon::StartOptions&) override {
      return Error(ErrorCode::Unsupported, "x");
    }
    Status startDomain(const std::string&, const daemon::StartOptions&) override { return okStatus(); }
    Status shutdownDomain(const std::string&, const daemon::ShutdownOptions&) override { return okStatus(); }
    Status destroyDomain(const std::string&, const daemon::DestroyOptions&) override { return okStatus(); }
    Status suspendDomain(const std::string&) override { return okStatus(); }
    Status resumeDomain(const std::string&) override { return okStatus(); }
    Status rebootDomain(const std::string&) override { return okStatus(); }
    Status resetDomain(const std::string&) override { return okStatus(); }
    Status saveDomain(const std::string&, const std::string&, const daemon::SaveOptions&) override {
      return okStatus();
    }
    Result<daemon::DomainSummary> restoreDomain(const std::string&, const daemon::SaveOptions&) override {
      return Error(ErrorCode::Unsupported, "x");
    }
    Status managedSave(const std::string&, const daemon::SaveOptions&) override { return okStatus(); }
    Status managedSaveRemove(const std::string&) override { return okStatus(); }
    Status setMemory(const std::string&, std::uint64_t, const daemon::ModifyScope&) override { return okStatus(); }
    Status setMaxMemory(const std::string&, std::uint64_t, const daemon::ModifyScope&) override { return okStatus(); }
    Status setVcpus(const std::string&, unsigned, const daemon::ModifyScope&, bool) override { return okStatus(); }
    Result<std::unique_ptr<daemon::EventSubscription>> subscribeEvents(daemon::EventCallback) override {
      return Error(ErrorCode::Unsupported, "x");
    }
  } bare;
  api::ServerStats stats;
  auto router = api::makeRouter(bare, stats);
  api::Request req;
  req.method = "GET";
  req.path = "/v1/networks";
  auto r = router.dispatch(req);
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(json::parse(r.body)["error"]["message"],
            "this function is not supported by the connection driver: virConnectListAllNetworks");
}
