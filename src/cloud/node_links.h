// The service's connections to its VMM nodes: one NodeService per node URI,
// made on first use by the connector stratus-cloud's main gives (the API
// client over authenticated TCP for qemu+tcp://, an in-process simulated
// node for test:/// URIs), kept while it works, dropped after a failure so
// the next use reconnects.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::cloud {

// Shared: a simulated node may be shared with whoever created it (tests).
using NodeConnector = std::function<Result<std::shared_ptr<daemon::NodeService>>(const std::string& uri)>;

class NodeLinks {
 public:
  explicit NodeLinks(NodeConnector connector) : connector_(std::move(connector)) {}
  Result<std::shared_ptr<daemon::NodeService>> get(const std::string& uri);
  void forget(const std::string& uri);

 private:
  NodeConnector connector_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<daemon::NodeService>> links_;
};

}  // namespace stratus::cloud
