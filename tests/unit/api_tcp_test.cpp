// The API over TCP, in one process: a Server listening on 127.0.0.1 (port
// chosen by the kernel) with a tokens file, against FakeNode. Requests need
// the token (401 with the JSON error otherwise), a revoked token stops
// working while the server runs, events and streamed bodies work as on the
// unix socket, and a peer that never answers turns into an error in time.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/client.h"
#include "api/host_port.h"
#include "api/remote.h"
#include "api/server.h"
#include "api/token_store.h"
#include "api_fake_node.h"
#include "temp_root.h"
#include "util/atomic_file.h"

using namespace stratus;
using Clock = std::chrono::steady_clock;

namespace {

// FakeNode plus volume content that streams both ways and a console that
// is one end of a socketpair (the test holds the other: the "guest").
class StreamNode : public apitest::FakeNode {
 public:
  std::string stored;
  int guestEnd = -1;
  ~StreamNode() override {
    if (guestEnd >= 0) ::close(guestEnd);
  }
  Result<int> openConsole(const std::string&, const std::string&) override {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return systemError("socketpair", errno);
    guestEnd = sv[1];
    return sv[0];
  }
  Status uploadVolume(const std::string&, const std::string&, const daemon::VolumeTransferOptions&,
                      daemon::VolumeSource& src) override {
    stored.clear();
    for (;;) {
      auto c = src.next();
      if (!c.ok()) return c.error();
      if (c->end()) return okStatus();
      stored += c->data;
    }
  }
  Status downloadVolume(const std::string&, const std::string&, const daemon::VolumeTransferOptions&,
                        daemon::VolumeSink& sink) override {
    for (std::size_t off = 0; off < stored.size(); off += 1 << 20)
      STRATUS_TRY(sink.write(std::string_view(stored).substr(off, 1 << 20)));
    return okStatus();
  }
};

class OneShotSource final : public daemon::VolumeSource {
 public:
  explicit OneShotSource(std::string d) : data_(std::move(d)) {}
  Result<daemon::VolumeChunk> next() override {
    daemon::VolumeChunk c;
    auto n = std::min<std::size_t>(256u << 10, data_.size() - pos_);
    c.data = data_.substr(pos_, n);
    pos_ += n;
    return c;
  }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

class StringSink final : public daemon::VolumeSink {
 public:
  std::string bytes;
  Status write(std::string_view d) override {
    bytes.append(d);
    return okStatus();
  }
  Status hole(std::uint64_t n) override {
    bytes.append(n, '\0');
    return okStatus();
  }
};

class ApiTcpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = api::createToken(root_.str());
    ASSERT_TRUE(t.ok()) << t.error().describe();
    token_ = *t;
    api::ServerOptions o;
    o.socketPath = root_.str() + "/stratusd.sock";
    o.listen = {"127.0.0.1:0"};
    o.tokensFile = api::tokensPathForRoot(root_.str());
    auto s = api::Server::start(node_, o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(s).value();
    ASSERT_EQ(server_->tcpAddresses().size(), 1u);
    auto hp = api::parseHostPort(server_->tcpAddresses()[0], "test");
    ASSERT_TRUE(hp.ok());
    port_ = hp->port;
    ASSERT_NE(port_, 0);
    uri_ = "qemu+tcp://127.0.0.1:" + std::to_string(port_) + "/system";
    remotes_ = root_.str() + "/remotes";
  }
  void writeRemotes(const std::string& text) {
    ASSERT_TRUE(writeFileAtomic(remotes_, text, 0600).ok());
  }
  Result<std::unique_ptr<daemon::NodeService>> connect(std::chrono::milliseconds io = std::chrono::milliseconds(0)) {
    api::RemoteOptions o;
    o.remotesFile = remotes_;
    o.ioTimeout = io;
    return api::connectRemote(uri_, o);
  }
  api::Endpoint endpoint(const std::string& token) {
    return api::tcpEndpoint("127.0.0.1", port_, token, std::chrono::seconds(5), std::chrono::seconds(10));
  }

