// cloud-load: the load driver of the cloud scale benchmark
// (bench/cloud-scale.sh) and of its small ctest version. N concurrent
// clients, each on its own keep-alive HTTP/1.1 connection to
// `stratus-cloud serve`'s REST API, run instances, describe them (one by one
// and each user's list), and terminate them; every request's latency is
// recorded and printed as `name value unit` lines (p50/p95/p99/max per
// operation, throughput, totals). It also checks what it got back: every
// instance Running with a distinct address, no node given more vCPUs or
// memory than --node-vcpus / --node-memory, every list complete, nothing
// left after terminate. Exit status 1 on any failed request or check.
//
//   cloud-load --port P --tokens FILE --image NAME --instances N --clients C
//              [--network POOL] [--vcpus V] [--memory MIB]
//              [--node-vcpus V --node-memory MIB] [--phases run,describe,list,terminate]
//              [--handles FILE]
//
// --tokens: one client token per line (a user each); instance k belongs to
// user k mod users. --handles: where `run` writes "TOKEN HANDLE" lines and
// the later phases read them (so a script can look at the database between
// phases).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8443;
  std::string tokensFile, image = "tiny", network, handlesFile, phases = "run,describe,list,terminate";
  int instances = 100, clients = 8, vcpus = 1, memory = 256;
  long nodeVcpus = 0, nodeMemory = 0;
};

// One keep-alive connection; reconnects when the server closed it.
class Http {
 public:
  explicit Http(int port) : port_(port) {}
  ~Http() { close(); }
  // Returns the status (0 on a transport failure, `body` then says why).
  int request(const std::string& method, const std::string& path, const std::string& token, const std::string& in,
              std::string& body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !connect(body)) return 0;
      std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(in.size()) +
                        "\r\n\r\n" + in;
      if (!sendAll(req)) {
        close();
        continue;  // a keep-alive connection the server had closed: once more on a new one
      }
      int status = readResponse(body);
      if (status == 0 && attempt == 0 && buf_.empty()) {
        close();
        continue;
      }
      return status;
    }
    return 0;
  }

 private:
  bool connect(std::string& why) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      why = std::string("connect to 127.0.0.1:") + std::to_string(port_) + ": " + std::strerror(errno);
      close();
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buf_.clear();
    return true;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool sendAll(const std::string& s) {
    for (std::size_t off = 0; off < s.size();) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  // Status line, headers, then a Content-Length or chunked body.
  int readResponse(std::string& body) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return fail(body, "connection closed before the response head");
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    int status = std::atoi(head.c_str() + head.find(' ') + 1);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    bool keepAlive = lower.find("connection: close") == std::string::npos;
    body.clear();
    if (auto cl = lower.find("content-length:"); cl != std::string::npos) {
      std::size_t len = std::strtoull(lower.c_str() + cl + 15, nullptr, 10);
      while (buf_.size() < len)
        if (!fill()) return fail(body, "connection closed inside the body");
      body = buf_.substr(0, len);
      buf_.erase(0, len);
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return fail(body, "connection closed inside a chunk");
        std::size_t len = std::strtoull(buf_.c_str(), nullptr, 16);
        buf_.erase(0, eol + 2);
        while (buf_.size() < len + 2)
          if (!fill()) return fail(body, "connection closed inside a chunk");
        body.append(buf_, 0, len);
        buf_.erase(0, len + 2);
        if (len == 0) break;
      }
    }
    if (!keepAlive) close();
    return status;
  }
  int fail(std::string& body, const char* why) {
    body = why;
    close();
    return 0;
  }
  int port_;
  int fd_ = -1;
  std::string buf_;
};

struct Placed {
  std::string token, handle, node, ip, state;
  long vcpus = 0, memory = 0;
};

// Latencies of one operation, in microseconds, from every client.
struct Samples {
  std::mutex mu;
  std::vector<double> us;
  void add(double v) {
    std::lock_guard lk(mu);
    us.push_back(v);
  }
};

std::atomic<int> failures{0};
std::mutex errMu;
void failure(const std::string& what) {
  if (failures++ < 20) {
    std::lock_guard lk(errMu);
    std::fprintf(stderr, "cloud-load: %s\n", what.c_str());
  }
}

