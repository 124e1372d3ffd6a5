#include "stratus-cloud/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "api/host_port.h"
#include "api/remote.h"
#include "api/server.h"
#include "cloud/cloud_service.h"
#include "cloud/rest_api.h"
#include "cloud/ec2/ec2_server.h"
#include "cloud/s3/s3_server.h"
#include "cloud/simulated_nodes.h"

namespace stratus::cloudadmin {

namespace {

std::int64_t unixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

// test:///... nodes are simulated in this process, one host per distinct
// URI (simulated_nodes.h); every other URI is a stratusd reached over its
// API with the service's tokens (ROOT/etc/stratus-cloud/remotes, lines
// HOST TOKEN).
cloud::NodeConnector connector(const std::string& root, cloud::SimulatedNodes& simulated) {
  return [remotes = root + "/etc/stratus-cloud/remotes", &simulated](
             const std::string& uri) -> Result<std::shared_ptr<daemon::NodeService>> {
    if (uri.rfind("test:", 0) == 0) return simulated.get(uri);
    api::RemoteOptions ro;
    ro.remotesFile = remotes;
    ro.ioTimeout = std::chrono::seconds(60);
    auto n = api::connectRemote(uri, ro);
    if (!n) return std::move(n).error();
    return std::shared_ptr<daemon::NodeService>(std::move(*n));
  };
}

// Where a front end of its own listens: `given`, else the host of the first
// --listen address (127.0.0.1 without one) on `port`.
Result<std::vector<std::string>> listenOr(const std::vector<std::string>& given, const std::vector<std::string>& listen,
                                          std::uint16_t port, std::string_view option) {
  if (!given.empty()) return given;
  api::HostPort hp;
  hp.host = "127.0.0.1";
  if (!listen.empty()) {
    auto first = api::parseHostPort(listen.front(), "--listen");
    if (!first) return Error(first.error().code, first.error().message + " (the default of " + std::string(option) + ")");
    hp.host = first->host;
  }
  hp.port = port;
  return std::vector<std::string>{hp.str()};
}

// The S3 repository (Cumulus) on its own port: ADDR:8888 of the first
// --listen address unless --s3-listen says otherwise.
struct S3Service {
  std::unique_ptr<cloud::s3::S3Server> repo;
  std::unique_ptr<api::Server> server;
};

Result<S3Service> startS3(const ServeOptions& o, cloud::CloudStore& store, api::ServerOptions ao) {
  cloud::s3::S3Options so;
  so.dataDir = cloud::repositoryDir(o.root);
  so.adminsFile = o.root + "/etc/stratus-cloud/s3-admins";
  auto repo = cloud::s3::S3Server::open(store, so);
  if (!repo) return std::move(repo).error();
  ao.socketPath = o.root + "/run/stratus-cloud/s3.sock";
  auto listen = listenOr(o.s3Listen, o.listen, 8888, "--s3-listen");
  if (!listen) return std::move(listen).error();
  ao.listen = std::move(*listen);
  auto server = api::Server::start(cloud::s3::makeS3Router(**repo), ao);
  if (!server) return std::move(server).error();
  for (const auto& a : (*server)->tcpAddresses()) spdlog::info("S3 repository serving on http://{}", a);
  return S3Service{std::move(*repo), std::move(*server)};
}

// The EC2 Query API on its own port: ADDR:8444 of the first --listen
// address unless --ec2-listen says otherwise.
struct Ec2Service {
  std::unique_ptr<cloud::ec2::Ec2Server> api;
  std::unique_ptr<api::Server> server;
};

Result<Ec2Service> startEc2(const ServeOptions& o, cloud::CloudService& service, cloud::CloudStore& store,
                            cloud::ImageRepository& images, api::ServerOptions ao) {
  cloud::ec2::Ec2Options eo;
  eo.flavoursFile = o.root + "/etc/stratus-cloud/flavours";
  auto ec2 = std::make_unique<cloud::ec2::Ec2Server>(service, store, images, eo);
  ao.socketPath = o.root + "/run/stratus-cloud/ec2.sock";
  auto listen = listenOr(o.ec2Listen, o.listen, 8444, "--ec2-listen");
  if (!listen) return std::move(listen).error();
  ao.listen = std::move(*listen);
  auto server = api::Server::start(cloud::ec2::makeEc2Router(*ec2), ao);
  if (!server) return std::move(server).error();
  for (const auto& a : (*server)->tcpAddresses()) spdlog::info("EC2 Query API serving on http://{}", a);
  return Ec2Service{std::move(ec2), std::move(*server)};
}

}  // namespace

int serve(const ServeOptions& o) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  if (o.verbose) spdlog::set_level(spdlog::level::debug);

  auto store = cloud::CloudStore::open(o.db.empty() ? o.root + "/var/lib/stratus-cloud/cloud.db" : o.db);
  if (!store) {
    spdlog::error("{}", store.error().describe());
    return 1;
  }
  cloud::ImageRepository images(**store, cloud::repositoryDir(o.root));
  cloud::SimulatedNodes simulated;  // outlives links and the service that use them
  cloud::NodeLinks links(connector(o.root, simulated));
  cloud::ServiceOptions so;
  so.strategy = o.strategy;
  so.graceSeconds = o.graceSeconds;
  so.consoleDir = o.consoleDir;
  so.poolsDir = o.root + "/etc/stratus-cloud/network-pools";
  cloud::CloudService service(**store, images, links, so);
  if (auto s = service.loadPools(); !s) {
    spdlog::error("network pools: {}", s.error().describe());
    return 1;
  }
  api::ServerOptions ao;
  ao.socketPath = o.root + "/run/stratus-cloud/cloud.sock";
  ao.listen = o.listen.empty() ? std::vector<std::string>{"127.0.0.1:8443"} : o.listen;
  ao.tcpTokens = false;  // every route checks the user's client token
  ao.logger = spdlog::default_logger();
  std::error_code ec;
  std::filesystem::create_directories(o.root + "/run/stratus-cloud", ec);
  auto server = api::Server::start(cloud::makeCloudRouter(service, **store, images, unixNow), ao);
  if (!server) {
    spdlog::error("cannot serve: {}", server.error().describe());
    return 1;
  }
  for (const auto& a : (*server)->tcpAddresses()) spdlog::info("stratus-cloud serving on http://{}", a);
  auto s3 = startS3(o, **store, ao);
  if (!s3) {
    spdlog::error("cannot serve S3: {}", s3.error().describe());
    return 1;
  }
  auto ec2 = startEc2(o, service, **store, images, ao);
  if (!ec2) {
    spdlog::error("cannot serve the EC2 Query API: {}", ec2.error().describe());
    return 1;
  }

  // Leases and node health, once a second; the timers live in the
  // database, so a restarted service picks up where this one stopped.
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread timer([&] {
    std::unique_lock lk(mu);
    while (!cv.wait_for(lk, std::chrono::seconds(1), [&] { return stop; })) {
      lk.unlock();
      for (const auto& line : service.tick(unixNow())) spdlog::info("lease: {}", line);
      service.checkNodes(unixNow());
      lk.lock();
    }
  });
  int sig = 0;
  while (sigwait(&sigs, &sig) != 0) {
  }
  spdlog::info("{}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  {
    std::lock_guard lk(mu);
    stop = true;
  }
  cv.notify_all();
  timer.join();
  ec2->server->stop();
  s3->server->stop();
  (*server)->stop();
  return 0;
}

}  // namespace stratus::cloudadmin
