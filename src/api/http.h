// Transport-neutral HTTP request/response and the route table. The route
// handlers (routes_*.cpp) only see these types; the Beast transport lives in
// server.cpp alone.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::api {

// A request body read piece by piece, for the routes that stream it (volume
// upload: gigabytes never sit in memory). The transport decodes chunked
// transfer encoding underneath.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Up to `max` bytes into `buf`; 0 once the body has ended. An error when
  // the connection broke or the framing was malformed.
  virtual Result<std::size_t> read(char* buf, std::size_t max) = 0;
};

// A response body written piece by piece (volume download). The transport
// sends the status line and headers just before the first piece, with
// chunked transfer encoding; see Response::stream.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual Status write(std::string_view data) = 0;
};

// The trailer that reports an error after a streamed 200 answer began: the
// percent-encoded JSON error document (errorToJson).
inline constexpr const char* kStreamErrorTrailer = "Stratus-Error";

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded per segment, without the query
  std::string target;  // the request-target as sent (still encoded), for signature checks
  std::map<std::string, std::string> query;   // decoded; "?inactive" is {"inactive", ""}
  std::map<std::string, std::string> params;  // path parameters: {key} -> value
  std::string contentType;
  std::string body;
  // Request headers by lower-case name (the last one of a repeated name).
  std::map<std::string, std::string> headers;
  // Set instead of `body` for routes added with Router::addStreaming: the
  // handler reads the body itself. Null otherwise.
  BodyReader* bodyReader = nullptr;
  // Runs `fn` when the client's connection closes (start --autodestroy).
  // Empty when the transport has no connection (tests calling the router).
  std::function<void(std::function<void()>)> onConnectionClose;

  const std::string& param(const std::string& name) const;
  std::optional<std::string> queryValue(const std::string& name) const;
  // A flag query parameter: present and not "0"/"false"/"no".
  bool flag(const std::string& name) const;
};

// Server-Sent Events source: the events route fills it from a NodeService
// subscription; the transport drains it onto the connection.
class EventStream {
 public:
  enum class Pop { Item, Timeout, Closed };
  EventStream();
  ~EventStream();
  void push(std::string data);  // one SSE "data:" payload
  void close();
  Pop pop(std::string& out, std::chrono::milliseconds timeout);
  void hold(std::unique_ptr<daemon::EventSubscription> sub) { sub_ = std::move(sub); }

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> items;
    bool closed = false;
  };
  std::shared_ptr<Queue> q_;
  std::unique_ptr<daemon::EventSubscription> sub_;

 public:
  // The callback side, safe to outlive the stream.
  std::function<void(std::string)> sink() const;
};

struct Response {
  int status = 200;
  std::string contentType;  // empty when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<EventStream> events;  // set: stream SSE instead of `body`
  // >= 0: answer 101 Switching Protocols and relay raw bytes between the
  // connection and this descriptor until either side closes (consoles).
  // The transport closes it.
  int upgradeFd = -1;
  // Set: the body is produced by this function (status 200, `contentType`,
  // `headers`) through the writer. When it fails before writing anything the
  // answer is the error response instead; after, the chunked body ends with
  // the kStreamErrorTrailer trailer carrying the error.
  std::function<Status(BodyWriter&)> stream;
  // Set: the answer's Content-Length. A streamed body of known length (an
  // S3 object) then goes without chunked encoding, under `status`; with an
  // empty `body` and no `stream` it is a HEAD answer's announced length.
  std::optional<std::uint64_t> contentLength;
};

Response jsonResponse(int status, const nlohmann::json& j);
Response textResponse(int status, std::string contentType, std::string body);
Response errorResponse(const Error& e);
Response noContent();

// Counters the /metrics route reports; owned by the server.
struct ServerStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<int> connections{0};
  std::atomic<int> eventStreams{0};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

using Handler = std::function<Response(Request&)>;

struct RouteInfo {
  std::string method;
  std::string pattern;  // "/v1/domains/{key}/xml"
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler h);
  // A route whose handler reads the request body through req.bodyReader.
  void addStreaming(std::string method, std::string pattern, Handler h);
  // Does the route that `method path` reaches stream its request body?
  bool streamsBody(const std::string& method, const std::string& path) const;
  // Finds the route (literal segments beat {params}), fills req.params and
  // runs it. Unknown paths: 404, known path with another method: 405, both
  // with a JSON error body. Exceptions become 500 internal-error.
  Response dispatch(Request& req) const;
  std::vector<RouteInfo> routes() const;
  // Runs `h` for every request no route matches, instead of answering 404
  // (the S3 server: object keys hold '/', so no pattern can name them).
  void setFallback(Handler h, bool streamsBody);

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool streamsBody = false;
  };
  const Route* match(const std::string& method, const std::vector<std::string>& segs, bool& pathKnown) const;
  std::vector<Route> routes_;
  Handler fallback_;
  bool fallbackStreams_ = false;
};

// Splits "/a/b%20c?x=1&y" into a decoded path and query map; false when the
// percent-encoding is malformed.
bool parseTarget(const std::string& target, std::string& path, std::map<std::string, std::string>& query);
std::string percentDecode(std::string_view s, bool plusIsSpace, bool* ok = nullptr);
// Encodes everything but unreserved characters (RFC 3986).
std::string percentEncode(std::string_view s);

// Every route of the API bound to `node` (docs/api.md lists them).
Router makeRouter(daemon::NodeService& node, ServerStats& stats);

}  // namespace stratus::api
