// The pieces of remote access that need no daemon: HOST[:PORT], remote URIs
// (good and bad), the tokens file (parsing, its mode check, create / list /
// revoke) and the remotes file lookup.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "api/host_port.h"
#include "api/remote.h"
#include "api/token_store.h"
#include "temp_root.h"
#include "util/atomic_file.h"

using namespace stratus;
using api::RemoteUri;

namespace {

void writeFile(const std::string& path, const std::string& text, mode_t mode) {
  { std::ofstream(path) << text; }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

}  // namespace

TEST(HostPort, Forms) {
  auto a = api::parseHostPort("10.0.0.2", "t");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.0.0.2");
  EXPECT_EQ(a->port, 16509);
  EXPECT_FALSE(a->portGiven);
  auto b = api::parseHostPort("node-a:16600", "t");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "node-a");
  EXPECT_EQ(b->port, 16600);
  EXPECT_TRUE(b->portGiven);
  auto c = api::parseHostPort("[::1]:0", "t");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 0);
  EXPECT_EQ(c->str(), "[::1]:0");
  auto d = api::parseHostPort("fe80::1", "t");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "fe80::1");
  EXPECT_FALSE(d->portGiven);
  for (const char* bad : {"", ":16509", "host:", "host:65536", "host:12x", "[::1", "[::1]x", "a/b:1", "[]:1"}) {
    auto r = api::parseHostPort(bad, "--listen");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find("--listen"), std::string::npos) << r.error().message;
  }
}

TEST(RemoteUri, GoodUris) {
  auto l = api::parseRemoteUri("qemu:///system");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->transport, RemoteUri::Transport::Unix);
  EXPECT_EQ(l->socketPath, "/run/stratus/stratusd.sock");
  auto u = api::parseRemoteUri("qemu+unix:///system?socket=/tmp/x%20y.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->socketPath, "/tmp/x y.sock");
  auto t = api::parseRemoteUri("qemu+tcp://10.1.2.3/system");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->transport, RemoteUri::Transport::Tcp);
  EXPECT_EQ(t->host.host, "10.1.2.3");
  EXPECT_EQ(t->host.port, 16509);
  auto t6 = api::parseRemoteUri("qemu+tcp://[::1]:17000/session");
  ASSERT_TRUE(t6.ok());
  EXPECT_EQ(t6->host.host, "::1");
  EXPECT_EQ(t6->host.port, 17000);
  auto s = api::parseRemoteUri("qemu+ssh://admin@node-b:2222/system?socket=/var/run/s.sock&stratus=/opt/bin/stratus");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->transport, RemoteUri::Transport::Ssh);
  EXPECT_EQ(s->user, "admin");
  EXPECT_EQ(s->host.host, "node-b");
  EXPECT_EQ(s->host.port, 2222);
  EXPECT_TRUE(s->host.portGiven);
  EXPECT_EQ(s->socketPath, "/var/run/s.sock");
  EXPECT_EQ(s->stratusBinary, "/opt/bin/stratus");
  auto s2 = api::parseRemoteUri("qemu+ssh://node-b/system");
  ASSERT_TRUE(s2.ok());
  EXPECT_TRUE(s2->socketPath.empty());  // the remote side's default
  EXPECT_FALSE(s2->host.portGiven);
}

