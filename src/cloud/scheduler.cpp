#include "cloud/scheduler.h"

#include <algorithm>

namespace stratus::cloud {

namespace {

bool fits(const NodeLoad& n, const InstanceRequest& r) {
  if (n.node.state != VmmNode::State::Up) return false;
  if (n.node.vcpus - n.usedVcpus < r.vcpus || n.node.memoryMiB - n.usedMemoryMiB < r.memoryMiB) return false;
  for (const auto& net : r.networks)
    if (std::find(n.node.networks.begin(), n.node.networks.end(), net) == n.node.networks.end()) return false;
  return true;
}

}  // namespace

std::optional<std::size_t> chooseNode(const std::vector<NodeLoad>& nodes, const InstanceRequest& r,
                                      PlacementStrategy strategy, std::int64_t lastNodeId) {
  std::optional<std::size_t> best;
  if (strategy == PlacementStrategy::GreedyFill) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (!fits(nodes[i], r)) continue;
      auto left = nodes[i].node.memoryMiB - nodes[i].usedMemoryMiB;
      if (!best) {
        best = i;
        continue;
      }
      auto bestLeft = nodes[*best].node.memoryMiB - nodes[*best].usedMemoryMiB;
      if (left < bestLeft || (left == bestLeft && nodes[i].node.id < nodes[*best].node.id)) best = i;
    }
    return best;
  }
  // Round robin: the smallest id above lastNodeId that fits, else the smallest that fits.
  std::optional<std::size_t> wrap;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!fits(nodes[i], r)) continue;
    auto id = nodes[i].node.id;
    if (id > lastNodeId && (!best || id < nodes[*best].node.id)) best = i;
    if (!wrap || id < nodes[*wrap].node.id) wrap = i;
  }
  return best ? best : wrap;
}

const char* strategyName(PlacementStrategy s) {
  return s == PlacementStrategy::RoundRobin ? "round-robin" : "greedy-fill";
}

}  // namespace stratus::cloud
