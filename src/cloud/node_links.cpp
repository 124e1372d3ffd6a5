#include "cloud/node_links.h"

namespace stratus::cloud {

Result<std::shared_ptr<daemon::NodeService>> NodeLinks::get(const std::string& uri) {
  std::lock_guard lk(mu_);
  if (auto it = links_.find(uri); it != links_.end()) return it->second;
  auto n = connector_(uri);
  if (!n) return std::move(n).error();
  links_[uri] = *n;
  return *n;
}

void NodeLinks::forget(const std::string& uri) {
  std::lock_guard lk(mu_);
  links_.erase(uri);
}

}  // namespace stratus::cloud