  stratus::testing::TempRoot root_;
  StreamNode node_;
  std::unique_ptr<api::Server> server_;
  std::string token_, uri_, remotes_;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_F(ApiTcpTest, RawRequestWithoutTokenIs401WithJsonError) {
  for (const std::string& token : std::vector<std::string>{"", "not-the-token", token_ + "x"}) {
    api::HttpConnection http(endpoint(token));
    auto r = http.request("GET", "/v1/domains");
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->contentType, "application/json");
    auto j = nlohmann::json::parse(r->body);
    EXPECT_EQ(j["error"]["code"], "auth-failed");
    EXPECT_EQ(j["error"]["message"].get<std::string>().rfind("authentication failed: ", 0), 0u) << r->body;
  }
  // A request with a body is refused before the body is read, and the
  // answer still arrives.
  api::HttpConnection http(endpoint("wrong"));
  auto r = http.request("POST", "/v1/domains", "application/xml", std::string(200000, 'x'));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(node_.allCalls().empty());  // nothing reached the node
}

TEST_F(ApiTcpTest, WrongOrMissingTokenFailsTheConnect) {
  auto none = connect();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::AuthFailed);
  EXPECT_NE(none.error().message.find(remotes_), std::string::npos) << none.error().message;
  writeRemotes("127.0.0.1 wrong-token\n");
  auto wrong = connect();
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::AuthFailed);
  EXPECT_NE(wrong.error().message.find("authentication failed"), std::string::npos) << wrong.error().message;
}

TEST_F(ApiTcpTest, RemotesFileTokenWorksAndRevokeStopsIt) {
  writeRemotes("# peers\n127.0.0.1:" + std::to_string(port_) + " " + token_ + "\n");
  auto c = connect();
  ASSERT_TRUE(c.ok()) << c.error().describe();
  auto list = (*c)->listDomains();
  ASSERT_TRUE(list.ok()) << list.error().describe();
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ((*c)->uri(), uri_);
  ASSERT_TRUE(api::revokeToken(root_.str(), token_).ok());
  auto after = (*c)->listDomains();  // same client, same keep-alive connection
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::AuthFailed) << after.error().describe();
  // A new token works at once, without a restart.
  auto fresh = api::createToken(root_.str());
  ASSERT_TRUE(fresh.ok());
  writeRemotes("127.0.0.1 " + *fresh + "\n");
  auto c2 = connect();
  ASSERT_TRUE(c2.ok()) << c2.error().describe();
  EXPECT_TRUE((*c2)->listDomains().ok());
}

TEST_F(ApiTcpTest, EventsStreamOverTcp) {
  writeRemotes("127.0.0.1 " + token_ + "\n");
  auto c = connect(std::chrono::seconds(5));
  ASSERT_TRUE(c.ok()) << c.error().describe();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<daemon::DomainEvent> got;
  auto sub = (*c)->subscribeEvents([&](const daemon::DomainEvent& ev) {
    std::lock_guard lk(mu);
    got.push_back(ev);
    cv.notify_all();
  });
  ASSERT_TRUE(sub.ok()) << sub.error().describe();
  ASSERT_EQ(node_.subscriberCount(), 1u);
  for (int i = 1; i <= 20; ++i) node_.emit({"vm" + std::to_string(i), "uuid", 2, 0, static_cast<std::uint64_t>(i)});
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(5), [&] { return got.size() == 20; }));
  EXPECT_EQ(got[19].domainName, "vm20");
  EXPECT_EQ(got[19].seq, 20u);
}

TEST_F(ApiTcpTest, EventsStreamWithoutTokenRefused) {
  auto s = api::SseStream::open(endpoint("nope"), "/v1/events");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::AuthFailed);
  EXPECT_EQ(node_.subscriberCount(), 0u);
}

TEST_F(ApiTcpTest, ChunkedUploadAndDownloadOverTcp) {
  writeRemotes("127.0.0.1 " + token_ + "\n");
  auto c = connect(std::chrono::seconds(10));
  ASSERT_TRUE(c.ok()) << c.error().describe();
  std::string data;
  for (std::size_t i = 0; i < (8u << 20); ++i) data.push_back(static_cast<char>((i * 2654435761u) >> 13));
  OneShotSource src(data);
  auto up = (*c)->uploadVolume("pool", "vol", {}, src);
  ASSERT_TRUE(up.ok()) << up.error().describe();
  EXPECT_TRUE(node_.stored == data);
  StringSink sink;
  auto down = (*c)->downloadVolume("pool", "vol", {}, sink);
  ASSERT_TRUE(down.ok()) << down.error().describe();
  EXPECT_TRUE(sink.bytes == data);
}

