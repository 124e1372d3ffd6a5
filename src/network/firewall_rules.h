// The nftables rules of one virtual network, as an `nft -f` script (no I/O),
// so they can be checked against golden data. Every rule lives in the
// daemon's own table `inet stratus`, in chains named after the network's
// bridge; nothing outside that table is ever touched.
#pragma once

#include <string>

#include "conf/network_def.h"

namespace stratus::network {

inline constexpr const char* kFirewallTable = "stratus";  // family inet

// Whether the mode installs rules at all (open: none; bridge modes: none).
bool needsFirewall(const conf::NetworkDef& def);

// Creates (or replaces) the network's chains. Idempotent: leftovers of a
// crashed daemon are replaced, not duplicated.
std::string buildFirewallScript(const conf::NetworkDef& def, const std::string& bridge);

// Removes the network's chains (the table stays; other networks may use it).
std::string buildFirewallRemoveScript(const std::string& bridge);

// Whether forwarding must be on for this mode (nat, route, open).
bool needsIpForwarding(const conf::NetworkDef& def);

}  // namespace stratus::network
