// Integration: the real stratusd binary as a child process, driven through
// the C++ client. Every test owns a temp root and kills its own children by
// PID (never by name), also when an assertion fails.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "api/client.h"
#include "api_docs.h"

extern char** environ;

using namespace stratus;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

class TempRoot {
 public:
  TempRoot() {
    char tmpl[] = "/tmp/stratusd-it-XXXXXX";
    if (::mkdtemp(tmpl)) path_ = tmpl;
  }
  ~TempRoot() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One stratusd child. The destructor SIGKILLs and reaps it if still running.
class Daemon {
 public:
  explicit Daemon(std::string root) : root_(std::move(root)) {}
  ~Daemon() { killHard(); }

  bool spawn(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {STRATUSD_PATH, "--root", root_, "--driver", "test"};
    for (auto& a : extra) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    std::string out = root_ + "/stratusd.stderr";
    posix_spawn_file_actions_addopen(&fa, 2, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, STRATUSD_PATH, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0;
  }

  std::string socket() const { return api::socketPathForRoot(root_); }

  // Polls a connect until the daemon answers; false when it exited or the
  // timeout passed.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      api::HttpConnection c(socket());
      if (c.connect().ok()) return true;
      if (pid_ > 0) {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
          pid_ = -1;
          exitStatus_ = st;
          return false;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Sends `sig` and waits for the exit; the wait status, or -1 on timeout.
  int signalAndWait(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    if (pid_ <= 0) return exitStatus_;
    ::kill(pid_, sig);
    return waitExit(timeout);
  }

  int waitExit(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        exitStatus_ = st;
        return st;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

  void killHard() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }

  std::string stderrText() const {
    std::ifstream in(root_ + "/stratusd.stderr");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string root_;
  pid_t pid_ = -1;
  int exitStatus_ = -1;
};

std::string domainXml(const std::string& name) {
  return "<domain type='test'>\n  <name>" + name + "</name>\n  <memory unit='KiB'>65536</memory>\n  <vcpu>1</vcpu>\n"
         "  <os><type>hvm</type></os>\n</domain>\n";
}

std::unique_ptr<daemon::NodeService> connect(const Daemon& d) {
  auto c = api::connectToDaemon(d.socket(), "");
  EXPECT_TRUE(c.ok()) << c.error().describe();
  return c.ok() ? std::move(c).value() : nullptr;
}

}  // namespace

TEST(Stratusd, DefinitionsSurviveSigkill) {
  TempRoot root;
  ASSERT_FALSE(root.path().empty());
  std::map<std::string, std::string> uuids;
  {
    Daemon d(root.path());
    ASSERT_TRUE(d.spawn());
    ASSERT_TRUE(d.waitReady()) << d.stderrText();
    auto c = connect(d);
    ASSERT_TRUE(c);
    for (const char* n : {"alpha", "beta", "gamma"}) {
      auto r = c->defineDomain(domainXml(n), std::string(n) + ".xml");
      ASSERT_TRUE(r.ok()) << r.error().describe();
      uuids[n] = r->domain.uuid;
    }
    ASSERT_TRUE(c->undefineDomain("beta", {}).ok());
    uuids.erase("beta");
    ASSERT_TRUE(c->setAutostart("alpha", true).ok());
    auto list = c->listDomains();
    ASSERT_TRUE(list.ok());
    std::map<std::string, std::string> seen;
    for (auto& s : *list) seen[s.name] = s.uuid;
    EXPECT_EQ(seen, uuids);
    auto st = d.signalAndWait(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(st));
  }
  // The socket and pid file of the killed daemon are stale; a new one
  // replaces them and loads the persisted definitions.
  Daemon d2(root.path());
  ASSERT_TRUE(d2.spawn());
  ASSERT_TRUE(d2.waitReady()) << d2.stderrText();
  auto c = connect(d2);
  ASSERT_TRUE(c);
  auto list = c->listDomains();
  ASSERT_TRUE(list.ok()) << list.error().describe();
  std::map<std::string, std::string> seen;
  for (auto& s : *list) seen[s.name] = s.uuid;
  EXPECT_EQ(seen, uuids);
  auto info = c->domainInfo("alpha");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->summary.autostart);
  auto missing = c->domainInfo("beta");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NoDomain);
  auto bad = c->defineDomain("<domain type='test'><name>x</name>", "broken.xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::XmlSyntax);
  ASSERT_TRUE(bad.error().where.has_value());
  EXPECT_EQ(bad.error().where->file, "broken.xml");
  EXPECT_EQ(d2.signalAndWait(SIGTERM), 0);
}

TEST(Stratusd, SigtermExitsZeroAndCleansUp) {
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  auto idle = connect(d);  // an idle keep-alive client must not hold shutdown
  ASSERT_TRUE(idle);
  ASSERT_TRUE(idle->listDomains().ok());
  struct stat st;
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(root.path() + "/run/stratus/stratusd.pid"));
  int status = d.signalAndWait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(fs::exists(d.socket()));
  EXPECT_FALSE(fs::exists(root.path() + "/run/stratus/stratusd.pid"));
  EXPECT_TRUE(fs::exists(root.path() + "/var/log/stratus/stratusd.log"));
  auto after = idle->listDomains();
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::ConnectFailed);
}

