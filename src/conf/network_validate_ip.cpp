// Stage 3, addressing: each <ip>'s family, netmask/prefix, its DHCP ranges
// and static hosts inside its subnet, libvirt's one-DHCP-per-family rule,
// and static routes through a reachable gateway.
#include <fmt/format.h>

#include <map>

#include "conf/network_address.h"
#include "conf/network_stages.h"
#include "conf/network_validate_util.h"

namespace stratus::conf {

namespace {

struct Subnet {
  IpAddr addr;
  unsigned prefix = 0;
};

// Family, netmask and prefix of one <ip> or <route> (`field` names which).
Result<Subnet> checkPrefix(const std::string& family, const std::string& address, const std::string& netmask,
                           std::optional<unsigned> prefix, const std::string& net, const NetChecker& c,
                           const std::string& key, const std::string& field) {
  auto addr = parseIp(address);
  if (!addr) return c.err(key, field + "/@address", fmt::format("Invalid address '{}' in network '{}'", address, net));
  if (family.empty() || family == "ipv4") {
    if (addr->v6)
      return c.err(key, field + "/@family",
                   fmt::format("{} family specified for non-IPv4 address '{}' in network '{}'",
                               family.empty() ? "no" : "ipv4", address, net));
    if (!netmask.empty()) {
      auto m = parseIp(netmask);
      if (!m || m->v6)
        return c.err(key, field + "/@netmask",
                     fmt::format("Invalid netmask '{}' for address '{}' in network '{}' (both must be IPv4)", netmask,
                                 address, net));
      if (prefix)
        return c.err(key, field + "/@prefix",
                     fmt::format("Network '{}' IP address cannot have both a prefix and a netmask", net));
      if (!netmaskToPrefix(netmask))
        return c.err(key, field + "/@netmask",
                     fmt::format("Invalid netmask '{}' in network '{}' (the mask bits are not contiguous)", netmask,
                                 net));
    }
    if (prefix && *prefix > 32)
      return c.err(key, field + "/@prefix", fmt::format("Invalid IPv4 prefix '{}' in network '{}'", *prefix, net));
  } else if (family == "ipv6") {
    if (!addr->v6)
      return c.err(key, field + "/@family",
                   fmt::format("Family 'ipv6' specified for non-IPv6 address '{}' in network '{}'", address, net));
    if (!netmask.empty())
      return c.err(key, field + "/@netmask",
                   fmt::format("netmask not allowed for IPv6 address '{}' in network '{}'", address, net));
    if (prefix && *prefix > 128)
      return c.err(key, field + "/@prefix", fmt::format("Invalid IPv6 prefix '{}' in network '{}'", *prefix, net));
  } else {
    return c.err(key, field + "/@family", fmt::format("Unrecognized family '{}' in network '{}'", family, net));
  }
  auto p = ipPrefix(address, netmask, prefix);
  if (!p)
    return c.err(key, field + "/@address",
                 fmt::format("cannot determine the prefix of address '{}' in network '{}' (give prefix= or netmask=)",
                             address, net));
  return Subnet{*addr, *p};
}

Status checkRanges(const NetIp& ip, const Subnet& sn, const std::string& net, const NetChecker& c,
                   const std::string& ipKey) {
  const std::string netStr = fmt::format("{}/{}", ip.address, sn.prefix);
  for (std::size_t j = 0; j < ip.ranges.size(); ++j) {
    const NetRange& r = ip.ranges[j];
    std::string key = fmt::format("{}/dhcp/range#{}", ipKey, j);
    const std::string field = "network/ip/dhcp/range";
    auto s = parseIp(r.start), e = parseIp(r.end);
    if (!s || !e)
      return c.err(key, field, fmt::format("Invalid dhcp range '{}' to '{}' in network '{}'", r.start, r.end, net));
    if (s->v6 != sn.addr.v6 || e->v6 != sn.addr.v6)
      return c.err(key, field,
                   fmt::format("mismatch of address family in range {} - {} for network {}", r.start, r.end,
                               ip.address));
    if (!inSubnet(*s, sn.addr, sn.prefix) || !inSubnet(*e, sn.addr, sn.prefix))
      return c.err(key, field, fmt::format("range {} - {} is not entirely within network {}", r.start, r.end, netStr));
    if (!s->v6 && sn.prefix < 31) {  // /31 and /32 have no network or broadcast address
      if (*s == networkOf(sn.addr, sn.prefix))
        return c.err(key, field + "/@start",
                     fmt::format("start of range {} - {} in network {} is the network address", r.start, r.end,
                                 netStr));
      if (*e == broadcastOf(sn.addr, sn.prefix))
        return c.err(key, field + "/@end",
                     fmt::format("end of range {} - {} in network {} is the broadcast address", r.start, r.end,
                                 netStr));
    }
    if (*s > *e)
      return c.err(key, field,
                   s->v6 ? fmt::format("range {} - {} start larger than end", r.start, r.end)
                         : fmt::format("range {} - {} is reversed", r.start, r.end));
  }
  return okStatus();
}

Status checkHosts(const NetIp& ip, const Subnet& sn, const std::string& net, const NetChecker& c,
                  const std::string& ipKey) {
  std::map<std::string, std::size_t> macs, ips, names;
  const std::string field = "network/ip/dhcp/host";
  for (std::size_t j = 0; j < ip.hosts.size(); ++j) {
    const DhcpHost& h = ip.hosts[j];
    std::string key = fmt::format("{}/dhcp/host#{}", ipKey, j);
    if (h.ip.empty())
      return c.err(key, field + "/@ip",
                   fmt::format("Missing IP address in static host definition for network '{}'", net));
    auto a = parseIp(h.ip);
    if (!a)
      return c.err(key, field + "/@ip",
                   fmt::format("Invalid IP address in static host definition for network '{}'", net));
    if (a->v6 != sn.addr.v6)
      return c.err(key, field + "/@ip",
                   "the address family of a host entry IP must match the address family of the dhcp element's parent");
    if (!inSubnet(*a, sn.addr, sn.prefix))
      return c.err(key, field + "/@ip",
                   fmt::format("dhcp host IP address '{}' is not within network {}/{} of network '{}'", h.ip,
                               ip.address, sn.prefix, net));
    if (*a == sn.addr)
      return c.err(key, field + "/@ip",
                   fmt::format("dhcp host IP address '{}' is the address of network '{}' itself", h.ip, net));
    if (sn.addr.v6) {
      if (!h.mac.empty())
        return c.err(key, field + "/@mac",
                     fmt::format("Invalid to specify MAC address '{}' in network '{}' IPv6 static host definition",
                                 h.mac, net));
      if (h.id.empty() && h.name.empty())
        return c.err(key, field,
                     fmt::format("Static host definition in IPv6 network '{}' must have id or name attribute", net));
    } else if (h.mac.empty() && h.name.empty()) {
      return c.err(key, field,
                   fmt::format("Static host definition in IPv4 network '{}' must have mac or name attribute", net));
    }
    // One address per client, one client per address: dnsmasq would
    // otherwise hand out whichever entry it read last.
    auto dup = [&](std::map<std::string, std::size_t>& seen, const std::string& value, const char* what,
                   const char* attr) -> Status {
      if (value.empty()) return okStatus();
      auto [it, fresh] = seen.emplace(value, j);
      if (fresh) return okStatus();
      return c.err(key, field + "/@" + attr,
                   fmt::format("duplicate dhcp host {} '{}' in network '{}' (also used by the host at line {})", what,
                               value, net, c.line(fmt::format("{}/dhcp/host#{}", ipKey, it->second))));
    };
    STRATUS_TRY(dup(macs, h.mac, "MAC address", "mac"));
    STRATUS_TRY(dup(ips, formatIp(*a), "IP address", "ip"));
    STRATUS_TRY(dup(names, h.name, "name", "name"));
  }
  return okStatus();
}

Status checkRoutes(const NetworkDef& def, const std::vector<Subnet>& subnets, const NetChecker& c) {
  for (std::size_t i = 0; i < def.routes.size(); ++i) {
    const NetRoute& r = def.routes[i];
    std::string key = fmt::format("network/route#{}", i);
    auto sn = checkPrefix(r.family, r.address, r.netmask, r.prefix, def.name, c, key, "network/route");
    if (!sn) return std::move(sn).error();
    auto gw = parseIp(r.gateway);
    if (!gw || gw->v6 != sn->addr.v6)
      return c.err(key, "network/route/@gateway",
                   fmt::format("Invalid gateway address '{}' for route to '{}' in network '{}'", r.gateway, r.address,
                               def.name));
    if (networkOf(sn->addr, sn->prefix) != sn->addr)
      return c.err(key, "network/route/@address",
                   fmt::format("route address '{}' in network '{}' has bits set beyond its prefix {}", r.address,
                               def.name, sn->prefix));
    bool reachable = false;
    for (const auto& s : subnets) reachable |= inSubnet(*gw, s.addr, s.prefix);
    if (!reachable)
      return c.err(key, "network/route/@gateway",
                   fmt::format("unreachable static route gateway '{}' specified for network '{}'", r.gateway,
                               def.name));
  }
  return okStatus();
}

}  // namespace

Status validateNetworkAddressing(const NetworkDef& def, const std::string& file, const SourceMap& lines) {
  NetChecker c{file, lines};
  const std::string& net = def.name;
  std::vector<Subnet> subnets;
  bool dhcp4 = false, dhcp6 = false, tftp4 = false;
  for (std::size_t i = 0; i < def.ips.size(); ++i) {
    const NetIp& ip = def.ips[i];
    std::string key = fmt::format("network/ip#{}", i);
    auto sn = checkPrefix(ip.family, ip.address, ip.netmask, ip.prefix, net, c, key, "network/ip");
    if (!sn) return std::move(sn).error();
    if (ip.prefix && *ip.prefix == 0)
      return c.err(key, "network/ip/@prefix",
                   fmt::format("Invalid {} prefix '0' in network '{}'", sn->addr.v6 ? "IPv6" : "IPv4", net));
    subnets.push_back(*sn);

    if (!ip.tftpRoot.empty()) {
      if (sn->addr.v6)
        return c.err(key + "/tftp", "network/ip/tftp",
                     fmt::format("Unsupported <tftp> element in an IPv6 element in network '{}'", net));
      if (tftp4)
        return c.err(key + "/tftp", "network/ip/tftp",
                     "Multiple IPv4 tftp sections found -- tftp is supported only for a single IPv4 address on each "
                     "network");
      tftp4 = true;
    }
    if (!ip.bootpFile.empty() || !ip.bootpServer.empty()) {
      if (sn->addr.v6)
        return c.err(key + "/dhcp/bootp", "network/ip/dhcp/bootp",
                     fmt::format("Unsupported <bootp> element in an IPv6 element in network '{}'", net));
      auto server = parseIp(ip.bootpServer);
      if (!ip.bootpServer.empty() && (!server || server->v6))
        return c.err(key + "/dhcp/bootp", "network/ip/dhcp/bootp/@server",
                     fmt::format("Invalid bootp server address '{}' in network '{}'", ip.bootpServer, net));
    }
    if (!ip.ranges.empty() || !ip.hosts.empty()) {
      bool& seen = sn->addr.v6 ? dhcp6 : dhcp4;
      if (seen)
        return c.err(key, "network/ip/dhcp",
                     sn->addr.v6 ? "Multiple IPv6 dhcp sections found -- dhcp is supported only for a single IPv6 "
                                   "address on each network"
                                 : "Multiple IPv4 dhcp sections found -- dhcp is supported only for a single IPv4 "
                                   "address on each network");
      seen = true;
    }
    STRATUS_TRY(checkRanges(ip, *sn, net, c, key));
    STRATUS_TRY(checkHosts(ip, *sn, net, c, key));
  }
  return checkRoutes(def, subnets, c);
}

}  // namespace stratus::conf
