// The client transport: unix socket + HTTP/1.1 with Boost.Beast. The only
// client file that includes Beast.
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/client.h"
#include "api/fd_stream.h"
#include "api/http.h"

namespace http = boost::beast::http;

namespace stratus::api {

namespace {

// Read/write timeout of a connection to `ep`, as FdStream takes it.
int ioMs(const Endpoint& ep) { return ep.ioTimeout.count() > 0 ? static_cast<int>(ep.ioTimeout.count()) : -1; }

Error lostError(const Endpoint& ep, const boost::system::error_code& ec) {
  if (ec == boost::asio::error::timed_out)
    return Error(ErrorCode::ConnectFailed, "lost connection to " + ep.name + ": no answer within " +
                                               std::to_string(ep.ioTimeout.count()) + " ms");
  std::string why = ec.message();
  if ((ec == boost::asio::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message) &&
      !ep.closedHint.empty())
    why += " (" + ep.closedHint + ")";
  return Error(ErrorCode::ConnectFailed, "lost connection to " + ep.name + ": " + why);
}

http::request<http::string_body> makeRequest(const Endpoint& ep, std::string_view method, const std::string& target,
                                             std::string_view contentType, std::string_view body) {
  http::request<http::string_body> req;
  req.method_string(boost::beast::string_view(method.data(), method.size()));
  req.target(target);
  req.version(11);
  req.set(http::field::host, "stratusd");
  if (!ep.token.empty()) req.set(http::field::authorization, "Bearer " + ep.token);
  if (!contentType.empty()) req.set(http::field::content_type, boost::beast::string_view(contentType.data(), contentType.size()));
  req.body().assign(body.data(), body.size());
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

}  // namespace

std::string socketPathForRoot(const std::string& root) {
  std::string r = root.empty() ? "/" : root;
  if (r.back() != '/') r.push_back('/');
  return r + "run/stratus/stratusd.sock";
}

// A small pool: a request takes an idle connection (or opens one) and gives
// it back afterwards, so threads sharing one client never queue behind each
// other's slow requests. A single-threaded CLI uses exactly one connection.
struct HttpConnection::Impl {
  static constexpr std::size_t kMaxIdle = 8;
  Endpoint ep;
  std::mutex mu;
  std::vector<int> idle;  // guarded by mu

  ~Impl() {
    for (int fd : idle) ::close(fd);
  }
  int take() {
    std::lock_guard lk(mu);
    if (idle.empty()) return -1;
    int fd = idle.back();
    idle.pop_back();
    return fd;
  }
  void give(int fd) {
    std::lock_guard lk(mu);
    if (idle.size() < kMaxIdle) {
      idle.push_back(fd);
    } else {
      ::close(fd);
    }
  }
  // The daemon dropped one idle connection: the others are as old.
  void dropIdle() {
    std::lock_guard lk(mu);
    for (int fd : idle) ::close(fd);
    idle.clear();
  }
};

HttpConnection::HttpConnection(std::string socketPath) : HttpConnection(unixEndpoint(std::move(socketPath))) {}
HttpConnection::HttpConnection(Endpoint endpoint) : impl_(std::make_unique<Impl>()) {
  impl_->ep = std::move(endpoint);
}
HttpConnection::~HttpConnection() = default;

const std::string& HttpConnection::socketPath() const { return impl_->ep.socketPath; }
const Endpoint& HttpConnection::endpoint() const { return impl_->ep; }

Status HttpConnection::connect() {
  {
    std::lock_guard lk(impl_->mu);
    if (!impl_->idle.empty()) return okStatus();
  }
  auto fd = impl_->ep.dial();
  if (!fd.ok()) return fd.error();
  impl_->give(*fd);
  return okStatus();
}

Result<HttpReply> HttpConnection::request(std::string_view method, const std::string& target,
                                          std::string_view contentType, std::string_view body) {
  auto& c = *impl_;
  auto req = makeRequest(c.ep, method, target, contentType, body);
  for (int attempt = 0;; ++attempt) {
    // A retry always uses a fresh connection.
    int fd = attempt == 0 ? c.take() : -1;
    bool reused = fd >= 0;
    if (fd < 0) {
      auto n = c.ep.dial();
      if (!n.ok()) return n.error();
      fd = *n;
    }
    detail::FdStream stream(fd, ioMs(c.ep), ioMs(c.ep));
    boost::system::error_code ec;
    http::write(stream, req, ec);
    if (ec) {
      ::close(fd);
      if (reused && attempt == 0) {
        c.dropIdle();
        continue;
      }
      return lostError(c.ep, ec);
    }
    boost::beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 32);
    if (method == "HEAD") parser.skip(true);
    http::read(stream, buf, parser, ec);
    if (ec) {
      bool nothing = !parser.got_some();
      ::close(fd);
      // An idle connection the daemon dropped fails at once; a timeout is
      // an answer that did not come, and sending again would not help.
      if (reused && attempt == 0 && nothing && ec != boost::asio::error::timed_out) {
        c.dropIdle();
        continue;
      }
      return lostError(c.ep, ec);
    }
    auto& res = parser.get();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    if (auto ct = res.find(http::field::content_type); ct != res.end()) reply.contentType = std::string(ct->value());
    reply.body = std::move(res.body());
    if (res.keep_alive() && buf.size() == 0) {
      c.give(fd);
    } else {
      ::close(fd);
    }
    return reply;
  }
}

namespace {

// Reads the whole answer (header already parsed or not) into an HttpReply.
template <class Parser>
Result<HttpReply> readWholeReply(detail::FdStream& stream, boost::beast::flat_buffer& buf, Parser& parser,
                                 const Endpoint& ep) {
  boost::system::error_code ec;
  if (!parser.is_done()) http::read(stream, buf, parser, ec);
  if (ec) return lostError(ep, ec);
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  if (auto ct = parser.get().find(http::field::content_type); ct != parser.get().end())
    reply.contentType = std::string(ct->value());
  reply.body = std::move(parser.get().body());
  return reply;
}

// Closes the descriptor when the scope ends.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<HttpReply> HttpConnection::requestStreamingBody(std::string_view method, const std::string& target,
                                                       std::string_view contentType,
                                                       const std::function<Result<std::string>()>& pull) {
  const Endpoint& ep = impl_->ep;
  auto fd = ep.dial();
  if (!fd.ok()) return fd.error();
  FdCloser closer{*fd};
  detail::FdStream stream(*fd, ioMs(ep), ioMs(ep));
  std::string head = std::string(method) + " " + target + " HTTP/1.1\r\nHost: stratusd\r\n";
  if (!ep.token.empty()) head += "Authorization: Bearer " + ep.token + "\r\n";
  if (!contentType.empty()) head += "Content-Type: " + std::string(contentType) + "\r\n";
  head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  bool sent = stream.writeAll(head.data(), head.size());
  // When a write fails the daemon has answered (an early error) and closed:
  // its answer is still there to read.
  while (sent) {
    auto piece = pull();
    if (!piece.ok()) {
      ::shutdown(*fd, SHUT_RDWR);
      return piece.error();
    }
    if (piece->empty()) {
      sent = stream.writeAll("0\r\n\r\n", 5);
      break;
    }
    char size[32];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", piece->size());
    sent = stream.writeAll(size, static_cast<std::size_t>(n)) && stream.writeAll(piece->data(), piece->size()) &&
           stream.writeAll("\r\n", 2);
  }
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{1} << 26);
  return readWholeReply(stream, buf, parser, ep);
}

