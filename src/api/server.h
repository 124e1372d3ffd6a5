// The node daemon's HTTP/1.1 API server on a unix socket and, optionally, on
// TCP addresses where every request must carry a token from the tokens file
// (Authorization: Bearer TOKEN; api/token_store.h). One accept thread
// and one thread per client connection (blocking I/O, keep-alive), so a
// query on one connection never waits behind a slow job on another; the
// node serialises per-domain work itself.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/http.h"
#include "daemon/node_service.h"
#include "util/error.h"

namespace spdlog {
class logger;
}

namespace stratus::api {

struct ServerOptions {
  std::string socketPath;                  // created with mode 0600
  std::shared_ptr<spdlog::logger> logger;  // null: log nothing
  std::chrono::seconds idleTimeout{300};   // close idle keep-alive connections
  std::size_t maxConnections = 1024;       // beyond: answered 503 and closed
  // TCP: ADDR[:PORT] each (port 16509 when none; 0: any free port, see
  // tcpAddresses()); "[::1]:16509" for IPv6. Needs tokensFile to hold a
  // token, else start() fails saying to run `stratusd token create`.
  std::vector<std::string> listen;
  std::string tokensFile;  // ROOT/etc/stratus/auth/tokens (mode 0600, the daemon's user)
};

class Server {
 public:
  // Binds the socket and starts serving. A stale socket file is removed;
  // fails (OperationInvalid) when another daemon answers on the path.
  static Result<std::unique_ptr<Server>> start(daemon::NodeService& node, ServerOptions opts);
  ~Server();  // stop()

  // Stops accepting, lets in-flight requests finish and answer, closes idle
  // connections and event streams, removes the socket file. Idempotent.
  void stop();

  std::vector<RouteInfo> routes() const;
  const ServerStats& stats() const;
  const std::string& socketPath() const;
  // The TCP addresses bound, "127.0.0.1:16509" / "[::1]:16509", in order.
  std::vector<std::string> tcpAddresses() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::api