TEST(RemoteUri, BadUrisAreErrorsNotCrashes) {
  struct Case {
    const char* uri;
    const char* says;
  } cases[] = {
      {"qemu+tcp:///system", "needs a host"},
      {"qemu+ssh:///system", "needs a host"},
      {"qemu+tcp://host:99999/system", "bad port"},
      {"qemu+tcp://host:/system", "bad port"},
      {"qemu+tcp://host/other", "no connection driver"},
      {"qemu+tcp://host", "no connection driver"},
      {"qemu+tcp://user@host/system", "no user name"},
      {"qemu+tcp://host/system?socket=/x", "unsupported URI parameter"},
      {"qemu+ssh://host/system?socket=relative", "absolute path"},
      {"qemu+ssh://host/system?bogus=1", "unsupported URI parameter"},
      {"qemu+ssh://@host/system", "bad user name"},
      {"qemu+ssh://-oProxyCommand=x/system", "bad host"},
      {"qemu://host/system", "needs a transport"},
      {"qemu+unix://host/system", "takes no host"},
      {"qemu+tls://host/system", "not supported"},
      {"xen+tcp://host/system", "no connection driver"},
      {"qemu+tcp://[::1/system", "closing"},
      {"nonsense", "no connection driver"},
      {"", "no connection driver"},
  };
  for (const auto& c : cases) {
    auto r = api::parseRemoteUri(c.uri);
    ASSERT_FALSE(r.ok()) << c.uri;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << c.uri << ": " << r.error().message;
  }
}

TEST(Tokens, ParseSkipsCommentsAndBlanks) {
  auto t = api::parseTokens("# header\n\n  abc123  \r\n#def\nxyz\n   # indented comment\nlast");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0], "abc123");
  EXPECT_EQ(t[1], "xyz");
  EXPECT_EQ(t[2], "last");
  EXPECT_TRUE(api::parseTokens("").empty());
}

TEST(Tokens, ConstantTimeEqual) {
  EXPECT_TRUE(api::constantTimeEqual("abcdef", "abcdef"));
  EXPECT_FALSE(api::constantTimeEqual("abcdef", "abcdeg"));
  EXPECT_FALSE(api::constantTimeEqual("abcdef", "abcde"));
  EXPECT_FALSE(api::constantTimeEqual("", "a"));
}

TEST(Tokens, ModeAndOwnerChecked) {
  stratus::testing::TempRoot root;
  std::string f = root.str() + "/tokens";
  writeFile(f, "tok\n", 0644);
  auto st = api::checkPrivateFile(f);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(f), std::string::npos);
  EXPECT_NE(st.error().message.find("mode 0644"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("0600"), std::string::npos);
  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  EXPECT_TRUE(api::checkPrivateFile(f).ok());
  ASSERT_EQ(::chmod(f.c_str(), 0400), 0);
  EXPECT_TRUE(api::checkPrivateFile(f).ok());
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(f.c_str(), 12345, 12345), 0);
    auto owned = api::checkPrivateFile(f);
    ASSERT_FALSE(owned.ok());
    EXPECT_NE(owned.error().message.find("owned by uid 12345"), std::string::npos) << owned.error().message;
  } else {
    GTEST_SKIP() << "the owner check needs root to chown the file to another user";
  }
}

TEST(Tokens, StoreLoadsAndFollowsChanges) {
  stratus::testing::TempRoot root;
  std::string f = root.str() + "/tokens";
  api::TokenStore store(f);
  auto missing = store.load();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("stratusd token create"), std::string::npos);
  writeFile(f, "# nothing yet\n", 0600);
  auto empty = store.load();
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no token in " + f), std::string::npos) << empty.error().message;
  writeFile(f, "first-token-000000\n", 0600);
  ASSERT_TRUE(store.load().ok());
  EXPECT_TRUE(store.accepts("first-token-000000"));
  EXPECT_FALSE(store.accepts("first-token-000001"));
  EXPECT_FALSE(store.accepts(""));
  // A rewrite (new inode, other size) is seen at the next check.
  ASSERT_TRUE(writeFileAtomic(f, "second-token\n", 0600).ok());
  EXPECT_FALSE(store.accepts("first-token-000000"));
  EXPECT_TRUE(store.accepts("second-token"));
  // Opened up to others: no token counts until it is private again.
  ASSERT_EQ(::chmod(f.c_str(), 0644), 0);
  EXPECT_FALSE(store.accepts("second-token"));
  EXPECT_NE(store.problem().find("mode 0644"), std::string::npos) << store.problem();
  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  EXPECT_TRUE(store.accepts("second-token"));
  EXPECT_TRUE(store.problem().empty());
  ASSERT_EQ(::unlink(f.c_str()), 0);
  EXPECT_FALSE(store.accepts("second-token"));
}

