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

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded per segment, without the query
  std::map<std::string, std::string> query;   // decoded; "?inactive" is {"inactive", ""}
  std::map<std::string, std::string> params;  // path parameters: {key} -> value
  std::string contentType;
  std::string body;
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
  // Finds the route (literal segments beat {params}), fills req.params and
  // runs it. Unknown paths: 404, known path with another method: 405, both
  // with a JSON error body. Exceptions become 500 internal-error.
  Response dispatch(Request& req) const;
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
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