void report(const std::string& op, Samples& s, double wallSeconds) {
  auto& v = s.us;
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))] / 1000; };
  std::printf("cloud_%s_requests %zu count\n", op.c_str(), v.size());
  std::printf("cloud_%s_p50 %.2f ms\n", op.c_str(), pct(0.50));
  std::printf("cloud_%s_p95 %.2f ms\n", op.c_str(), pct(0.95));
  std::printf("cloud_%s_p99 %.2f ms\n", op.c_str(), pct(0.99));
  std::printf("cloud_%s_max %.2f ms\n", op.c_str(), v.back() / 1000);
  std::printf("cloud_%s_total %.2f s\n", op.c_str(), wallSeconds);
  std::printf("cloud_%s_throughput %.1f req/s\n", op.c_str(), v.size() / wallSeconds);
  std::fflush(stdout);
}

// Runs work(k) for k in [0, n) on `clients` threads, each with its own connection.
template <typename F>
double parallel(const Options& o, int n, F work) {
  std::atomic<int> next{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c)
    threads.emplace_back([&] {
      Http http(o.port);
      for (int k; (k = next++) < n;) work(http, k);
    });
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <typename F>
double timed(Samples& s, F f) {
  auto t0 = Clock::now();
  f();
  double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  s.add(us);
  return us;
}

Placed placedFrom(const Json& j, const std::string& token) {
  Placed p;
  p.token = token;
  p.handle = j.value("handle", "");
  p.node = j.value("node", "");
  p.ip = j.value("ip", "");
  p.state = j.value("state", "");
  p.vcpus = j.value("vcpus", 0L);
  p.memory = j.value("memory_mib", 0L);
  return p;
}

// No node holds more than its capacity; every address is one instance's.
void checkPlacement(const Options& o, const std::vector<Placed>& all) {
  std::map<std::string, std::pair<long, long>> perNode;
  std::set<std::string> ips;
  for (const auto& p : all) {
    if (p.state != "Running") failure("instance " + p.handle + " is " + p.state + ", not Running");
    auto& [v, m] = perNode[p.node];
    v += p.vcpus;
    m += p.memory;
    if (!o.network.empty() && !ips.insert(p.ip).second) failure("address " + p.ip + " given twice");
  }
  long maxV = 0, maxM = 0;
  for (const auto& [node, use] : perNode) {
    maxV = std::max(maxV, use.first);
    maxM = std::max(maxM, use.second);
    if (o.nodeVcpus && use.first > o.nodeVcpus) failure("node " + node + " overcommitted: " + std::to_string(use.first) + " vCPUs");
    if (o.nodeMemory && use.second > o.nodeMemory)
      failure("node " + node + " overcommitted: " + std::to_string(use.second) + " MiB");
  }
  std::printf("cloud_nodes_used %zu count\n", perNode.size());
  std::printf("cloud_node_max_vcpus %ld count\n", maxV);
  std::printf("cloud_node_max_memory %ld MiB\n", maxM);
}

int usage(const char* why) {
  std::fprintf(stderr, "cloud-load: %s\n(see the comment at the top of bench/cloud_load.cpp)\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int a = 1; a < argc; ++a) {
    std::string k = argv[a];
    if (a + 1 >= argc) return usage(("missing value for " + k).c_str());
    std::string v = argv[++a];
    if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--tokens") o.tokensFile = v;
    else if (k == "--image") o.image = v;
    else if (k == "--network") o.network = v;
    else if (k == "--handles") o.handlesFile = v;
    else if (k == "--phases") o.phases = v;
    else if (k == "--instances") o.instances = std::atoi(v.c_str());
    else if (k == "--clients") o.clients = std::atoi(v.c_str());
    else if (k == "--vcpus") o.vcpus = std::atoi(v.c_str());
    else if (k == "--memory") o.memory = std::atoi(v.c_str());
    else if (k == "--node-vcpus") o.nodeVcpus = std::atol(v.c_str());
    else if (k == "--node-memory") o.nodeMemory = std::atol(v.c_str());
    else return usage(("unknown option " + k).c_str());
  }
  if (o.instances < 1 || o.clients < 1) return usage("--instances and --clients must be at least 1");
  std::vector<std::string> tokens;
  {
    std::ifstream in(o.tokensFile);
    for (std::string t; std::getline(in, t);)
      if (!t.empty()) tokens.push_back(t);
  }
  if (tokens.empty()) return usage("--tokens: no token read");
  auto has = [&](const char* phase) { return ("," + o.phases + ",").find(std::string(",") + phase + ",") != std::string::npos; };

  std::vector<Placed> placed(static_cast<std::size_t>(o.instances));
  if (has("run")) {
    Samples s;
    double wall = parallel(o, o.instances, [&](Http& http, int k) {
      const std::string& token = tokens[static_cast<std::size_t>(k) % tokens.size()];
      Json req{{"image", o.image}, {"hours", 24}, {"vcpus", o.vcpus}, {"memory_mib", o.memory},
               {"client_token", "bench-" + std::to_string(k)}};
      if (!o.network.empty()) req["networks"] = Json::array({o.network});
      std::string body;
      int status = 0;
      timed(s, [&] { status = http.request("POST", "/v1/instances", token, req.dump(), body); });
      auto j = Json::parse(body, nullptr, false);
      if (status != 201 || !j.is_array() || j.empty()) {
        failure("run #" + std::to_string(k) + ": HTTP " + std::to_string(status) + ": " + body);
        return;
      }
      placed[static_cast<std::size_t>(k)] = placedFrom(j[0], token);
    });
    report("run", s, wall);
    std::printf("cloud_scheduler_throughput %.1f placements/s\n", o.instances / wall);
    checkPlacement(o, placed);
    if (!o.handlesFile.empty()) {
      std::ofstream out(o.handlesFile);
      for (const auto& p : placed) out << p.token << ' ' << p.handle << '\n';
    }
  } else {
    std::ifstream in(o.handlesFile);
    std::size_t k = 0;
    for (std::string line; std::getline(in, line) && k < placed.size(); ++k) {
      std::istringstream ls(line);
      ls >> placed[k].token >> placed[k].handle;
    }
    if (k != placed.size()) return usage("--handles: fewer handles than --instances");
  }

  if (has("describe")) {
    Samples s;
    std::vector<Placed> seen(placed.size());
    double wall = parallel(o, o.instances, [&](Http& http, int k) {
      const auto& p = placed[static_cast<std::size_t>(k)];
      std::string body;
      int status = 0;
      timed(s, [&] { status = http.request("GET", "/v1/instances/" + p.handle, p.token, "", body); });
      auto j = Json::parse(body, nullptr, false);
      if (status != 200 || !j.is_object()) {
        failure("describe " + p.handle + ": HTTP " + std::to_string(status) + ": " + body);
        return;
      }
      seen[static_cast<std::size_t>(k)] = placedFrom(j, p.token);
    });
    report("describe", s, wall);
    checkPlacement(o, seen);
  }

  if (has("list")) {
    Samples s;
    std::atomic<std::size_t> listed{0};
    double wall = parallel(o, static_cast<int>(tokens.size()), [&](Http& http, int u) {
      std::string body;
      int status = 0;
      timed(s, [&] { status = http.request("GET", "/v1/instances", tokens[static_cast<std::size_t>(u)], "", body); });
      auto j = Json::parse(body, nullptr, false);
      if (status != 200 || !j.is_array()) {
        failure("list of user #" + std::to_string(u) + ": HTTP " + std::to_string(status) + ": " + body);
        return;
      }
      for (const auto& i : j)
        if (i.value("state", "") != "Running") failure("list: " + i.value("handle", "?") + " is " + i.value("state", "?"));
      listed += j.size();
    });
    report("list", s, wall);
    if (listed != placed.size())
      failure("the users' lists hold " + std::to_string(listed.load()) + " instances, not " + std::to_string(placed.size()));
  }

  if (has("terminate")) {
    Samples s;
    double wall = parallel(o, o.instances, [&](Http& http, int k) {
      const auto& p = placed[static_cast<std::size_t>(k)];
      std::string body;
      int status = 0;
      timed(s, [&] { status = http.request("DELETE", "/v1/instances/" + p.handle, p.token, "", body); });
      if (status != 204) failure("terminate " + p.handle + ": HTTP " + std::to_string(status) + ": " + body);
    });
    report("terminate", s, wall);
    // Nothing left in anyone's list.
    Http http(o.port);
    for (const auto& t : tokens) {
      std::string body;
      int status = http.request("GET", "/v1/instances", t, "", body);
      auto j = Json::parse(body, nullptr, false);
      if (status != 200 || !j.is_array() || !j.empty()) failure("after terminate, a list still holds: " + body.substr(0, 200));
    }
  }
  std::printf("cloud_failures %d count\n", failures.load());
  return failures ? 1 : 0;
}
