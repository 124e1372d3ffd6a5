#include "cloud/simulated_nodes.h"

#include <algorithm>
#include <cctype>

#include "daemon/test_node.h"

namespace stratus::cloud {

Result<std::string> simulatedBase(const std::string& uri) {
  auto q = uri.find('?');
  if (q == std::string::npos) return uri;  // test:///default or a node file (openTestNode checks it)
  const std::string key = "node=";
  std::string name = uri.substr(q + 1);
  if (name.rfind(key, 0) != 0)
    return Error(ErrorCode::InvalidArgument, "simulated node URI '" + uri + "': the only parameter is ?node=NAME");
  name = name.substr(key.size());
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!ok)
    return Error(ErrorCode::InvalidArgument, "simulated node URI '" + uri +
                                                 "': the node name must be 1-64 letters, digits, '.', '_' or '-'");
  return uri.substr(0, q);
}

Result<std::shared_ptr<daemon::NodeService>> SimulatedNodes::get(const std::string& uri) {
  std::lock_guard lk(mu_);
  if (auto it = nodes_.find(uri); it != nodes_.end()) return it->second;
  auto base = simulatedBase(uri);
  if (!base) return std::move(base).error();
  auto n = daemon::openTestNode(*base);
  if (!n) return std::move(n).error();
  std::shared_ptr<daemon::NodeService> node(std::move(*n));
  nodes_.emplace(uri, node);
  return node;
}

std::size_t SimulatedNodes::size() {
  std::lock_guard lk(mu_);
  return nodes_.size();
}

}  // namespace stratus::cloud
