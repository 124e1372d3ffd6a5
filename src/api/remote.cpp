#include "api/remote.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "api/client.h"
#include "api/http.h"
#include "api/token_store.h"
#include "util/atomic_file.h"

extern char** environ;

namespace stratus::api {

namespace {

constexpr std::string_view kLocalSocket = "/run/stratus/stratusd.sock";

Error noDriver(std::string_view uri) {
  return Error(ErrorCode::ConnectFailed, "no connection driver available for " + std::string(uri));
}

Error badUri(std::string_view uri, std::string_view why) {
  return Error(ErrorCode::InvalidArgument, "invalid URI " + std::string(uri) + ": " + std::string(why));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The ssh children of one endpoint (and its copies).
struct SshChildren {
  std::mutex mu;
  std::vector<pid_t> pids;

  void reapExited() {
    std::lock_guard lk(mu);
    std::erase_if(pids, [](pid_t p) {
      int st;
      return ::waitpid(p, &st, WNOHANG) == p;
    });
  }
  // Our ends of their sockets are closed by now, so each ssh is on its way
  // out; one that lingers (a stuck remote) is told to go.
  ~SshChildren() {
    for (pid_t p : pids) {
      int st;
      if (::waitpid(p, &st, WNOHANG) == p) continue;
      ::kill(p, SIGTERM);
      ::waitpid(p, &st, 0);
    }
  }
};

}  // namespace

Result<RemoteUri> parseRemoteUri(std::string_view uri) {
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) return noDriver(uri);
  std::string_view scheme = uri.substr(0, sep);
  std::string_view rest = uri.substr(sep + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  RemoteUri r;
  if (scheme == "qemu" || scheme == "qemu+unix") {
    if (!authority.empty()) {
      if (scheme == "qemu") return badUri(uri, "a remote host needs a transport: qemu+tcp:// or qemu+ssh://");
      return badUri(uri, "qemu+unix takes no host");
    }
    r.transport = RemoteUri::Transport::Unix;
    r.socketPath = std::string(kLocalSocket);
  } else if (scheme == "qemu+tcp") {
    r.transport = RemoteUri::Transport::Tcp;
  } else if (scheme == "qemu+ssh") {
    r.transport = RemoteUri::Transport::Ssh;
  } else if (scheme == "qemu+tls") {
    return Error(ErrorCode::Unsupported, "qemu+tls is not supported by this build: use qemu+tcp (token) or qemu+ssh");
  } else {
    return noDriver(uri);
  }
  if (path != "/system" && path != "/session") return noDriver(uri);
  if (r.transport != RemoteUri::Transport::Unix) {
    if (authority.empty())
      return badUri(uri, std::string(scheme) + " needs a host: " + std::string(scheme) + "://HOST/system");
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      if (r.transport != RemoteUri::Transport::Ssh) return badUri(uri, "qemu+tcp takes no user name");
      r.user = std::string(authority.substr(0, at));
      authority = authority.substr(at + 1);
      if (r.user.empty() || r.user.find_first_of(" :/") != std::string::npos) return badUri(uri, "bad user name");
    }
    auto hp = parseHostPort(authority, "URI " + std::string(uri));
    if (!hp.ok()) return hp.error();
    r.host = std::move(hp).value();
    if (r.host.host.front() == '-') return badUri(uri, "bad host");  // never an ssh option
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string value = eq == std::string_view::npos ? std::string() : percentDecode(kv.substr(eq + 1), false);
    if (key == "socket" && r.transport != RemoteUri::Transport::Tcp) {
      if (value.empty() || value.front() != '/') return badUri(uri, "socket= needs an absolute path");
      r.socketPath = value;
    } else if (key == "stratus" && r.transport == RemoteUri::Transport::Ssh) {
      if (value.empty()) return badUri(uri, "stratus= needs a command");
      r.stratusBinary = value;
    } else {
      return Error(ErrorCode::InvalidArgument, "unsupported URI parameter '" + std::string(kv) + "' in " +
                                                   std::string(uri));
    }
  }
  return r;
}

Result<std::string> lookupToken(const std::string& remotesFile, const HostPort& host) {
  std::string add = "set STRATUS_TOKEN or add a line '" + host.str() + " TOKEN' (or '" +
                    (host.host.find(':') != std::string::npos ? "[" + host.host + "]" : host.host) + " TOKEN') to " +
                    remotesFile + " (the token comes from `stratusd token create` on that host)";
  if (remotesFile.empty()) return Error(ErrorCode::AuthFailed, "no token for " + host.str() + ": set STRATUS_TOKEN");
  if (::access(remotesFile.c_str(), F_OK) != 0)
    return Error(ErrorCode::AuthFailed, "no token for " + host.str() + ": " + remotesFile + " does not exist; " + add);
  STRATUS_TRY(checkPrivateFile(remotesFile));
  auto text = readFile(remotesFile);
  if (!text.ok()) return text.error();
  std::string exact, hostOnly;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) continue;
    std::string_view key = line.substr(0, sp);
    std::string_view token = trim(line.substr(sp));
    auto hp = parseHostPort(key, remotesFile);
    if (!hp.ok() || token.empty() || hp->host != host.host) continue;
    if (hp->portGiven) {
      if (hp->port == host.port && exact.empty()) exact = std::string(token);
    } else if (hostOnly.empty()) {
      hostOnly = std::string(token);
    }
  }
  if (!exact.empty()) return exact;
  if (!hostOnly.empty()) return hostOnly;
  return Error(ErrorCode::AuthFailed, "no token for " + host.str() + " in " + remotesFile + ": " + add);
}

