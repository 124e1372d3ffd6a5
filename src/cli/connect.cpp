#include "cli/connect.h"

#include <cstdlib>
#include <fmt/format.h>

#if STRATUS_HAVE_TEST_NODE
#include "daemon/test_node.h"
#endif
#if STRATUS_HAVE_API_CLIENT
#include "api/client.h"
#include "api/remote.h"
#endif

namespace stratus::cli {

namespace {
Error noDriver(std::string_view uri) {
  return Error(ErrorCode::ConnectFailed, fmt::format("no connection driver available for {}", uri));
}
}  // namespace

Result<ConnectTarget> parseUri(std::string_view uri) {
  ConnectTarget t;
  t.uri = std::string(uri);
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
  std::string_view host = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (scheme == "test") {
    if (!host.empty() || path.empty() || !query.empty()) return noDriver(uri);
    t.kind = ConnectTarget::Kind::Test;
    return t;
  }
  if (scheme == "qemu" || scheme == "qemu+unix") {
    if (!host.empty() || (path != "/system" && path != "/session")) return noDriver(uri);
    t.kind = ConnectTarget::Kind::Daemon;
    t.socketPath = std::string(kDefaultSocket);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (kv.starts_with("socket=")) {
        t.socketPath = std::string(kv.substr(7));
      } else {
        return Error(ErrorCode::InvalidArgument,
                     fmt::format("unsupported URI parameter '{}' in {}", kv, uri));
      }
    }
    return t;
  }
  if (scheme == "qemu+tcp" || scheme == "qemu+ssh" || scheme == "qemu+tls") {
#if STRATUS_HAVE_API_CLIENT
    auto r = api::parseRemoteUri(uri);
    if (!r.ok()) return std::move(r).error();
    t.kind = ConnectTarget::Kind::Remote;
    return t;
#endif
  }
  return noDriver(uri);
}

std::string remotesFile() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x == '/') return std::string(x) + "/stratus/remotes";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "") + "/.config/stratus/remotes";
}

std::string resolveUri(const char* fromCommandLine) {
  if (fromCommandLine && *fromCommandLine) return fromCommandLine;
  for (const char* env : {"STRATUS_DEFAULT_URI", "LIBVIRT_DEFAULT_URI"})
    if (const char* v = std::getenv(env); v && *v) return v;
  return "qemu:///system";
}

Result<std::unique_ptr<daemon::NodeService>> connectTo(const std::string& uri) {
  auto target = parseUri(uri);
  if (!target) return std::move(target).error();
  if (target->kind == ConnectTarget::Kind::Test) {
#if STRATUS_HAVE_TEST_NODE
    return daemon::openTestNode(uri);
#else
    return Error(ErrorCode::Unsupported, "the test driver is not part of this build");
#endif
  }
#if STRATUS_HAVE_API_CLIENT
  if (target->kind == ConnectTarget::Kind::Remote) {
    api::RemoteOptions o;
    o.remotesFile = remotesFile();
    return api::connectRemote(uri, o);
  }
  return api::connectToDaemon(target->socketPath, uri);
#else
  return Error(ErrorCode::ConnectFailed,
               fmt::format("Failed to connect socket to '{}': the daemon client is not part of this build",
                           target->socketPath));
#endif
}

}  // namespace stratus::cli
