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

#include "api/remote.h"
#include "api/server.h"
#include "cloud/cloud_service.h"
#include "cloud/rest_api.h"
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
  cloud::ImageRepository images(**store, o.root + "/var/lib/stratus-cloud/images");
  cloud::SimulatedNodes simulated;  // outlives links and the service that use them
  cloud::NodeLinks links(connector(o.root, simulated));
  cloud::ServiceOptions so;
  so.strategy = o.strategy;
  so.graceSeconds = o.graceSeconds;
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
  (*server)->stop();
  return 0;
}

}  // namespace stratus::cloudadmin