TEST(Stratusd, SecondDaemonOnSameRootRefused) {
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  Daemon second(root.path());
  ASSERT_TRUE(second.spawn());
  int st = second.waitExit();
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 1);
  EXPECT_NE(second.stderrText().find("another stratusd"), std::string::npos);
  auto c = connect(d);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->listDomains().ok());
}

TEST(Stratusd, EventsAndLifecycle) {
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  auto c = connect(d);
  ASSERT_TRUE(c);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<daemon::DomainEvent> got;
  auto sub = c->subscribeEvents([&](const daemon::DomainEvent& e) {
    std::lock_guard lk(mu);
    got.push_back(e);
    cv.notify_all();
  });
  ASSERT_TRUE(sub.ok()) << sub.error().describe();
  ASSERT_TRUE(c->defineDomain(domainXml("ev"), "ev.xml").ok());
  ASSERT_TRUE(c->startDomain("ev", {}).ok());
  auto info = c->domainInfo("ev");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->summary.state, conf::DomainState::Running);
  EXPECT_GE(info->summary.id, 1);
  auto byId = c->lookupDomain(std::to_string(info->summary.id));
  ASSERT_TRUE(byId.ok());
  EXPECT_EQ(byId->name, "ev");
  ASSERT_TRUE(c->destroyDomain("ev", {}).ok());
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(5), [&] { return got.size() >= 3; })) << got.size();
  EXPECT_EQ(got[0].domainName, "ev");
  EXPECT_EQ(got[0].type, 0);  // defined
  EXPECT_EQ(got[1].type, 2);  // started
  EXPECT_EQ(got[2].type, 5);  // stopped
  EXPECT_LT(got[0].seq, got[1].seq);
}

TEST(Stratusd, DaemonModeDetaches) {
  TempRoot root;
  std::string cmd = std::string(STRATUSD_PATH) + " --daemon --driver test --root " + root.path();
  int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0);
  std::ifstream pidIn(root.path() + "/run/stratus/stratusd.pid");
  pid_t pid = 0;
  pidIn >> pid;
  ASSERT_GT(pid, 1);
  struct Killer {
    pid_t pid;
    ~Killer() {
      if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
    }
  } killer{pid};
  auto c = api::connectToDaemon(api::socketPathForRoot(root.path()), "");  // serving once --daemon returned
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_TRUE((*c)->listDomains().ok());
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  // Not our child: it is gone when kill(0) fails or it is a zombie waiting
  // for init to reap it.
  auto alive = [pid] {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), {});
    auto paren = all.rfind(')');
    return !(paren != std::string::npos && paren + 2 < all.size() && all[paren + 2] == 'Z');
  };
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (alive() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(alive());
  EXPECT_FALSE(fs::exists(api::socketPathForRoot(root.path())));
}

TEST(Stratusd, ScaleAndLatency) {
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  auto c = connect(d);
  ASSERT_TRUE(c);
  const int n = 500;  // 10,000 are listed in api_server_tests (the node's define fsyncs)
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = c->defineDomain(domainXml("scale-" + std::to_string(i)), "scale.xml");
    ASSERT_TRUE(r.ok()) << r.error().describe();
  }
  auto defineUs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count() / n;
  t0 = Clock::now();
  auto list = c->listDomains();
  auto listMs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count() / 1000.0;
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), static_cast<std::size_t>(n));
  // A CLI process: connect, define, undefine, disconnect.
  t0 = Clock::now();
  const int rounds = 100;
  for (int i = 0; i < rounds; ++i) {
    auto cc = api::connectToDaemon(d.socket(), "");
    ASSERT_TRUE(cc.ok());
    ASSERT_TRUE((*cc)->defineDomain(domainXml("tmp"), "tmp.xml").ok());
    ASSERT_TRUE((*cc)->undefineDomain("tmp", {}).ok());
  }
  auto cycleUs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count() / rounds;
  std::printf("[bench] define: %lld us each; list of %d: %.2f ms; connect+define+undefine: %lld us\n",
              static_cast<long long>(defineUs), n, listMs, static_cast<long long>(cycleUs));
  EXPECT_LT(listMs, 100.0);
  EXPECT_LT(cycleUs, 22000);
}

