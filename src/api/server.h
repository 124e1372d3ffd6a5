// The node daemon's HTTP/1.1 API server on a unix socket. One accept thread
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

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stratus::api
