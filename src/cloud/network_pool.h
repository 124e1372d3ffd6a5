// Nimbus network pools ("network slots"): the files an administrator keeps
// in ROOT/etc/stratus-cloud/network-pools/NAME, one per network, in the
// format of Nimbus's network-pools directory:
//
//   # comments and blank lines anywhere
//   192.168.0.1                                   <- DNS server, or "none"
//   pub02 192.168.0.2 192.168.0.1 none none       <- hostname ip gateway broadcast netmask [MAC]
//
// Each instance NIC leases one slot; the slot's MAC is the guest's, so the
// node's DHCP (a static host entry) hands the guest exactly the slot's IP.
// A slot without a MAC gets one derived from the pool name and the IP:
// the same on every read, so a lease survives a service restart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::cloud {

struct NetworkSlot {
  std::string hostname;
  std::string ip;
  std::string gateway;    // "" for none
  std::string broadcast;  // "" for none
  std::string netmask;    // "" for none
  std::string mac;        // lower case; generated when the file has none
  bool macGenerated = false;
  int line = 0;           // where the file defines it
};

struct NetworkPool {
  std::string name;
  std::string dns;  // "" for none
  std::vector<NetworkSlot> slots;
};

// Parses one pool file. Errors name the file, the line and the field
// ("pool-a:4: ip: '192.168.0.300' is not an IPv4 address"). Duplicate
// hostnames, IPs or MACs within the pool are errors.
Result<NetworkPool> parseNetworkPool(std::string_view text, const std::string& file, const std::string& name);

// Reads every pool file of `dir` (file name = pool name; names starting
// with '.' are skipped). One bad file fails the whole load, naming it: a
// service must not start with a pool half understood. IPs and MACs must
// also be unique across pools.
Result<std::vector<NetworkPool>> loadNetworkPools(const std::string& dir);

// The MAC of a slot that has none: 52:54:00 (QEMU's prefix) and three bytes
// of a hash of pool name and IP.
std::string slotMac(const std::string& pool, const std::string& ip);

}  // namespace stratus::cloud
