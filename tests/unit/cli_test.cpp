// Unit tests of the CLI's building blocks: option parser, command splitter,
// table renderer, URI parsing, numbers, completion.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "cli/command.h"
#include "cli/connect.h"
#include "cli/shell.h"
#include "cli/split.h"
#include "cli/table.h"

using namespace stratus;
using namespace stratus::cli;

namespace {

Result<ParsedCmd> parse(std::string_view cmd, std::vector<std::string> args) {
  const CmdDef* def = findCommand(cmd);
  EXPECT_NE(def, nullptr) << cmd;
  return parseCommand(*def, args);
}

TEST(CliParse, PositionalFillsNamedOptionsInOrder) {
  auto r = parse("domrename", {"a", "b"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get("domain"), "a");
  EXPECT_EQ(r->get("new-name"), "b");
}

TEST(CliParse, NamedAndPositionalMixInAnyOrder) {
  auto r = parse("domrename", {"--new-name", "b", "a"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get("domain"), "a");
  EXPECT_EQ(r->get("new-name"), "b");
  auto s = parse("start", {"--paused", "--domain=x"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->get("domain"), "x");
  EXPECT_TRUE(s->has("paused"));
  EXPECT_FALSE(s->has("console"));
}

TEST(CliParse, VirshErrorMessages) {
  EXPECT_EQ(parse("list", {"--foo"}).error().message, "command 'list' doesn't support option --foo");
  EXPECT_EQ(parse("list", {"extra"}).error().message, "unexpected data 'extra'");
  EXPECT_EQ(parse("dominfo", {}).error().message, "command 'dominfo' requires <domain> option");
  EXPECT_EQ(parse("setmem", {"test"}).error().message, "command 'setmem' requires --size option");
  EXPECT_EQ(parse("start", {"--domain"}).error().message, "expected syntax: --domain <string>");
  EXPECT_EQ(parse("event", {"--timeout"}).error().message, "expected syntax: --timeout <number>");
}

TEST(CliParse, ArgvOptionTakesEveryRemainingWord) {
  auto r = parse("desc", {"test", "hello", "big", "world"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get("new-desc"), "hello big world");
  auto e = parse("desc", {"test", "--new-desc", ""});
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->has("new-desc"));
  EXPECT_EQ(e->get("new-desc"), "");
}

TEST(CliParse, DoubleDashEndsOptions) {
  auto r = parse("dominfo", {"--", "--weird"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get("domain"), "--weird");
}

TEST(CliParse, EveryCommandHasHelpAndUniqueOptions) {
  for (const auto& c : commandTable()) {
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_NE(c.run, nullptr) << c.name;
    for (std::size_t i = 0; i < c.opts.size(); ++i)
      for (std::size_t j = i + 1; j < c.opts.size(); ++j) EXPECT_NE(c.opts[i].name, c.opts[j].name) << c.name;
  }
  EXPECT_EQ(findCommand("nosuch"), nullptr);
}

TEST(CliNumbers, ScaledSizesAreKiB) {
  EXPECT_EQ(parseScaledKiB("1024"), 1024u);
  EXPECT_EQ(parseScaledKiB("1M"), 1024u);
  EXPECT_EQ(parseScaledKiB("1GiB"), 1024u * 1024u);
  EXPECT_EQ(parseScaledKiB("2048b"), 2u);
  EXPECT_EQ(parseScaledKiB("1000KB"), 977u);  // 1,000,000 bytes, rounded up
  EXPECT_FALSE(parseScaledKiB("abc"));
  EXPECT_FALSE(parseScaledKiB("12x"));
  EXPECT_FALSE(parseScaledKiB(""));
  EXPECT_FALSE(parseScaledKiB("99999999999999999999"));
  EXPECT_EQ(parseUnsigned("42"), 42u);
  EXPECT_FALSE(parseUnsigned("4x"));
  EXPECT_FALSE(parseUnsigned("-1"));
}

TEST(CliSplit, SemicolonsQuotesAndEscapes) {
  auto r = splitCommands(R"(define f.xml; desc x --new-desc "a b;c" ; list 'it''s' a\ b)");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (Words{"define", "f.xml"}));
  EXPECT_EQ((*r)[1], (Words{"desc", "x", "--new-desc", "a b;c"}));
  EXPECT_EQ((*r)[2], (Words{"list", "its", "a b"}));
}

TEST(CliSplit, EmptyQuotesMakeAnEmptyWord) {
  auto r = splitCommands(R"(desc x --new-desc "")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0], (Words{"desc", "x", "--new-desc", ""}));
}

TEST(CliSplit, CommentsNewlinesAndBlanks) {
  auto r = splitCommands("  ;; list # all of it; not a command\nuri\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Words{"list"}));
  EXPECT_EQ((*r)[1], (Words{"uri"}));
  EXPECT_TRUE(splitCommands("")->empty());
}

TEST(CliSplit, DoubleQuoteEscapes) {
  auto r = splitCommands(R"(x "a\"b")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0][1], "a\"b");
}

TEST(CliSplit, UnterminatedQuotesAreErrors) {
  EXPECT_EQ(splitCommands("desc \"abc").error().message, "missing \"");
  EXPECT_EQ(splitCommands("desc 'abc").error().message, "missing '");
}

TEST(CliTable, VirshLayout) {
  Table t({"Id", "Name", "State"});
  t.addRow({"1", "test", "running"});
  t.addRow({"-", "foo", "shut off"});
  EXPECT_EQ(t.render(),
            " Id   Name   State\n"
            "-----------------------\n"
            " 1    test   running\n"
            " -    foo    shut off\n");
}

TEST(CliTable, EmptyTableAndTrailingEmptyColumn) {
  Table e({"Id", "Name", "State"});
  EXPECT_EQ(e.render(), " Id   Name   State\n--------------------\n");
  Table t({"Id", "Name", "State", "Title"});
  t.addRow({"1", "test", "running", ""});
  EXPECT_EQ(t.render(),
            " Id   Name   State     Title\n"
            "------------------------------\n"
            " 1    test   running   \n");
}

TEST(CliTable, QuietModeHasNoHeaderAndRowWidths) {
  Table t({"Id", "Name", "State"});
  t.addRow({"1", "test", "running"});
  t.addRow({"2", "foo", "running"});
  EXPECT_EQ(t.render(false), " 1   test   running\n 2   foo    running\n");
}

TEST(CliTable, Utf8CountsCodePoints) {
  Table t({"Id", "Name"});
  t.addRow({"1", "\xc3\xa9t\xc3\xa9"});  // "été"
  EXPECT_EQ(t.render(), " Id   Name\n------------\n 1    \xc3\xa9t\xc3\xa9\n");
}

TEST(CliTable, TenThousandRows) {
  // Speed is bench/control-plane.sh's job; here the widths must hold.
  Table t({"Id", "Name", "State"});
  t.reserve(10000);
  for (int i = 0; i < 10000; ++i) t.addRow({std::to_string(i), "domain-" + std::to_string(i), "running"});
  std::string out = t.render();
  EXPECT_NE(out.find("\n 9999   domain-9999   running\n"), std::string::npos);
  EXPECT_NE(out.find("\n 0      domain-0      running\n"), std::string::npos);
}

TEST(CliConnect, Uris) {
  auto t = parseUri("test:///default");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->kind, ConnectTarget::Kind::Test);
  EXPECT_TRUE(parseUri("test:///tmp/node.xml").ok());
  auto q = parseUri("qemu:///system");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->kind, ConnectTarget::Kind::Daemon);
  EXPECT_EQ(q->socketPath, "/run/stratus/stratusd.sock");
  auto u = parseUri("qemu+unix:///system?socket=/tmp/s.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->socketPath, "/tmp/s.sock");
  EXPECT_FALSE(parseUri("xen:///system").ok());
  EXPECT_FALSE(parseUri("qemu://host/system").ok());
  EXPECT_FALSE(parseUri("qemu+unix:///system?foo=bar").ok());
  EXPECT_FALSE(parseUri("nonsense").ok());
}

TEST(CliConnect, RemoteUrisAndRemotesFile) {
  auto t = parseUri("qemu+tcp://10.0.0.2:16600/system");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->kind, ConnectTarget::Kind::Remote);
  auto s = parseUri("qemu+ssh://root@node/system?socket=/run/x.sock");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, ConnectTarget::Kind::Remote);
  auto bad = parseUri("qemu+tcp:///system");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("needs a host"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parseUri("qemu+tcp://h:70000/system").ok());
  // The remotes file follows XDG_CONFIG_HOME, else HOME.
  std::string xdg = std::getenv("XDG_CONFIG_HOME") ? std::getenv("XDG_CONFIG_HOME") : "";
  std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("XDG_CONFIG_HOME", "/cfg", 1);
  EXPECT_EQ(remotesFile(), "/cfg/stratus/remotes");
  unsetenv("XDG_CONFIG_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(remotesFile(), "/home/u/.config/stratus/remotes");
  if (!xdg.empty()) setenv("XDG_CONFIG_HOME", xdg.c_str(), 1);
  if (!home.empty()) setenv("HOME", home.c_str(), 1);
  // Connecting without any token fails with the file to fix in the reason.
  unsetenv("STRATUS_TOKEN");
  setenv("XDG_CONFIG_HOME", "/nonexistent-stratus-cfg", 1);
  auto c = connectTo("qemu+tcp://127.0.0.1:1/system");
  if (!xdg.empty()) setenv("XDG_CONFIG_HOME", xdg.c_str(), 1); else unsetenv("XDG_CONFIG_HOME");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent-stratus-cfg/stratus/remotes"), std::string::npos)
      << c.error().message;
}

TEST(CliConnect, DefaultUriPrecedence) {
  unsetenv("STRATUS_DEFAULT_URI");
  unsetenv("LIBVIRT_DEFAULT_URI");
  EXPECT_EQ(resolveUri(nullptr), "qemu:///system");
  setenv("LIBVIRT_DEFAULT_URI", "test:///b", 1);
  EXPECT_EQ(resolveUri(nullptr), "test:///b");
  setenv("STRATUS_DEFAULT_URI", "test:///a", 1);
  EXPECT_EQ(resolveUri(nullptr), "test:///a");
  EXPECT_EQ(resolveUri("test:///c"), "test:///c");
  unsetenv("STRATUS_DEFAULT_URI");
  unsetenv("LIBVIRT_DEFAULT_URI");
}

TEST(CliComplete, CommandsAndOptions) {
  auto cmds = completeWord(nullptr, "", "dom");
  EXPECT_NE(std::find(cmds.begin(), cmds.end(), "dominfo"), cmds.end());
  EXPECT_NE(std::find(cmds.begin(), cmds.end(), "domstate"), cmds.end());
  EXPECT_EQ(std::find(cmds.begin(), cmds.end(), "list"), cmds.end());
  auto opts = completeWord(nullptr, "list ", "--st");
  EXPECT_EQ(opts, (std::vector<std::string>{"--state-running", "--state-paused", "--state-shutoff",
                                            "--state-other"}));
  auto second = completeWord(nullptr, "list --all; ", "ur");
  EXPECT_EQ(second, (std::vector<std::string>{"uri"}));
}

}  // namespace
