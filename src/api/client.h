// The C++ client of stratusd's API: a NodeService over HTTP on the daemon's
// unix socket, TCP or ssh (libvirt's "remote driver"; api/endpoint.h). The CLI and the cloud hold it
// exactly like an in-process daemon::Node.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/endpoint.h"
#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::api {

// The socket of a daemon started with --root ROOT: ROOT/run/stratus/stratusd.sock.
std::string socketPathForRoot(const std::string& root);

struct HttpReply {
  int status = 0;
  std::string contentType;
  std::string body;
};

// Persistent keep-alive HTTP connections to stratusd. Thread-safe: each
// concurrent request uses its own connection from a small pool (one, for a
// single-threaded caller). When the daemon dropped an idle connection the
// request is retried once on a new one (only when nothing of the reply
// arrived, so a request is never run twice on purpose). Closing the object
// closes the connections (start --autodestroy guests then go).
class HttpConnection {
 public:
  explicit HttpConnection(std::string socketPath);
  explicit HttpConnection(Endpoint endpoint);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Connects now; ConnectFailed "cannot connect to stratusd at PATH: ..." when
  // nothing answers. (Over TCP the token is checked by the first request.)
  Status connect();
  // ConnectFailed when the daemon cannot be reached; HTTP error statuses are
  // replies, not errors.
  Result<HttpReply> request(std::string_view method, const std::string& target, std::string_view contentType = {},
                            std::string_view body = {});
  const std::string& socketPath() const;  // empty unless a unix endpoint
  const Endpoint& endpoint() const;

  // A request whose body is pulled piece by piece from `pull` (an empty
  // piece ends it) and sent with chunked transfer encoding, on a connection
  // of its own: volumes can be gigabytes. A failing pull aborts the request
  // (the connection is dropped, so the daemon sees a cut body) and is the
  // result.
  Result<HttpReply> requestStreamingBody(std::string_view method, const std::string& target,
                                         std::string_view contentType,
                                         const std::function<Result<std::string>()>& pull);
  // A request whose 200 answer is pushed piece by piece to `onData` (the
  // reply's body then stays empty); other answers come back whole. A failing
  // onData aborts the transfer and is the result; an error the daemon reports
  // after the answer began (the Stratus-Error trailer) is the result too.
  Result<HttpReply> requestStreamingReply(std::string_view method, const std::string& target,
                                          const std::function<Status(std::string_view)>& onData);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A Server-Sent Events stream (GET target) on its own connection.
class SseStream {
 public:
  // Returns once the daemon has answered 200 (the subscription is live), or
  // the error the daemon answered.
  static Result<std::unique_ptr<SseStream>> open(const std::string& socketPath, const std::string& target);
  static Result<std::unique_ptr<SseStream>> open(const Endpoint& endpoint, const std::string& target);
  ~SseStream();
  // Blocks for the next "data:" payload; nullopt when the stream ended.
  std::optional<std::string> next();
  // Wakes a blocked next() (from another thread); it then returns nullopt.
  void shutdown();

  struct Impl;

 private:
  explicit SseStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// GET `target` with `Upgrade: stratus-console` on a new connection. On 101
// returns the connection's fd, positioned at the first byte after the
// answer's header (the caller owns it); otherwise the daemon's error.
Result<int> openUpgraded(const std::string& socketPath, const std::string& target);
Result<int> openUpgraded(const Endpoint& endpoint, const std::string& target);

// Decodes an error reply (the JSON error body) into the exact Error.
Error errorFromReply(const HttpReply& reply);

// Connects to the daemon at `socketPath`; `uri` is what uri() reports (empty:
// ask the daemon).
Result<std::unique_ptr<daemon::NodeService>> connectToDaemon(const std::string& socketPath, const std::string& uri);
// The same over any endpoint. A TCP endpoint's token is checked here (one
// request), so a wrong token fails the connect, as in libvirt.
Result<std::unique_ptr<daemon::NodeService>> connectToDaemon(Endpoint endpoint, const std::string& uri);

}  // namespace stratus::api
