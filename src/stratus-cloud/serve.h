// `stratus-cloud serve`: the service in the foreground until SIGTERM/SIGINT:
// the REST API for cloud-client (TCP, default 127.0.0.1:8443, and a unix
// socket under ROOT/run/stratus-cloud), the S3 repository (port 8888 of
// the first listen address, or --s3-listen; cloud/s3/s3_server.h), and one timer thread that enforces
// leases and checks the nodes once a second.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloud/scheduler.h"

namespace stratus::cloudadmin {

struct ServeOptions {
  std::string root = "/";
  std::string db;                  // SQLite file or postgresql:// URL; "" -> ROOT/var/lib/stratus-cloud/cloud.db
  std::vector<std::string> listen; // ADDR[:PORT]; default 127.0.0.1:8443
  std::vector<std::string> s3Listen;  // ADDR[:PORT]; default the first listen address's host, port 8888
  std::vector<std::string> ec2Listen;  // ADDR[:PORT]; default the first listen address's host, port 8444
  std::string consoleDir;  // on nodes: where instance consoles are logged ("" pty; EC2 GetConsoleOutput reads these)
  std::int64_t graceSeconds = 600;
  cloud::PlacementStrategy strategy = cloud::PlacementStrategy::GreedyFill;
  bool verbose = false;
};

int serve(const ServeOptions& opts);

}  // namespace stratus::cloudadmin