TEST(Tokens, CreateListRevoke) {
  stratus::testing::TempRoot root;
  auto a = api::createToken(root.str());
  ASSERT_TRUE(a.ok()) << a.error().describe();
  auto b = api::createToken(root.str());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
  struct stat st;
  ASSERT_EQ(::stat(api::authDirForRoot(root.str()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat(api::tokensPathForRoot(root.str()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  api::TokenStore store(api::tokensPathForRoot(root.str()));
  ASSERT_TRUE(store.load().ok());
  EXPECT_TRUE(store.accepts(*a));
  EXPECT_TRUE(store.accepts(*b));

  auto list = api::listTokens(root.str());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], a->substr(0, 8));
  for (const auto& fp : *list) EXPECT_LT(fp.size(), a->size());  // never the secret

  auto tooShort = api::revokeToken(root.str(), a->substr(0, 3));
  ASSERT_FALSE(tooShort.ok());
  auto none = api::revokeToken(root.str(), "zzzzzzzz");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no token"), std::string::npos);
  auto gone = api::revokeToken(root.str(), (*list)[0]);
  ASSERT_TRUE(gone.ok()) << gone.error().describe();
  EXPECT_EQ(*gone, a->substr(0, 8));
  EXPECT_FALSE(store.accepts(*a));
  EXPECT_TRUE(store.accepts(*b));
  ASSERT_TRUE(api::revokeToken(root.str(), *b).ok());
  EXPECT_FALSE(store.accepts(*b));
  auto text = readFile(api::tokensPathForRoot(root.str()));
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("# stratusd API tokens"), std::string::npos);  // comments survive a revoke
  // A tokens file others can read is refused, not extended.
  ASSERT_EQ(::chmod(api::tokensPathForRoot(root.str()).c_str(), 0640), 0);
  auto refused = api::createToken(root.str());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("mode 0640"), std::string::npos);
}

TEST(Remotes, LookupPrefersHostPortLine) {
  stratus::testing::TempRoot root;
  std::string f = root.str() + "/remotes";
  api::HostPort node{"10.0.0.2", 16509, true};
  auto missing = api::lookupToken(f, node);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::AuthFailed);
  EXPECT_NE(missing.error().message.find(f + " does not exist"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("10.0.0.2:16509 TOKEN"), std::string::npos);
  writeFile(f,
            "# peers\n"
            "10.0.0.2 host-wide\n"
            "10.0.0.2:17000 port-17000\n"
            "[::1]:16509 v6-token\n"
            "garbage-line-without-token\n"
            "node-c\tTabbed\n",
            0600);
  EXPECT_EQ(*api::lookupToken(f, node), "host-wide");
  EXPECT_EQ(*api::lookupToken(f, api::HostPort{"10.0.0.2", 17000, true}), "port-17000");
  EXPECT_EQ(*api::lookupToken(f, api::HostPort{"::1", 16509, true}), "v6-token");
  EXPECT_EQ(*api::lookupToken(f, api::HostPort{"node-c", 1, true}), "Tabbed");
  auto unknown = api::lookupToken(f, api::HostPort{"10.9.9.9", 16509, true});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no token for 10.9.9.9:16509 in " + f), std::string::npos)
      << unknown.error().message;
  EXPECT_FALSE(api::lookupToken(f, api::HostPort{"::1", 1, true}).ok());  // only :16509 listed
  ASSERT_EQ(::chmod(f.c_str(), 0644), 0);
  auto open = api::lookupToken(f, node);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("mode 0644"), std::string::npos);
}

TEST(Remotes, EnvironmentTokenWins) {
  stratus::testing::TempRoot root;
  ::setenv("STRATUS_TOKEN", "from-env", 1);
  auto t = api::tokenFor(root.str() + "/none", api::HostPort{"h", 1, true});
  ::unsetenv("STRATUS_TOKEN");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "from-env");
  EXPECT_FALSE(api::tokenFor(root.str() + "/none", api::HostPort{"h", 1, true}).ok());
}
