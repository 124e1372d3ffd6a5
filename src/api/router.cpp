#include <nlohmann/json.hpp>

#include "api/http.h"
#include "api/json_types.h"

namespace stratus::api {

namespace {
std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

const std::string& Request::param(const std::string& name) const {
  static const std::string empty;
  auto it = params.find(name);
  return it == params.end() ? empty : it->second;
}

std::optional<std::string> Request::queryValue(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

bool Request::flag(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return false;
  return it->second != "0" && it->second != "false" && it->second != "no";
}

EventStream::EventStream() : q_(std::make_shared<Queue>()) {}
EventStream::~EventStream() {
  sub_.reset();  // unsubscribe before the queue goes
  close();
}

std::function<void(std::string)> EventStream::sink() const {
  std::weak_ptr<Queue> wq = q_;
  return [wq](std::string data) {
    if (auto q = wq.lock()) {
      std::lock_guard lk(q->mu);
      if (q->closed) return;
      // A client that stops reading must not grow the daemon without bound:
      // past the limit the stream is closed and the client reconnects.
      if (q->items.size() >= 65536) {
        q->closed = true;
      } else {
        q->items.push_back(std::move(data));
      }
      q->cv.notify_all();
    }
  };
}

void EventStream::push(std::string data) { sink()(std::move(data)); }

void EventStream::close() {
  std::lock_guard lk(q_->mu);
  q_->closed = true;
  q_->cv.notify_all();
}

EventStream::Pop EventStream::pop(std::string& out, std::chrono::milliseconds timeout) {
  std::unique_lock lk(q_->mu);
  q_->cv.wait_for(lk, timeout, [&] { return !q_->items.empty() || q_->closed; });
  if (!q_->items.empty()) {
    out = std::move(q_->items.front());
    q_->items.pop_front();
    return Pop::Item;
  }
  return q_->closed ? Pop::Closed : Pop::Timeout;
}

Response jsonResponse(int status, const nlohmann::json& j) {
  Response r;
  r.status = status;
  r.contentType = "application/json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response textResponse(int status, std::string contentType, std::string body) {
  Response r;
  r.status = status;
  r.contentType = std::move(contentType);
  r.body = std::move(body);
  return r;
}

Response errorResponse(const Error& e) { return jsonResponse(httpStatusFor(e.code), errorToJson(e)); }

Response noContent() {
  Response r;
  r.status = 204;
  return r;
}

void Router::add(std::string method, std::string pattern, Handler h) {
  Route r{std::move(method), pattern, splitPath(pattern), std::move(h)};
  routes_.push_back(std::move(r));
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back({r.method, r.pattern});
  return out;
}

void Router::addStreaming(std::string method, std::string pattern, Handler h) {
  add(std::move(method), std::move(pattern), std::move(h));
  routes_.back().streamsBody = true;
}

const Router::Route* Router::match(const std::string& method, const std::vector<std::string>& segs,
                                   bool& pathKnown) const {
  const Route* best = nullptr;
  int bestScore = -1;
  pathKnown = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    int score = 0;
    bool match = true;
    for (std::size_t i = 0; i < segs.size() && match; ++i) {
      const auto& p = r.segments[i];
      if (p.size() > 1 && p.front() == '{' && p.back() == '}') {
        if (segs[i].empty()) match = false;
      } else if (p == segs[i]) {
        ++score;
      } else {
        match = false;
      }
    }
    if (!match) continue;
    pathKnown = true;
    if (r.method != method) continue;
    if (score > bestScore) {
      best = &r;
      bestScore = score;
    }
  }
  return best;
}

void Router::setFallback(Handler h, bool streamsBody) {
  fallback_ = std::move(h);
  fallbackStreams_ = streamsBody;
}

bool Router::streamsBody(const std::string& method, const std::string& path) const {
  bool known = false;
  const Route* r = match(method, splitPath(path), known);
  if (!r && fallback_) return fallbackStreams_;
  return r && r->streamsBody;
}

Response Router::dispatch(Request& req) const {
  auto segs = splitPath(req.path);
  bool pathKnown = false;
  const Route* best = match(req.method, segs, pathKnown);
  if (!best && fallback_) {
    try {
      return fallback_(req);
    } catch (const std::exception& e) {
      return errorResponse(Error(ErrorCode::InternalError, std::string("unhandled exception: ") + e.what()));
    }
  }
  if (!best) {
    Response resp = errorResponse(Error(ErrorCode::Unsupported,
                                        pathKnown ? "method " + req.method + " not allowed on " + req.path
                                                  : "no such API route: " + req.method + " " + req.path));
    resp.status = pathKnown ? 405 : 404;
    return resp;
  }
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto& p = best->segments[i];
    if (p.size() > 1 && p.front() == '{' && p.back() == '}') req.params[p.substr(1, p.size() - 2)] = segs[i];
  }
  try {
    return best->handler(req);
  } catch (const std::exception& e) {
    return errorResponse(Error(ErrorCode::InternalError, std::string("unhandled exception: ") + e.what()));
  }
}

std::string percentDecode(std::string_view s, bool plusIsSpace, bool* ok) {
  std::string out;
  out.reserve(s.size());
  if (ok) *ok = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? hexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
      if (ok) *ok = false;
      out.push_back(c);
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool parseTarget(const std::string& target, std::string& path, std::map<std::string, std::string>& query) {
  bool ok = true;
  auto q = target.find('?');
  std::string_view rawPath(target.data(), q == std::string::npos ? target.size() : q);
  // Decode per segment so an encoded '/' (%2F) cannot split a segment; names
  // never contain '/', but the key is then rejected by the node, not routed.
  path.clear();
  std::size_t i = 0;
  while (i < rawPath.size()) {
    auto j = rawPath.find('/', i);
    if (j == std::string_view::npos) j = rawPath.size();
    if (j > i) {
      bool segOk = true;
      std::string seg = percentDecode(rawPath.substr(i, j - i), false, &segOk);
      ok = ok && segOk;
      for (char& c : seg)
        if (c == '/') c = '\x01';  // keeps the segment whole; never a valid key
      path += seg;
    }
    if (j < rawPath.size()) path.push_back('/');
    i = j + 1;
  }
  query.clear();
  if (q != std::string::npos) {
    std::string_view qs(target.data() + q + 1, target.size() - q - 1);
    std::size_t k = 0;
    while (k <= qs.size()) {
      auto amp = qs.find('&', k);
      if (amp == std::string_view::npos) amp = qs.size();
      auto part = qs.substr(k, amp - k);
      if (!part.empty()) {
        auto eq = part.find('=');
        bool a = true, b = true;
        std::string key = percentDecode(part.substr(0, eq), true, &a);
        std::string val = eq == std::string_view::npos ? "" : percentDecode(part.substr(eq + 1), true, &b);
        ok = ok && a && b;
        query[std::move(key)] = std::move(val);
      }
      k = amp + 1;
    }
  }
  return ok;
}

}  // namespace stratus::api
