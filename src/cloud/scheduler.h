// Where an instance goes: a node that is up, serves every network the
// instance asks for, and has the vCPUs and memory left. Pure: the store
// calls it inside the transaction that records the placement, so two
// requests never both take the last room on a node.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cloud/cloud_types.h"

namespace stratus::cloud {

struct NodeLoad {
  VmmNode node;
  std::int64_t usedVcpus = 0;
  std::int64_t usedMemoryMiB = 0;
};

// The index in `nodes` of the chosen node, nullopt when none fits.
//  GreedyFill: the fitting node left with the least free memory (fills
//              nodes one by one, leaving others empty for big requests);
//  RoundRobin: the first fitting node after `lastNodeId` (by id, wrapping).
std::optional<std::size_t> chooseNode(const std::vector<NodeLoad>& nodes, const InstanceRequest& request,
                                      PlacementStrategy strategy, std::int64_t lastNodeId);

const char* strategyName(PlacementStrategy s);

}  // namespace stratus::cloud