TEST(Stratusd, DaemonModeReportsFailedStart) {
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  // A second daemon on the same root fails after detaching; the command says so.
  std::string out = root.path() + "/second.txt";
  std::string cmd = std::string(STRATUSD_PATH) + " --daemon --driver test --root " + root.path() + " 2>" + out;
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 1);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("failed to start"), std::string::npos) << text;
  std::ifstream log(root.path() + "/var/log/stratus/stratusd.log");
  std::string logText((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(logText.find("another stratusd"), std::string::npos);
  EXPECT_EQ(d.signalAndWait(SIGTERM), 0);
}

TEST(Stratusd, UnknownDriverAndHelp) {
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(STRATUSD_PATH) + " --driver nope >/dev/null 2>&1").c_str())), 2);
  std::string cmd = std::string(STRATUSD_PATH) + " --help";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string help;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) help.append(buf, n);
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_NE(help.find("--driver"), std::string::npos);
  EXPECT_NE(help.find("qemu (real QEMU guests)"), std::string::npos);
  EXPECT_NE(help.find("--root"), std::string::npos);
}

TEST(Stratusd, AnswersCarryTheDocumentedFields) {
  auto docs = stratus::apitest::loadApiDocs();
  TempRoot root;
  Daemon d(root.path());
  ASSERT_TRUE(d.spawn());
  ASSERT_TRUE(d.waitReady()) << d.stderrText();
  api::HttpConnection http(d.socket());
  std::string uuid;
  auto check = [&](const std::string& method, const std::string& pattern, const std::string& target, int want,
                   std::string_view ct = {}, std::string_view body = {}) -> nlohmann::json {
    auto r = http.request(method, target, ct, body);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, want) << method << " " << target << ": " << r->body;
    auto route = std::make_pair(method, pattern);
    EXPECT_TRUE(docs.routes.count(route)) << pattern;
    if (r->body.empty() || r->contentType != "application/json") return {};
    auto j = nlohmann::json::parse(r->body);
    if (r->status >= 400) {
      EXPECT_EQ(stratus::apitest::keysOf(j), docs.types.at("Error")) << target;
    } else if (docs.responseType.count(route)) {
      EXPECT_EQ(stratus::apitest::keysOf(j), docs.types.at(docs.responseType.at(route))) << target;
    }
    return j;
  };
  auto host = check("GET", "/v1/host", "/v1/host", 200);
  EXPECT_EQ(stratus::apitest::keysOf(host["version"]), docs.types.at("VersionInfo"));
  EXPECT_EQ(stratus::apitest::keysOf(host["nodeinfo"]), docs.types.at("NodeInfo"));
  EXPECT_EQ(host["uri"], "test:///system");
  auto def = check("POST", "/v1/domains", "/v1/domains?source=doc.xml", 201, "application/xml", domainXml("doc"));
  EXPECT_EQ(stratus::apitest::keysOf(def["domain"]), docs.types.at("DomainSummary"));
  auto list = check("GET", "/v1/domains", "/v1/domains", 200);
  ASSERT_EQ(list["domains"].size(), 1u);
  EXPECT_EQ(stratus::apitest::keysOf(list["domains"][0]), docs.types.at("DomainSummary"));
  check("GET", "/v1/domains/{key}", "/v1/domains/doc", 200);
  check("GET", "/v1/lookup", "/v1/lookup?key=doc", 200);
  check("POST", "/v1/domains", "/v1/domains?source=doc.xml", 409, "application/xml", domainXml("doc"));
  check("POST", "/v1/domains/{key}/actions/start", "/v1/domains/doc/actions/start", 204);
  check("POST", "/v1/domains/{key}/actions/start", "/v1/domains/doc/actions/start", 409);
  check("PUT", "/v1/domains/{key}/metadata/{kind}", "/v1/domains/doc/metadata/title", 204, "application/json",
        R"({"text":"Doc"})");
  auto meta = check("GET", "/v1/domains/{key}/metadata/{kind}", "/v1/domains/doc/metadata/title", 200);
  EXPECT_EQ(meta["text"], "Doc");
  check("POST", "/v1/domains/{key}/actions/destroy", "/v1/domains/doc/actions/destroy", 204);
  check("DELETE", "/v1/domains/{key}", "/v1/domains/doc", 204);
  check("GET", "/v1/domains/{key}", "/v1/domains/doc", 404);
  check("POST", "/v1/domains", "/v1/domains?source=broken.xml", 400, "application/xml", "<domain>");
  EXPECT_EQ(d.signalAndWait(SIGTERM), 0);
}
