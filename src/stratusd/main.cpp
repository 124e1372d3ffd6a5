// stratusd: the Stratus node daemon. Opens the node (definitions under
// ROOT/etc/stratus/qemu, live state under ROOT/run/stratus) and serves the
// HTTP+JSON API on ROOT/run/stratus/stratusd.sock (and, with --listen, on
// TCP for holders of a token) until SIGTERM/SIGINT. `stratusd token ...`
// manages those tokens (token_command.cpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/remote.h"
#include "api/server.h"
#include "api/token_store.h"
#include "daemon/node.h"
#include "network/host_network_backend.h"
#include "drivers/qemu/qemu_driver.h"
#include "drivers/test/test_driver.h"
#include "stratus_version.h"
#include "stratusd/token_command.h"
#include "util/compress.h"

namespace fs = std::filesystem;
using namespace stratus;

namespace {

struct Options {
  std::string root = "/";
  bool daemonize = false;
  std::string driver = "qemu";
  std::string logFile;  // default ROOT/var/log/stratus/stratusd.log
  std::string kvmDevice = "/dev/kvm";
  std::string saveImageFormat = "raw";
  std::uint64_t saveMaxBandwidthMiB = 0;
  // Incoming migrations (libvirt's migration_address, migration_host,
  // migration_port_min/max).
  std::string migrationAddress = "0.0.0.0";
  std::string migrationHost;
  std::string migrationPorts = "49152-49215";
  unsigned migrationKeepaliveTimeout = 30;
  bool verbose = false;
  std::vector<std::string> listen;  // TCP ADDR[:PORT]s
};

// "MIN-MAX" of --migration-ports.
bool parsePortRange(const std::string& text, int& min, int& max) {
  auto dash = text.find('-');
  if (dash == std::string::npos) return false;
  try {
    std::size_t a = 0, b = 0;
    min = std::stoi(text.substr(0, dash), &a);
    max = std::stoi(text.substr(dash + 1), &b);
    return a == dash && b == text.size() - dash - 1 && min > 0 && max <= 65535 && min <= max;
  } catch (const std::exception&) {
    return false;
  }
}
// How long the --p2p peer connection may stay silent before it counts as
// cut (the keepalives the orchestrator sends every second answer at once).
constexpr std::chrono::seconds kPeerIoTimeout{15};

struct Paths {
  std::string runDir, socket, pidFile, logFile;
};

Paths pathsFor(const Options& o) {
  fs::path root = o.root.empty() ? fs::path("/") : fs::path(o.root);
  Paths p;
  p.runDir = (root / "run/stratus").string();
  p.socket = (root / "run/stratus/stratusd.sock").string();
  p.pidFile = (root / "run/stratus/stratusd.pid").string();
  p.logFile = o.logFile.empty() ? (root / "var/log/stratus/stratusd.log").string() : o.logFile;
  return p;
}

// --daemon: double fork + setsid. The original process waits on a pipe until
// the daemon is serving (exit 0) or failed (exit 1), so scripts can rely on
// the socket once `stratusd --daemon` returns. Returns the pipe's write end
// in the daemon, -1 on error.
int daemonize(const std::string& logFile) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid > 0) {
    ::close(pipefd[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);  // the intermediate child exits at once
    char c = 0;
    ssize_t n;
    do n = ::read(pipefd[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && c == 'R') std::_Exit(0);
    std::fprintf(stderr, "stratusd: the daemon failed to start; see %s\n", logFile.c_str());
    std::_Exit(1);
  }
  ::close(pipefd[0]);
  if (::setsid() < 0) std::_Exit(1);
  pid = ::fork();
  if (pid < 0) std::_Exit(1);
  if (pid > 0) std::_Exit(0);
  if (::chdir("/") != 0) std::_Exit(1);
  ::umask(022);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  return pipefd[1];
}

// Holds ROOT/run/stratus/stratusd.pid locked for the daemon's lifetime, so a
// second daemon on the same root refuses to start.
class PidFile {
 public:
  Status acquire(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return systemError("cannot open pid file " + path, errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
      std::string other = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
      while (!other.empty() && (other.back() == '\n' || other.back() == ' ')) other.pop_back();
      ::close(fd_);
      fd_ = -1;
      return Error(ErrorCode::OperationInvalid, "another stratusd (pid " + other + ") is running on this root");
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
      return systemError("cannot write pid file " + path, errno);
    return okStatus();
  }
  ~PidFile() {
    if (fd_ >= 0) {
      ::unlink(path_.c_str());
      ::close(fd_);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

std::shared_ptr<spdlog::logger> makeLogger(const Paths& p, bool toStderr, bool verbose, std::string& err) {
  std::vector<spdlog::sink_ptr> sinks;
  try {
    fs::create_directories(fs::path(p.logFile).parent_path());
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(p.logFile));
  } catch (const std::exception& e) {
    err = std::string("cannot open log file ") + p.logFile + ": " + e.what();
    return nullptr;
  }
  if (toStderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto log = std::make_shared<spdlog::logger>("stratusd", sinks.begin(), sinks.end());
  log->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  log->flush_on(spdlog::level::info);
  return log;
}

struct DriverChoice {
  std::unique_ptr<drivers::HypervisorDriver> driver;
  std::string uri;
};

// The one place that knows the drivers. The qemu driver plugs in here.
Result<DriverChoice> makeDriver(const std::string& name, const std::string& runDir, const std::string& kvmDevice) {
  if (name == "test") return DriverChoice{drivers::makeTestDriver(), "test:///system"};
  if (name == "qemu") {
    drivers::qemu::QemuDriverConfig qc;
    qc.runDir = runDir;
    qc.kvmDevice = kvmDevice;
    return DriverChoice{drivers::qemu::makeQemuDriver(qc), "qemu:///system"};
  }
  return Error(ErrorCode::InvalidArgument, "unknown driver '" + name + "' (test or qemu)");
}

int run(const Options& opts) {
  Paths paths = pathsFor(opts);
  std::string tokensFile = api::tokensPathForRoot(opts.root);
  if (!opts.listen.empty()) {
    // Refuse before detaching, where the user still sees why.
    api::TokenStore tokens(tokensFile);
    if (auto st = tokens.load(); !st.ok()) {
      std::fprintf(stderr, "stratusd: --listen: %s\n", st.error().message.c_str());
      return 1;
    }
  }
  auto driver = makeDriver(opts.driver, paths.runDir, opts.kvmDevice);
  if (!driver.ok()) {
    std::fprintf(stderr, "stratusd: %s\n", driver.error().message.c_str());
    return driver.error().code == ErrorCode::InvalidArgument ? 2 : 1;
  }
  if (auto f = normalizeImageFormat(opts.saveImageFormat); !f.ok()) {
    std::fprintf(stderr, "stratusd: --save-image-format: %s\n", f.error().message.c_str());
    return 2;
  }

  // Signals are taken synchronously by sigwait below; block them before any
  // thread starts so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  int readyFd = -1;
  if (opts.daemonize) {
    readyFd = daemonize(paths.logFile);
    if (readyFd < 0) {
      std::fprintf(stderr, "stratusd: cannot daemonize: %s\n", std::strerror(errno));
      return 1;
    }
  }

  std::string err;
  auto log = makeLogger(paths, !opts.daemonize, opts.verbose, err);
  if (!log) {
    std::fprintf(stderr, "stratusd: %s\n", err.c_str());
    return 1;
  }
  spdlog::set_default_logger(log);  // the node's own logging goes to the same place

  std::error_code ec;
  fs::create_directories(paths.runDir, ec);
  if (ec) {
    log->error("cannot create {}: {}", paths.runDir, ec.message());
    return 1;
  }
  PidFile pid;
  if (auto st = pid.acquire(paths.pidFile); !st.ok()) {
    log->error("{}", st.error().describe());
    return 1;
  }

  daemon::NodeConfig cfg;
  cfg.root = opts.root;
  cfg.uri = driver->uri;
  cfg.driverDir = "qemu";
  cfg.runAutostart = true;
  cfg.saveImageFormat = opts.saveImageFormat;
  cfg.saveMaxBandwidth = opts.saveMaxBandwidthMiB << 20;
  cfg.migrationAddress = opts.migrationAddress;
  cfg.migrationHost = opts.migrationHost;
  if (!parsePortRange(opts.migrationPorts, cfg.migrationPortMin, cfg.migrationPortMax)) {
    std::fprintf(stderr, "stratusd: --migration-ports: '%s' is not MIN-MAX (1-65535)\n", opts.migrationPorts.c_str());
    return 1;
  }
  cfg.migrationKeepaliveTimeout = std::chrono::seconds(opts.migrationKeepaliveTimeout);
  // --p2p: this daemon opens the destination itself, with the tokens of
  // ROOT/etc/stratus/auth/remotes.
  cfg.connectPeer = [remotes = api::remotesPathForRoot(opts.root)](const std::string& uri) {
    api::RemoteOptions ro;
    ro.remotesFile = remotes;
    ro.ioTimeout = kPeerIoTimeout;
    return api::connectRemote(uri, ro);
  };
  // Real networks (bridges, dnsmasq, nftables) go with real guests; the test
  // driver's networks are simulated like its guests.
  // So do storage pools: real directories, mounts and volumes, or the test
  // driver's in-memory ones.
  std::unique_ptr<network::NetworkBackend> networks;
  storage::PoolBackendFactory pools;
  if (cfg.uri.rfind("test:", 0) != 0) {
    networks = std::make_unique<network::HostNetworkBackend>(paths.runDir + "/network");
    pools = [runDir = paths.runDir + "/storage"](conf::PoolType t) { return storage::makeHostPoolBackend(t, runDir); };
  }
  auto node = daemon::Node::open(cfg, std::move(driver->driver), std::move(networks), std::move(pools));
  if (!node.ok()) {
    log->error("cannot open the node: {}", node.error().describe());
    return 1;
  }

  api::ServerOptions sopts;
  sopts.socketPath = paths.socket;
  sopts.logger = log;
  sopts.listen = opts.listen;
  sopts.tokensFile = tokensFile;
  auto server = api::Server::start(**node, sopts);
  if (!server.ok()) {
    log->error("{}", server.error().describe());
    return 1;
  }
  log->info("stratusd {} serving {} on {} (root {}, driver {})", STRATUS_VERSION, cfg.uri, paths.socket, opts.root,
            opts.driver);

  if (readyFd >= 0) {
    char r = 'R';
    (void)!::write(readyFd, &r, 1);
    ::close(readyFd);
  }

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log->info("SIGHUP: nothing to reload");
      continue;
    }
    log->info("{}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  (*node)->cancelOperations();  // a save in progress ends now; its guest keeps running
  (*server)->stop();  // stop accepting; in-flight requests finish and answer
  (*node)->drain();   // running jobs finish; guests keep running
  server->reset();
  node->reset();
  log->info("stratusd stopped");
  log->flush();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  CLI::App app{"stratusd: the Stratus node daemon (domains on this host, HTTP+JSON API on a unix socket and, "
               "with --listen, on TCP for holders of a token)"};
  app.add_option("--root", opts.root,
                 "Root of all state: ROOT/etc/stratus/qemu (definitions), ROOT/run/stratus (live state, "
                 "socket stratusd.sock, pid file)")
      ->default_val("/");
  app.add_flag("--daemon", opts.daemonize, "Detach (double fork, setsid); returns once the socket is serving");
  app.add_option("--driver", opts.driver,
                 "Hypervisor driver: qemu (real QEMU guests) or test (simulated guests, no QEMU)")
      ->default_val("qemu");
  app.add_option("--log-file", opts.logFile, "Log file (default ROOT/var/log/stratus/stratusd.log)");
  app.add_option("--kvm-device", opts.kvmDevice,
                 "KVM device that type='kvm' domains need (default /dev/kvm; a missing path makes them fail "
                 "with a clear error, as on a host without KVM)");
  app.add_option("--save-image-format", opts.saveImageFormat,
                 "Format of save images when a save names none: raw, gzip, bzip2, xz, lzop or zstd "
                 "(libvirt's save_image_format)")
      ->default_val("raw");
  app.add_option("--save-max-bandwidth", opts.saveMaxBandwidthMiB,
                 "Write save images at most this fast, MiB/s (default 0: as fast as possible)")
      ->default_val(0);
  app.add_option("--migration-address", opts.migrationAddress,
                 "Address incoming migrations listen on (libvirt's migration_address)")
      ->default_val("0.0.0.0");
  app.add_option("--migration-host", opts.migrationHost,
                 "Host name or address sources send migrations to (default: the listen address, else this "
                 "host's name)");
  app.add_option("--migration-ports", opts.migrationPorts,
                 "Ports for incoming migration data and NBD disk copies, MIN-MAX")
      ->default_val("49152-49215");
  app.add_option("--migration-keepalive-timeout", opts.migrationKeepaliveTimeout,
                 "Seconds an incoming guest waits without word from its source before it is removed")
      ->default_val(30);
  app.add_option("--listen", opts.listen,
                 "Also serve the API on TCP at ADDR[:PORT] (port 16509 by default; [::1]:PORT for IPv6; "
                 "repeatable). Every request must carry a token of ROOT/etc/stratus/auth/tokens "
                 "(`stratusd token create`); refused when there is none")
      ->type_name("ADDR[:PORT]");
  app.add_flag("--verbose,-v", opts.verbose, "Debug logging (every request)");
  app.set_version_flag("--version", STRATUS_VERSION);
  TokenCommand tokens(app);
  CLI11_PARSE(app, argc, argv);
  if (tokens.chosen()) return tokens.run(opts.root);
  return run(opts);
}
