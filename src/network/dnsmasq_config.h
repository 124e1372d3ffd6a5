// dnsmasq's configuration for one virtual network, as text (no I/O), so it
// can be checked against golden data. One dnsmasq per network, bound only to
// the network's bridge.
#pragma once

#include <string>

#include "conf/network_def.h"

namespace stratus::network {

// Where the network's dnsmasq keeps its files (RUN/network/NAME.*).
struct DnsmasqPaths {
  std::string conf, pid, leases, hostsFile, addnHosts;
  static DnsmasqPaths under(const std::string& dir, const std::string& network);
};

struct DnsmasqFiles {
  std::string conf;       // --conf-file
  std::string hostsFile;  // dhcp-hostsfile: static DHCP hosts (reread on SIGHUP)
  std::string addnHosts;  // addn-hosts: <dns><host> entries (reread on SIGHUP)
};

// Whether the network needs a dnsmasq at all: some <ip> (for DHCP/RA) or DNS.
bool needsDnsmasq(const conf::NetworkDef& def);

DnsmasqFiles buildDnsmasqFiles(const conf::NetworkDef& def, const std::string& bridge,
                               const DnsmasqPaths& paths);

}  // namespace stratus::network
