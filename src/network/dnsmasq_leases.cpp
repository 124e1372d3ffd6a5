#include "network/dnsmasq_leases.h"

#include <charconv>
#include <sstream>
#include <string>

namespace stratus::network {

std::vector<Lease> parseDnsmasqLeases(std::string_view text) {
  std::vector<Lease> out;
  std::istringstream in{std::string(text)};
  std::string line;
  bool v6 = false;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string expiry, second, ip, host, client;
    if (!(f >> expiry >> second)) continue;
    if (expiry == "duid") {
      v6 = true;  // every lease after the server's DUID is a DHCPv6 one
      continue;
    }
    if (!(f >> ip)) continue;
    f >> host >> client;
    Lease l;
    auto [p, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), l.expiry);
    if (ec != std::errc() || p != expiry.data() + expiry.size()) continue;
    l.v6 = v6 || ip.find(':') != std::string::npos;
    if (!l.v6) l.mac = second;  // v6: the second field is the IAID, the MAC is not in the file
    l.ip = ip;
    l.hostname = host == "*" ? "" : host;
    l.clientId = client == "*" ? "" : client;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace stratus::network
