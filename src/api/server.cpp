// The server transport: unix socket and TCP, HTTP/1.1 parsing and
// serialisation with Boost.Beast, the token check on TCP. The only server
// file that includes Beast.
#include "api/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <limits>
#include <list>
#include <mutex>
#include <thread>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "api/fd_stream.h"
#include "api/host_port.h"
#include "api/token_store.h"
#include "api/json_types.h"
#include "util/fd.h"

namespace http = boost::beast::http;

namespace stratus::api {

namespace {

constexpr std::size_t kBodyLimit = 64u << 20;  // a domain XML is a few KiB

bool fillAddress(const std::string& path, sockaddr_un& addr) {
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return false;
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Someone accepting on `path`?
bool socketAnswers(const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool answers = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return answers;
}

// "10.0.0.1:40312" / "[::1]:40312" of a TCP peer or local address.
std::string addressText(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  HostPort hp;
  hp.portGiven = true;
  if (ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    hp.port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    hp.port = ntohs(in6->sin6_port);
  }
  hp.host = host;
  return hp.str();
}

// The token of "Authorization: Bearer TOKEN" (scheme case-insensitive);
// empty when the header is missing or another scheme.
std::string bearerToken(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.size() < 7 || !boost::beast::iequals(boost::beast::string_view(value.data(), 6), "Bearer") || value[6] != ' ') return {};
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return std::string(value);
}

}  // namespace

struct Server::Impl {
  ServerOptions opts;
  ServerStats stats;
  Router router;
  std::shared_ptr<spdlog::logger> log;
  int listenFd = -1;
  int wakeFd = -1;
  std::vector<int> tcpFds;            // TCP listening sockets
  std::vector<std::string> tcpNames;  // their bound addresses
  std::unique_ptr<TokenStore> tokens;  // set when tcpFds is not empty
  ino_t socketIno = 0;
  std::thread acceptThread;

  struct Conn {
    int fd = -1;
    std::shared_ptr<EventStream> events;
    bool tcp = false;  // requests must carry a token
    std::string peer;  // "ADDR:PORT" of a TCP client, for the log
  };
  std::mutex mu;
  std::condition_variable allDone;
  std::list<Conn> conns;  // stable iterators; guarded by mu
  int running = 0;        // connection threads alive; guarded by mu
  bool stopping = false;  // guarded by mu
  bool stopped = false;

