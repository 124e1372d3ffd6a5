// dnsmasq's lease file (dhcp-leasefile), read for net-dhcp-leases.
#pragma once

#include <string_view>
#include <vector>

#include "network/network_backend.h"

namespace stratus::network {

// IPv4 lines: "EXPIRY MAC IP HOSTNAME CLIENTID" ('*' = unknown).
// IPv6 lines follow a "duid SERVER-DUID" line: "EXPIRY IAID IP HOSTNAME CLIENT-DUID".
// Malformed lines are skipped: the file is dnsmasq's, not the user's.
std::vector<Lease> parseDnsmasqLeases(std::string_view text);

}  // namespace stratus::network