Result<HttpReply> HttpConnection::requestStreamingReply(std::string_view method, const std::string& target,
                                                        const std::function<Status(std::string_view)>& onData) {
  const Endpoint& ep = impl_->ep;
  auto fd = ep.dial();
  if (!fd.ok()) return fd.error();
  FdCloser closer{*fd};
  detail::FdStream stream(*fd, ioMs(ep), ioMs(ep));
  auto lost = [&](const boost::system::error_code& ec) { return lostError(ep, ec); };
  auto req = makeRequest(ep, method, target, {}, {});
  req.keep_alive(false);
  boost::system::error_code ec;
  http::write(stream, req, ec);
  if (ec) return lost(ec);
  boost::beast::flat_buffer buf;
  http::response_parser<http::empty_body> head;
  head.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read_header(stream, buf, head, ec);
  if (ec) return lost(ec);
  if (head.get().result_int() != 200) {
    http::response_parser<http::string_body> whole{std::move(head)};
    whole.body_limit(std::uint64_t{1} << 26);
    return readWholeReply(stream, buf, whole, ep);
  }
  http::response_parser<http::buffer_body> body{std::move(head)};
  body.body_limit(std::numeric_limits<std::uint64_t>::max());
  std::vector<char> piece(256u << 10);
  while (!body.is_done()) {
    body.get().body().data = piece.data();
    body.get().body().size = piece.size();
    http::read_some(stream, buf, body, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return lost(ec);
    std::size_t n = piece.size() - body.get().body().size;
    if (n > 0) STRATUS_TRY(onData(std::string_view(piece.data(), n)));
  }
  HttpReply reply;
  reply.status = 200;
  if (auto ct = body.get().find(http::field::content_type); ct != body.get().end())
    reply.contentType = std::string(ct->value());
  if (auto err = body.get().find(kStreamErrorTrailer); err != body.get().end()) {
    HttpReply failed;
    failed.status = 500;
    failed.body = percentDecode(std::string_view(err->value().data(), err->value().size()), false);
    return errorFromReply(failed);
  }
  return reply;
}

struct SseStream::Impl {
  Endpoint ep;  // held: an ssh endpoint's helper lives as long as its connections
  int fd = -1;
  int silenceMs = -1;  // no byte (not even a keepalive) for this long: the stream ended
  std::string pending;  // bytes received, not yet split into events
  bool eof = false;
};

SseStream::SseStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SseStream::~SseStream() {
  if (impl_->fd >= 0) ::close(impl_->fd);
}

void SseStream::shutdown() {
  if (impl_->fd >= 0) ::shutdown(impl_->fd, SHUT_RDWR);
}

Result<std::unique_ptr<SseStream>> SseStream::open(const std::string& socketPath, const std::string& target) {
  return open(unixEndpoint(socketPath), target);
}

Result<std::unique_ptr<SseStream>> SseStream::open(const Endpoint& ep, const std::string& target) {
  auto fd = ep.dial();
  if (!fd.ok()) return fd.error();
  auto impl = std::make_unique<Impl>();
  impl->ep = ep;
  impl->fd = *fd;
  if (ep.ioTimeout.count() > 0)
    impl->silenceMs = static_cast<int>(std::max(ep.ioTimeout, kEventSilenceFloor).count());
  // A failed open below closes the descriptor with the Impl.
  std::unique_ptr<SseStream> owner(new SseStream(std::move(impl)));
  Impl& s = *owner->impl_;
  detail::FdStream stream(s.fd, ioMs(ep), ioMs(ep));
  auto req = makeRequest(ep, "GET", target, {}, {});
  req.set(http::field::accept, "text/event-stream");
  boost::system::error_code ec;
  http::write(stream, req, ec);
  if (ec) return lostError(ep, ec);
  boost::beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  http::read_header(stream, buf, parser, ec);
  if (ec) return lostError(ep, ec);
  if (parser.get().result_int() != 200) {
    http::read(stream, buf, parser, ec);
    HttpReply reply;
    reply.status = static_cast<int>(parser.get().result_int());
    reply.body = parser.get().body();
    return errorFromReply(reply);
  }
  // Whatever followed the header in the same read is the start of the stream.
  auto data = buf.data();
  s.pending.assign(static_cast<const char*>(data.data()), data.size());
  return owner;
}

Result<int> openUpgraded(const std::string& socketPath, const std::string& target) {
  return openUpgraded(unixEndpoint(socketPath), target);
}

Result<int> openUpgraded(const Endpoint& ep, const std::string& target) {
  auto fd = ep.dial();
  if (!fd.ok()) return fd.error();
  int s = *fd;
  auto lost = [&](const std::string& why) {
    ::close(s);
    return Error(ErrorCode::ConnectFailed, "lost connection to " + ep.name + ": " + why);
  };
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: stratusd\r\nConnection: Upgrade\r\nUpgrade: stratus-console\r\n";
  if (!ep.token.empty()) req += "Authorization: Bearer " + ep.token + "\r\n";
  req += "\r\n";
  for (std::size_t off = 0; off < req.size();) {
    ssize_t n = ::write(s, req.data() + off, req.size() - off);
    if (n <= 0) return lost(std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
  // Byte by byte up to the blank line, so no console byte is read here.
  std::string head;
  while (head.size() < 65536 && (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)) {
    char c;
    if (ep.ioTimeout.count() > 0) {
      pollfd p{s, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(ep.ioTimeout.count())) == 0)
        return lost("no answer within " + std::to_string(ep.ioTimeout.count()) + " ms");
    }
    ssize_t n = ::read(s, &c, 1);
    if (n <= 0) return lost(n == 0 ? "connection closed" : std::strerror(errno));
    head.push_back(c);
  }
  int status = 0;
  std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status);
  if (status == 101) return s;
  HttpReply reply;
  reply.status = status;
  std::size_t len = 0;
  for (std::size_t pos = 0; (pos = head.find("\r\n", pos)) != std::string::npos; pos += 2) {
    std::string line = head.substr(pos + 2, head.find("\r\n", pos + 2) - pos - 2);
    if (line.size() > 15 && strncasecmp(line.c_str(), "content-length:", 15) == 0) len = std::stoul(line.substr(15));
  }
  reply.body.resize(len);
  for (std::size_t off = 0; off < len;) {
    ssize_t n = ::read(s, reply.body.data() + off, len - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  ::close(s);
  return errorFromReply(reply);
}

std::optional<std::string> SseStream::next() {
  auto& s = *impl_;
  for (;;) {
    // One event ends with a blank line; we send only "data:" and ":" lines.
    auto end = s.pending.find("\n\n");
    if (end != std::string::npos) {
      std::string frame = s.pending.substr(0, end);
      s.pending.erase(0, end + 2);
      std::string data;
      std::size_t pos = 0;
      bool any = false;
      while (pos <= frame.size()) {
        auto nl = frame.find('\n', pos);
        if (nl == std::string::npos) nl = frame.size();
        std::string_view line(frame.data() + pos, nl - pos);
        if (line.substr(0, 5) == "data:") {
          line.remove_prefix(5);
          if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
          if (any) data.push_back('\n');
          data.append(line);
          any = true;
        }
        pos = nl + 1;
      }
      if (any) return data;
      continue;  // a comment (keepalive)
    }
    if (s.eof) return std::nullopt;
    char chunk[16384];
    if (s.silenceMs >= 0) {
      pollfd p{s.fd, POLLIN, 0};
      int r = ::poll(&p, 1, s.silenceMs);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        s.eof = true;  // the daemon or the network is gone
        continue;
      }
    }
    ssize_t n = ::recv(s.fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      s.eof = true;
      continue;
    }
    s.pending.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace stratus::api
