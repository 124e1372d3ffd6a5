// Linux bridges for virtual networks, through iproute2 (`ip`): created with
// their STP/forward-delay/MAC/MTU, given the network's addresses, removed.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"

namespace stratus::network {

struct BridgeSpec {
  std::string name;
  bool stp = true;
  unsigned delaySeconds = 0;
  std::string mac;                     // empty: kernel's choice
  unsigned mtu = 0;                    // 0: default
  std::vector<std::string> addresses;  // "192.168.122.1/24", "2001:db8::1/64"
};

// Fails when an interface of that name already exists (a network never takes
// over an interface it did not make).
Status createBridge(const BridgeSpec& spec);
Status deleteBridge(const std::string& name);
// Whether `name` is a bridge (ip -d link: "bridge" kind).
bool isBridge(const std::string& name);

}  // namespace stratus::network