TEST_F(ApiTcpTest, ConsoleUpgradeOverTcp) {
  auto refused = api::openUpgraded(endpoint("bad"), "/v1/domains/vm0/console");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::AuthFailed);
  auto fd = api::openUpgraded(endpoint(token_), "/v1/domains/vm0/console");
  ASSERT_TRUE(fd.ok()) << fd.error().describe();
  ASSERT_GE(node_.guestEnd, 0);
  auto readSome = [](int from, std::size_t want) {
    std::string got;
    while (got.size() < want) {
      pollfd p{from, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) break;
      char b[256];
      ssize_t n = ::read(from, b, sizeof b);
      if (n <= 0) break;
      got.append(b, static_cast<std::size_t>(n));
    }
    return got;
  };
  ASSERT_EQ(::write(node_.guestEnd, "login: ", 7), 7);
  EXPECT_EQ(readSome(*fd, 7), "login: ");
  ASSERT_EQ(::write(*fd, "root\n", 5), 5);
  EXPECT_EQ(readSome(node_.guestEnd, 5), "root\n");
  ::close(*fd);
}

TEST_F(ApiTcpTest, UnixSocketNeedsNoToken) {
  auto c = api::connectToDaemon(root_.str() + "/stratusd.sock", "");
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_TRUE((*c)->listDomains().ok());
}

TEST_F(ApiTcpTest, IoTimeoutFiresAgainstSilentPeer) {
  // Listening, never accepting: the kernel completes the handshake and the
  // request is sent, but no answer ever comes.
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(l, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(l, 8), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::string silent = "qemu+tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/system";
  api::RemoteOptions o;
  o.remotesFile = remotes_;
  o.ioTimeout = std::chrono::milliseconds(700);
  ::setenv("STRATUS_TOKEN", "whatever", 1);
  auto t0 = Clock::now();
  auto c = api::connectRemote(silent, o);
  auto took = Clock::now() - t0;
  ::unsetenv("STRATUS_TOKEN");
  ::close(l);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::ConnectFailed);
  EXPECT_NE(c.error().message.find("no answer within 700 ms"), std::string::npos) << c.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(650));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(ApiTcpTest, ConnectRefusedNamesHostAndPort) {
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::string port = std::to_string(ntohs(a.sin_port));
  ::close(l);  // bound, not listening, closed: nobody is there
  auto fd = api::dialTcp("127.0.0.1", ntohs(a.sin_port), std::chrono::seconds(2));
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("127.0.0.1:" + port), std::string::npos) << fd.error().message;
  EXPECT_NE(fd.error().message.find("refused"), std::string::npos) << fd.error().message;
}

TEST(ApiTcpStart, RefusedWithoutTokenOrPrivateFile) {
  stratus::testing::TempRoot root;
  apitest::FakeNode node;
  api::ServerOptions o;
  o.socketPath = root.str() + "/stratusd.sock";
  o.listen = {"127.0.0.1:0"};
  o.tokensFile = api::tokensPathForRoot(root.str());
  auto none = api::Server::start(node, o);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("stratusd token create"), std::string::npos) << none.error().message;
  ASSERT_TRUE(api::createToken(root.str()).ok());
  ASSERT_EQ(::chmod(o.tokensFile.c_str(), 0644), 0);
  auto open = api::Server::start(node, o);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find(o.tokensFile + " has mode 0644"), std::string::npos) << open.error().message;
  ASSERT_EQ(::chmod(o.tokensFile.c_str(), 0600), 0);
  o.listen = {"127.0.0.1:99999"};
  auto bad = api::Server::start(node, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("--listen"), std::string::npos);
}

TEST(ApiTcpStart, Ipv6Loopback) {
  stratus::testing::TempRoot root;
  apitest::FakeNode node;
  ASSERT_TRUE(api::createToken(root.str()).ok());
  api::ServerOptions o;
  o.socketPath = root.str() + "/stratusd.sock";
  o.listen = {"[::1]:0"};
  o.tokensFile = api::tokensPathForRoot(root.str());
  auto s = api::Server::start(node, o);
  if (!s.ok() && s.error().message.find("Cannot assign requested address") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here: " << s.error().message;
  ASSERT_TRUE(s.ok()) << s.error().describe();
  auto addr = (*s)->tcpAddresses().at(0);
  EXPECT_EQ(addr.rfind("[::1]:", 0), 0u) << addr;
  auto text = readFile(o.tokensFile);
  ASSERT_TRUE(text.ok());
  ::setenv("STRATUS_TOKEN", api::parseTokens(*text).at(0).c_str(), 1);
  auto c = api::connectRemote("qemu+tcp://" + addr + "/system", {});
  ::unsetenv("STRATUS_TOKEN");
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_TRUE((*c)->listDomains().ok());
}
