// The simulated VMM nodes of a running service (scale and control-plane
// tests): each distinct `test:` URI is a host of its own, made on first use
// and kept for the process's life, so a node that the health check forgot
// for a moment still has its guests when it is asked again.
//
//   test:///default                   one simulated host with libvirt's test
//                                     objects (network `default` 192.168.122.0/24,
//                                     pool `default-pool`, the domain `test`)
//   test:///ABSOLUTE/PATH.xml         a host loaded from a libvirt <node> file
//                                     (its networks, pools and domains)
//   ...?node=NAME                     after either: another host of the same
//                                     make per NAME (letters, digits, ._-), e.g.
//                                     test:///default?node=0017, or
//                                     test:///srv/scale-node.xml?node=0017 for a
//                                     1,000-node cloud whose pool is a /16
//
// Each is daemon::openTestNode's in-memory node: a few objects and one
// event thread, a few hundred KiB (docs/performance.md, "Cloud scale").
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::cloud {

class SimulatedNodes {
 public:
  Result<std::shared_ptr<daemon::NodeService>> get(const std::string& uri);
  std::size_t size();

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<daemon::NodeService>> nodes_;
};

// The openTestNode URI behind a simulated node's URI (without its
// ?node=NAME); an error for a malformed one.
Result<std::string> simulatedBase(const std::string& uri);

}  // namespace stratus::cloud