Result<std::string> tokenFor(const std::string& remotesFile, const HostPort& host) {
  if (const char* t = std::getenv("STRATUS_TOKEN"); t && *t) return std::string(t);
  return lookupToken(remotesFile, host);
}

Endpoint sshEndpoint(const RemoteUri& target, std::chrono::milliseconds ioTimeout) {
  std::vector<std::string> argv = {"ssh", "-T", "-e", "none", "-o", "ServerAliveInterval=5"};
  if (target.host.portGiven) {
    argv.push_back("-p");
    argv.push_back(std::to_string(target.host.port));
  }
  if (!target.user.empty()) {
    argv.push_back("-l");
    argv.push_back(target.user);
  }
  argv.push_back("--");
  argv.push_back(target.host.host);
  // ssh hands the remote shell one string: quote what we pass.
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string remote = quote(target.stratusBinary) + " proxy";
  if (!target.socketPath.empty()) remote += " --socket " + quote(target.socketPath);
  argv.push_back(remote);

  Endpoint e;
  std::string who = (target.user.empty() ? "" : target.user + "@") + target.host.host;
  e.name = "stratusd at ssh://" + (target.host.portGiven ? who + ":" + std::to_string(target.host.port) : who);
  e.ioTimeout = ioTimeout;
  e.closedHint = "ssh or the remote '" + target.stratusBinary + " proxy' ended; see its messages above";
  auto children = std::make_shared<SshChildren>();
  e.dial = [argv, children, who]() -> Result<int> {
    children->reapExited();
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return systemError("socketpair for ssh", errno);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);  // dup2 clears CLOEXEC on the copies
    posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, "ssh", &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(sv[1]);
    if (rc != 0) {
      ::close(sv[0]);
      return Error(ErrorCode::ConnectFailed, "cannot run ssh to " + who + ": " + std::strerror(rc));
    }
    std::lock_guard lk(children->mu);
    children->pids.push_back(pid);
    return sv[0];
  };
  return e;
}

Result<std::unique_ptr<daemon::NodeService>> connectRemote(const std::string& uri, const RemoteOptions& opts) {
  auto target = parseRemoteUri(uri);
  if (!target.ok()) return target.error();
  switch (target->transport) {
    case RemoteUri::Transport::Unix: {
      Endpoint ep = unixEndpoint(target->socketPath);
      ep.ioTimeout = opts.ioTimeout;
      return connectToDaemon(std::move(ep), uri);
    }
    case RemoteUri::Transport::Tcp: {
      auto token = tokenFor(opts.remotesFile, target->host);
      if (!token.ok()) return token.error();
      return connectToDaemon(
          tcpEndpoint(target->host.host, target->host.port, *token, opts.connectTimeout, opts.ioTimeout), uri);
    }
    case RemoteUri::Transport::Ssh: return connectToDaemon(sshEndpoint(*target, opts.ioTimeout), uri);
  }
  return noDriver(uri);
}

}  // namespace stratus::api