  Impl(daemon::NodeService& n, ServerOptions o) : opts(std::move(o)), router(makeRouter(n, stats)), log(opts.logger) {
    if (!log) log = std::make_shared<spdlog::logger>("stratus-api", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  Impl(Router r, ServerOptions o) : opts(std::move(o)), router(std::move(r)), log(opts.logger) {
    if (!log) log = std::make_shared<spdlog::logger>("stratus-api", std::make_shared<spdlog::sinks::null_sink_mt>());
  }

  Status listen() {
    sockaddr_un addr;
    if (!fillAddress(opts.socketPath, addr))
      return Error(ErrorCode::InvalidArgument, "socket path is empty or too long: " + opts.socketPath);
    struct stat st;
    if (::lstat(opts.socketPath.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        return Error(ErrorCode::OperationInvalid, opts.socketPath + " exists and is not a socket");
      if (socketAnswers(addr))
        return Error(ErrorCode::OperationInvalid,
                     "another stratusd is already running on " + opts.socketPath);
      if (::unlink(opts.socketPath.c_str()) != 0 && errno != ENOENT)
        return systemError("cannot remove stale socket " + opts.socketPath, errno);
      log->info("removed stale socket {}", opts.socketPath);
    }
    listenFd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listenFd < 0) return systemError("socket", errno);
    mode_t old = ::umask(0177);  // the socket file is born 0600
    int rc = ::bind(listenFd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    int err = errno;
    ::umask(old);
    if (rc != 0) return systemError("cannot bind " + opts.socketPath, err);
    if (::chmod(opts.socketPath.c_str(), 0600) != 0) return systemError("chmod " + opts.socketPath, errno);
    if (::lstat(opts.socketPath.c_str(), &st) == 0) socketIno = st.st_ino;
    if (::listen(listenFd, 128) != 0) return systemError("listen " + opts.socketPath, errno);
    wakeFd = ::eventfd(0, EFD_CLOEXEC);
    if (wakeFd < 0) return systemError("eventfd", errno);
    return listenTcp();
  }

  // Every --listen address, after the tokens file proved usable: an open TCP
  // port that nobody can use, or that anybody can, is worse than no start.
  Status listenTcp() {
    if (opts.listen.empty()) return okStatus();
    if (opts.tcpTokens) {
      if (opts.tokensFile.empty()) return Error(ErrorCode::InvalidArgument, "TCP listening needs a tokens file");
      tokens = std::make_unique<TokenStore>(opts.tokensFile);
      STRATUS_TRY(tokens->load());
    }
    for (const auto& text : opts.listen) {
      auto hp = parseHostPort(text, "--listen");
      if (!hp.ok()) return hp.error();
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
      addrinfo* res = nullptr;
      std::string service = std::to_string(hp->port);
      int rc = ::getaddrinfo(hp->host.c_str(), service.c_str(), &hints, &res);
      if (rc != 0)
        return Error(ErrorCode::InvalidArgument, "--listen " + text + ": cannot resolve: " + ::gai_strerror(rc));
      Status st = okStatus();
      for (addrinfo* ai = res; ai && st.ok(); ai = ai->ai_next) st = bindTcp(text, ai);
      ::freeaddrinfo(res);
      STRATUS_TRY(std::move(st));
    }
    return okStatus();
  }

  Status bindTcp(const std::string& text, const addrinfo* ai) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return systemError("socket for --listen " + text, errno);
    tcpFds.push_back(fd);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) return systemError("cannot bind --listen " + text, errno);
    if (::listen(fd, 128) != 0) return systemError("listen " + text, errno);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    tcpNames.push_back(addressText(ss));
    return okStatus();
  }

  void acceptLoop() {
    std::vector<pollfd> p;
    p.push_back({wakeFd, POLLIN, 0});
    p.push_back({listenFd, POLLIN, 0});
    for (int t : tcpFds) p.push_back({t, POLLIN, 0});
    for (;;) {
      for (auto& e : p) e.revents = 0;
      int r = ::poll(p.data(), p.size(), -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        log->error("poll on listening socket: {}", std::strerror(errno));
        return;
      }
      if (p[0].revents) return;
      for (std::size_t i = 1; i < p.size(); ++i)
        if (p[i].revents & POLLIN) acceptOne(p[i].fd, i > 1);
    }
  }

  void acceptOne(int lfd, bool tcp) {
    {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = ::accept4(lfd, tcp ? reinterpret_cast<sockaddr*>(&ss) : nullptr, tcp ? &len : nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN) return;
        log->warn("accept: {}", std::strerror(errno));
        // Out of descriptors: back off instead of spinning on a ready socket.
        if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return;
      }
      if (tcp) {
        int one = 1;  // header and body go out as separate writes
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      std::list<Conn>::iterator it;
      {
        std::lock_guard lk(mu);
        if (stopping) {
          ::close(fd);
          return;
        }
        if (conns.size() >= opts.maxConnections) {
          static constexpr char busy[] =
              "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
              "Content-Length: 67\r\n\r\n{\"error\":{\"code\":\"busy\",\"message\":\"too many client connections\"}}";
          detail::FdStream(fd).writeAll(busy, sizeof busy - 1);
          ::close(fd);
          return;
        }
        it = conns.insert(conns.end(), Conn{fd, nullptr, tcp, tcp ? addressText(ss) : std::string()});
        ++running;
        stats.connections.fetch_add(1);
      }
      std::thread([this, it] { serve(it); }).detach();
    }
  }

  void serve(std::list<Conn>::iterator it) {
    int fd = it->fd;
    std::vector<std::function<void()>> closeHooks;
    serveRequests(fd, it, closeHooks);
    for (auto& h : closeHooks) h();
    std::unique_lock lk(mu);
    ::close(fd);
    conns.erase(it);
    stats.connections.fetch_sub(1);
    --running;
    std::notify_all_at_thread_exit(allDone, std::move(lk));
  }

  void serveRequests(int fd, std::list<Conn>::iterator it, std::vector<std::function<void()>>& closeHooks) {
    detail::FdStream stream(fd, static_cast<int>(opts.idleTimeout.count() * 1000));
    boost::beast::flat_buffer buf;
    for (;;) {
      // The header first: whether the body is read whole (most routes) or
      // streamed to the handler (volume upload) depends on the route.
      http::request_parser<http::empty_body> head;
      head.body_limit(std::numeric_limits<std::uint64_t>::max());
      boost::system::error_code ec;
      http::read_header(stream, buf, head, ec);
      if (ec) {
        if (ec != http::error::end_of_stream && ec != boost::asio::error::eof &&
            ec != boost::asio::error::timed_out && ec != boost::asio::error::connection_reset) {
          log->debug("bad request on connection: {}", ec.message());
          auto resp = errorResponse(Error(ErrorCode::InvalidArgument, "malformed HTTP request: " + ec.message()));
          writeResponse(stream, resp, 11, false);
        }
        return;
      }
      if (it->tcp && tokens && !authorized(head.get(), it->peer)) {
        // Answer and close without reading a body nobody may send.
        auto resp = errorResponse(Error(ErrorCode::AuthFailed, authFailure(head.get())));
        resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"stratusd\"");
        stats.requests.fetch_add(1);
        stats.errors.fetch_add(1);
        writeResponse(stream, resp, head.get().version(), false);
        lingeringClose(fd);
        return;
      }
      // curl sends "Expect: 100-continue" for bodies over 1 KiB and would
      // otherwise wait a second before sending the XML.
      auto expect = head.get().find(http::field::expect);
      if (expect != head.get().end() && boost::beast::iequals(expect->value(), "100-continue")) {
        static constexpr char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!stream.writeAll(cont, sizeof cont - 1)) return;
      }
      auto t0 = std::chrono::steady_clock::now();
      Request req;
      req.method = std::string(head.get().method_string());
      std::string target(head.get().target());
      bool keepAlive = head.get().keep_alive();
      unsigned version = head.get().version();
      if (auto ct = head.get().find(http::field::content_type); ct != head.get().end())
        req.contentType = std::string(ct->value());
      for (const auto& field : head.get()) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers[name] = std::string(field.value());
      }
      Response resp;
      req.target = target;
      bool targetOk = parseTarget(target, req.path, req.query);
      if (targetOk && router.streamsBody(req.method, req.path)) {
        http::request_parser<http::buffer_body> body{std::move(head)};
        body.body_limit(std::numeric_limits<std::uint64_t>::max());
        ParserBodyReader reader(stream, buf, body);
        req.bodyReader = &reader;
        req.onConnectionClose = [&closeHooks](std::function<void()> fn) { closeHooks.push_back(std::move(fn)); };
        resp = router.dispatch(req);
        // A body the handler left unread (it failed early) cannot be
        // skipped safely: answer and close.
        if (!body.is_done()) keepAlive = false;
      } else {
        http::request_parser<http::string_body> body{std::move(head)};
        body.body_limit(kBodyLimit);
        if (auto len = body.content_length(); len && *len > kBodyLimit) {
          resp = errorResponse(Error(ErrorCode::InvalidArgument, "request body too large"));
          keepAlive = false;
        } else {
          if (!body.is_done()) http::read(stream, buf, body, ec);
          if (ec) {
            if (ec != http::error::end_of_stream && ec != boost::asio::error::eof &&
                ec != boost::asio::error::timed_out && ec != boost::asio::error::connection_reset) {
              auto bad = errorResponse(Error(ErrorCode::InvalidArgument, "malformed HTTP request: " + ec.message()));
              writeResponse(stream, bad, 11, false);
            }
            return;
          }
          if (!targetOk) {
            resp = errorResponse(Error(ErrorCode::InvalidArgument, "malformed percent-encoding in " + target));
          } else {
            req.body = std::move(body.get().body());
            req.onConnectionClose = [&closeHooks](std::function<void()> fn) { closeHooks.push_back(std::move(fn)); };
            resp = router.dispatch(req);
          }
        }
      }
      stats.requests.fetch_add(1);
      if (resp.status >= 400) stats.errors.fetch_add(1);
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
      if (resp.status >= 500)
        log->warn("{} {} -> {} ({} us): {}", req.method, target, resp.status, us, resp.body);
      else
        log->debug("{} {} -> {} ({} us)", req.method, target, resp.status, us);
      if (resp.events) {
        streamEvents(stream, it, resp);
        return;
      }
      if (resp.upgradeFd >= 0) {
        relayUpgraded(stream, resp.upgradeFd);
        return;
      }
      {
        std::lock_guard lk(mu);
        if (stopping) keepAlive = false;
      }
      if (resp.stream) {
        if (!streamResponse(stream, resp, version, keepAlive) || !keepAlive) return;
        continue;
      }
      if (!writeResponse(stream, resp, version, keepAlive) || !keepAlive) return;
      // A connection that owns autodestroy guests is their lifeline: never
      // close it for being idle.
      if (!closeHooks.empty()) stream.setReadTimeout(-1);
    }
  }

  // Closing with an unread request body in the socket sends a reset that
  // can destroy the answer before the client reads it: end our side, then
  // swallow (a bounded amount of) what the client still sends.
  static void lingeringClose(int fd) {
    ::shutdown(fd, SHUT_WR);
    char sink[16384];
    for (std::size_t total = 0; total < (1u << 20);) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) break;
      ssize_t n = ::recv(fd, sink, sizeof sink, 0);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  }

  template <class Fields>
  static std::string authFailure(const Fields& f) {
    auto h = f.find(http::field::authorization);
    if (h == f.end()) return "authentication failed: no token (send Authorization: Bearer TOKEN)";
    if (bearerToken(std::string_view(h->value().data(), h->value().size())).empty())
      return "authentication failed: the Authorization header is not 'Bearer TOKEN'";
    return "authentication failed: the token is not valid on this host";
  }

  template <class Fields>
  bool authorized(const Fields& f, const std::string& peer) {
    std::string token;
    if (auto h = f.find(http::field::authorization); h != f.end())
      token = bearerToken(std::string_view(h->value().data(), h->value().size()));
    if (tokens->accepts(token)) return true;
    std::string problem = tokens->problem();
    log->warn("{} from {}: {}{}", "authentication failed", peer,
              token.empty() ? "no token" : "token " + tokenFingerprint(token) + "... not accepted",
              problem.empty() ? "" : " (" + problem + ")");
    return false;
  }

  // The request body of a streaming route, straight from the parser into
  // the handler's buffer.
  class ParserBodyReader final : public BodyReader {
   public:
    ParserBodyReader(detail::FdStream& s, boost::beast::flat_buffer& b, http::request_parser<http::buffer_body>& p)
        : stream_(s), buf_(b), parser_(p) {}
    // Fills `out` as far as the body goes: the handler gets big pieces,
    // not one per socket read.
    Result<std::size_t> read(char* out, std::size_t max) override {
      std::size_t got = 0;
      while (!parser_.is_done() && got < max) {
        parser_.get().body().data = out + got;
        parser_.get().body().size = max - got;
        boost::system::error_code ec;
        http::read_some(stream_, buf_, parser_, ec);
        if (ec == http::error::need_buffer) ec = {};
        got = max - parser_.get().body().size;
        if (ec) return Error(ErrorCode::ConnectFailed, "request body: " + ec.message());
      }
      return got;
    }

   private:
    detail::FdStream& stream_;
    boost::beast::flat_buffer& buf_;
    http::request_parser<http::buffer_body>& parser_;
  };

  // Response::stream: chunked transfer encoding, the header sent with the
  // first piece so an early failure still gets a proper error status.
  class ChunkedWriter final : public BodyWriter {
   public:
    ChunkedWriter(detail::FdStream& s, std::string head) : stream_(s), head_(std::move(head)) {}
    Status write(std::string_view data) override {
      if (!begin()) return lost();
      if (data.empty()) return okStatus();
      char size[32];
      int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      if (!stream_.writeAll(size, static_cast<std::size_t>(n)) || !stream_.writeAll(data.data(), data.size()) ||
          !stream_.writeAll("\r\n", 2))
        return lost();
      return okStatus();
    }
    bool begin() {
      if (started_) return true;
      started_ = true;
      return stream_.writeAll(head_.data(), head_.size());
    }
    bool started() const { return started_; }
    bool finish(const Status& st) {
      std::string tail = "0\r\n";
      if (!st.ok()) tail += std::string(kStreamErrorTrailer) + ": " + percentEncode(errorToJson(st.error()).dump()) + "\r\n";
      tail += "\r\n";
      return stream_.writeAll(tail.data(), tail.size());
    }

   private:
    static Error lost() { return Error(ErrorCode::ConnectFailed, "the client closed the connection"); }
    detail::FdStream& stream_;
    std::string head_;
    bool started_ = false;
  };

  // A status line and headers written by hand (streamed and HEAD answers).
  static std::string headLines(const Response& resp, unsigned version) {
    std::string head = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(resp.status) + " " +
            std::string(http::obsolete_reason(static_cast<http::status>(resp.status))) + "\r\n";
    head += "Server: stratusd\r\n";
    if (!resp.contentType.empty()) head += "Content-Type: " + resp.contentType + "\r\n";
    for (auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
    return head;
  }

  // A streamed body of known length: plain bytes after a Content-Length.
  class LengthWriter final : public BodyWriter {
   public:
    LengthWriter(detail::FdStream& s, std::string head, std::uint64_t length)
        : stream_(s), head_(std::move(head)), left_(length) {}
    Status write(std::string_view data) override {
      if (!begin()) return lost();
      if (data.size() > left_) return Error(ErrorCode::InternalError, "streamed body longer than its Content-Length");
      if (!stream_.writeAll(data.data(), data.size())) return lost();
      left_ -= data.size();
      return okStatus();
    }
    bool begin() {
      if (started_) return true;
      started_ = true;
      return stream_.writeAll(head_.data(), head_.size());
    }
    bool started() const { return started_; }
    bool complete() const { return left_ == 0; }

   private:
    static Error lost() { return Error(ErrorCode::ConnectFailed, "the client closed the connection"); }
    detail::FdStream& stream_;
    std::string head_;
    std::uint64_t left_;
    bool started_ = false;
  };

  bool streamKnownLength(detail::FdStream& stream, Response& resp, unsigned version, bool keepAlive) {
    std::string head = headLines(resp, version);
    head += "Content-Length: " + std::to_string(*resp.contentLength) + "\r\n";
    if (!keepAlive) head += "Connection: close\r\n";
    head += "\r\n";
    LengthWriter w(stream, std::move(head), *resp.contentLength);
    Status st = resp.stream(w);
    if (!w.started()) {
      if (st.ok() && *resp.contentLength == 0) return w.begin() && keepAlive;
      Response err = st.ok() ? errorResponse(Error(ErrorCode::InternalError, "streamed body shorter than announced"))
                             : errorResponse(st.error());
      stats.errors.fetch_add(1);
      return writeResponse(stream, err, version, keepAlive);
    }
    // Past the header a failure can only be told by closing the connection
    // before the announced length.
    if (!st.ok() || !w.complete()) {
      stats.errors.fetch_add(1);
      return false;
    }
    return true;
  }

  bool streamResponse(detail::FdStream& stream, Response& resp, unsigned version, bool keepAlive) {
    if (resp.contentLength) return streamKnownLength(stream, resp, version, keepAlive);
    std::string head = headLines(resp, version);
    head += "Transfer-Encoding: chunked\r\nTrailer: " + std::string(kStreamErrorTrailer) + "\r\n";
    if (!keepAlive) head += "Connection: close\r\n";
    head += "\r\n";
    ChunkedWriter w(stream, std::move(head));
    Status st = resp.stream(w);
    if (!w.started()) {
      if (st.ok()) return w.begin() && w.finish(st);
      Response err = errorResponse(st.error());
      stats.errors.fetch_add(1);
      return writeResponse(stream, err, version, keepAlive);
    }
    if (!st.ok()) {
      stats.errors.fetch_add(1);
      log->debug("streamed answer failed: {}", st.error().message);
      if (st.error().code == ErrorCode::ConnectFailed) return false;
    }
    return w.finish(st);
  }

  bool writeResponse(detail::FdStream& stream, Response& resp, unsigned version, bool keepAlive) {
    if (resp.contentLength && resp.body.empty()) {
      // HEAD: the length of the body a GET would send, and no body.
      std::string head = headLines(resp, version);
      head += "Content-Length: " + std::to_string(*resp.contentLength) + "\r\n";
      if (!keepAlive) head += "Connection: close\r\n";
      head += "\r\n";
      return stream.writeAll(head.data(), head.size());
    }
    http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
    res.set(http::field::server, "stratusd");
    if (!resp.contentType.empty()) res.set(http::field::content_type, resp.contentType);
    for (auto& [k, v] : resp.headers) res.set(k, v);
    res.body() = std::move(resp.body);
    res.keep_alive(keepAlive);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(stream, res, ec);
    return !ec;
  }

  // After 101 the connection carries raw bytes: guest console <-> client.
  void relayUpgraded(detail::FdStream& stream, int fd) {
    static constexpr char head[] =
        "HTTP/1.1 101 Switching Protocols\r\nServer: stratusd\r\nConnection: Upgrade\r\nUpgrade: stratus-console\r\n\r\n";
    bool ok = stream.writeAll(head, sizeof head - 1);
    char buf[4096];
    while (ok) {
      pollfd p[3] = {{stream.fd(), POLLIN, 0}, {fd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
      if (::poll(p, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (p[2].revents) break;  // the server stops
      if (p[0].revents) {
        ssize_t n = ::read(stream.fd(), buf, sizeof buf);
        if (n <= 0) break;
        ok = writeAll(fd, std::string_view(buf, static_cast<std::size_t>(n)), "console").ok();
      }
      if (ok && p[1].revents) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        ok = stream.writeAll(buf, static_cast<std::size_t>(n));
      }
    }
    ::close(fd);
  }

  void streamEvents(detail::FdStream& stream, std::list<Conn>::iterator it, Response& resp) {
    {
      std::lock_guard lk(mu);
      if (stopping) return;
      it->events = resp.events;
    }
    stats.eventStreams.fetch_add(1);
    static constexpr char head[] =
        "HTTP/1.1 200 OK\r\nServer: stratusd\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\n\r\n";
    bool ok = stream.writeAll(head, sizeof head - 1);
    auto lastWrite = std::chrono::steady_clock::now();
    std::string data;
    while (ok) {
      auto r = resp.events->pop(data, std::chrono::milliseconds(500));
      if (r == EventStream::Pop::Closed) break;
      if (r == EventStream::Pop::Item) {
        std::string frame = "data: " + data + "\n\n";
        ok = stream.writeAll(frame.data(), frame.size());
        lastWrite = std::chrono::steady_clock::now();
        continue;
      }
      // The client sends nothing after its request: readable means it closed.
      pollfd p{stream.fd(), POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) > 0) break;
      // Often enough that a client bounding silence (Endpoint::ioTimeout,
      // at least kEventSilenceFloor) never mistakes a quiet node for a cut.
      if (std::chrono::steady_clock::now() - lastWrite > std::chrono::seconds(5)) {
        static constexpr char ping[] = ": keepalive\n\n";
        ok = stream.writeAll(ping, sizeof ping - 1);
        lastWrite = std::chrono::steady_clock::now();
      }
    }
    {
      std::lock_guard lk(mu);
      it->events.reset();
    }
    resp.events.reset();  // unsubscribes
    stats.eventStreams.fetch_sub(1);
  }

  void stop() {
    {
      std::lock_guard lk(mu);
      if (stopped) return;
      stopped = true;
      stopping = true;
    }
    if (wakeFd >= 0) {
      std::uint64_t one = 1;
      (void)!::write(wakeFd, &one, sizeof one);
    }
    if (acceptThread.joinable()) acceptThread.join();
    for (int t : tcpFds) ::close(t);
    tcpFds.clear();
    if (listenFd >= 0) {
      ::close(listenFd);
      listenFd = -1;
      struct stat st;
      if (::lstat(opts.socketPath.c_str(), &st) == 0 && st.st_ino == socketIno) ::unlink(opts.socketPath.c_str());
    }
    std::unique_lock lk(mu);
    // Idle connections see EOF at once; a connection inside a handler
    // finishes it, answers (the write side stays open) and then sees EOF.
    for (auto& c : conns) {
      ::shutdown(c.fd, SHUT_RD);
      if (c.events) c.events->close();
    }
    allDone.wait(lk, [this] { return running == 0; });
    lk.unlock();
    if (wakeFd >= 0) {
      ::close(wakeFd);
      wakeFd = -1;
    }
    log->info("API server on {} stopped", opts.socketPath);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(daemon::NodeService& node, ServerOptions opts) {
  return launch(std::make_unique<Impl>(node, std::move(opts)));
}

Result<std::unique_ptr<Server>> Server::start(Router router, ServerOptions opts) {
  return launch(std::make_unique<Impl>(std::move(router), std::move(opts)));
}

Result<std::unique_ptr<Server>> Server::launch(std::unique_ptr<Impl> impl) {
  if (auto st = impl->listen(); !st.ok()) {
    if (impl->socketIno != 0) ::unlink(impl->opts.socketPath.c_str());
    if (impl->listenFd >= 0) ::close(impl->listenFd);
    if (impl->wakeFd >= 0) ::close(impl->wakeFd);
    for (int t : impl->tcpFds) ::close(t);
    impl->tcpFds.clear();
    impl->listenFd = impl->wakeFd = -1;
    impl->stopped = true;
    return std::move(st).error();
  }
  Impl* raw = impl.get();
  raw->acceptThread = std::thread([raw] { raw->acceptLoop(); });
  raw->log->info("API server listening on {}", raw->opts.socketPath);
  for (const auto& a : raw->tcpNames) raw->log->info("API server listening on tcp {} (token required)", a);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::stop() {
  if (impl_) impl_->stop();
}

std::vector<RouteInfo> Server::routes() const { return impl_->router.routes(); }
const ServerStats& Server::stats() const { return impl_->stats; }
const std::string& Server::socketPath() const { return impl_->opts.socketPath; }
std::vector<std::string> Server::tcpAddresses() const { return impl_->tcpNames; }

}  // namespace stratus::api
