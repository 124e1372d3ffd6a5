#include "pg_test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "util/random.h"

namespace stratus::testing {

namespace fs = std::filesystem;

namespace {

// The newest /usr/lib/postgresql/N/bin with initdb and postgres, or
// $STRATUS_PG_BINDIR.
std::string findBinDir() {
  if (const char* env = std::getenv("STRATUS_PG_BINDIR")) return env;
  std::string best;
  int bestVersion = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    auto bin = e.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "postgres")) continue;
    int v = std::atoi(e.path().filename().c_str());
    if (v > bestVersion) {
      bestVersion = v;
      best = bin.string();
    }
  }
  return best;
}

struct RunAs {
  bool switchUser = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// In the forked child: become the user, send output to `log`, exec.
[[noreturn]] void execAs(const RunAs& as, const std::vector<std::string>& argv, const std::string& log,
                         bool dieWithParent, pid_t parent) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0) ::dup2(null, 0);
  if (as.switchUser) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0) ::_exit(126);
  }
  // After the user switch (which clears it): the server goes when the test
  // process dies, however it dies.
  if (dieWithParent) {
    ::prctl(PR_SET_PDEATHSIG, SIGINT);
    if (::getppid() != parent) ::_exit(125);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

pid_t spawn(const RunAs& as, const std::vector<std::string>& argv, const std::string& log, bool dieWithParent) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) execAs(as, argv, log, dieWithParent, parent);
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// Stops a server by its PID: SIGINT (fast shutdown), SIGKILL if it is
// still there after 30 s.
void stopServer(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGINT);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// The dirs of earlier test processes that died without cleaning up (their
// server went with them: parent-death signal): stratus-pg-PID-* whose PID
// is gone.
void removeStaleDirs() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("stratus-pg-", 0) != 0) continue;
    pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + 11));
    if (owner <= 0 || owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::string pidFile = slurp((e.path() / "data" / "postmaster.pid").string());
    pid_t server = static_cast<pid_t>(std::atol(pidFile.c_str()));
    if (server > 0 && ::kill(server, 0) == 0) continue;  // still serving someone
    fs::remove_all(e.path(), ec);
  }
}

}  // namespace

PgTestServer* PgTestServer::shared(std::string* why) {
  // Started once per test process, stopped at its exit (static lifetime).
  static std::mutex mu;
  static std::unique_ptr<PgTestServer> server;
  static std::string failure;
  std::lock_guard lk(mu);
  if (!server && failure.empty()) {
    server = start(&failure);
    if (!server && failure.empty()) failure = "PostgreSQL did not start";
  }
  if (!server && why) *why = failure;
  return server.get();
}

std::unique_ptr<PgTestServer> PgTestServer::start(std::string* why) {
  std::string bin = findBinDir();
  if (bin.empty() || !fs::exists(bin + "/initdb") || !fs::exists(bin + "/postgres")) {
    *why = "PostgreSQL is not installed: no initdb and postgres in " +
           (bin.empty() ? std::string("/usr/lib/postgresql/N/bin") : bin) +
           " (apt-get install postgresql, or set STRATUS_PG_BINDIR)";
    return nullptr;
  }
  RunAs as;
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) {
      *why = "PostgreSQL is not installed: running as root and there is no 'postgres' user to run the server as";
      return nullptr;
    }
    as = {true, pw->pw_uid, pw->pw_gid};
  }
  std::unique_ptr<PgTestServer> s(new PgTestServer());
  removeStaleDirs();
  std::string tmpl = (fs::temp_directory_path() / ("stratus-pg-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) {
    *why = "cannot make a temp dir for PostgreSQL";
    return nullptr;
  }
  s->dir_ = tmpl;
  s->password_ = randomHex(12) + "-p@ss:w/rd";  // characters a URL must escape
  std::string pwfile = s->dir_ + "/pwfile", log = s->dir_ + "/server.log";
  { std::ofstream(pwfile) << s->password_ << "\n"; }
  if (as.switchUser) {
    for (const auto& p : {s->dir_, pwfile})
      if (::chown(p.c_str(), as.uid, as.gid) != 0) {
        *why = "cannot give " + p + " to the postgres user";
        return nullptr;
      }
  }
  ::chmod(s->dir_.c_str(), 0700);
  pid_t init = spawn(as,
                     {bin + "/initdb", "-D", s->dir_ + "/data", "-U", "stratus", "--pwfile=" + pwfile,
                      "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
                     s->dir_ + "/initdb.log", false);
  int status = 0;
  ::waitpid(init, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *why = "initdb failed: " + slurp(s->dir_ + "/initdb.log");
    return nullptr;
  }
  s->port_ = freeLoopbackPort();
  s->pid_ = spawn(as,
                  {bin + "/postgres", "-D", s->dir_ + "/data", "-p", std::to_string(s->port_), "-k", s->dir_, "-c",
                   "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                   "full_page_writes=off"},
                  log, true);
  std::string probe = "host=127.0.0.1 port=" + std::to_string(s->port_) + " dbname=postgres connect_timeout=2";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    if (PQping(probe.c_str()) == PQPING_OK) break;
    if (::waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
      s->pid_ = -1;
      *why = "postgres exited at start: " + slurp(log);
      return nullptr;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      *why = "postgres did not answer on 127.0.0.1:" + std::to_string(s->port_) + " in 60 s: " + slurp(log);
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto admin = cloud::openSqlDb(s->url("postgres"));
  if (!admin) {
    *why = "cannot connect to the test's PostgreSQL: " + admin.error().describe();
    return nullptr;
  }
  s->admin_ = std::move(*admin);
  return s;
}

PgTestServer::~PgTestServer() {
  admin_.reset();
  stopServer(pid_);
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string PgTestServer::url(const std::string& dbname) const {
  // The password percent-encoded: it holds @ : / on purpose.
  std::string enc;
  for (unsigned char c : password_) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      enc += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      enc += b;
    }
  }
  return "postgresql://stratus:" + enc + "@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
}

Status PgTestServer::admin(const std::string& sql, const std::vector<cloud::SqlValue>& args) {
  std::lock_guard lk(adminMu_);
  return admin_->exec(sql, args);
}

Result<std::string> PgTestServer::createDatabase(const std::string& options) {
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(next_++);
  STRATUS_TRY(admin("CREATE DATABASE " + name + (options.empty() ? "" : " " + options)));
  return url(name);
}

void PgTestServer::dropDatabase(const std::string& url) {
  std::string name = url.substr(url.rfind('/') + 1);
  (void)admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

}  // namespace stratus::testing
