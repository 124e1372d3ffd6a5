#include "network/firewall_rules.h"

#include <fmt/format.h>

#include <vector>

namespace stratus::network {

using conf::ForwardMode;

bool needsFirewall(const conf::NetworkDef& def) {
  auto m = def.forward.mode;
  return m == ForwardMode::Nat || m == ForwardMode::Route || m == ForwardMode::None;
}

bool needsIpForwarding(const conf::NetworkDef& def) {
  auto m = def.forward.mode;
  return m == ForwardMode::Nat || m == ForwardMode::Route || m == ForwardMode::Open;
}

namespace {

struct Chains {
  std::string fwd, nat, in;
};
Chains chainsOf(const std::string& bridge) { return {"fwd_" + bridge, "nat_" + bridge, "in_" + bridge}; }

// The subnet of an <ip> in CIDR form ("192.168.122.0/24").
std::string subnetOf(const conf::NetIp& ip) {
  unsigned p = ip.prefixLength();
  if (!ip.isV6()) {
    auto a = conf::parseIpv4(ip.address);
    std::uint32_t mask = p == 0 ? 0 : ~std::uint32_t{0} << (32 - p);
    return fmt::format("{}/{}", conf::formatIpv4(a ? (*a & mask) : 0), p);
  }
  // nft accepts a host address with a prefix and masks it itself.
  return fmt::format("{}/{}", ip.address, p);
}

std::string q(const std::string& ifname) { return "\"" + ifname + "\""; }

}  // namespace

std::string buildFirewallRemoveScript(const std::string& bridge) {
  Chains c = chainsOf(bridge);
  std::string s = fmt::format("add table inet {}\n", kFirewallTable);
  // Declare each chain first so deleting one that is absent is not an error.
  s += fmt::format("add chain inet {} {} {{ type filter hook forward priority 0; policy accept; }}\n", kFirewallTable, c.fwd);
  s += fmt::format("add chain inet {} {} {{ type nat hook postrouting priority 100; policy accept; }}\n", kFirewallTable, c.nat);
  s += fmt::format("add chain inet {} {} {{ type filter hook input priority 0; policy accept; }}\n", kFirewallTable, c.in);
  for (const auto& name : {c.fwd, c.nat, c.in}) s += fmt::format("delete chain inet {} {}\n", kFirewallTable, name);
  return s;
}

std::string buildFirewallScript(const conf::NetworkDef& def, const std::string& bridge) {
  Chains c = chainsOf(bridge);
  const std::string t = kFirewallTable;
  std::string s = buildFirewallRemoveScript(bridge);
  if (!needsFirewall(def)) return s;
  const std::string br = q(bridge);
  auto rule = [&](const std::string& chain, const std::string& body) {
    s += fmt::format("add rule inet {} {} {}\n", t, chain, body);
  };
  s += fmt::format("add chain inet {} {} {{ type filter hook forward priority 0; policy accept; }}\n", t, c.fwd);
  const ForwardMode mode = def.forward.mode;
  const std::string outDev = def.forward.dev.empty() ? "" : " oifname " + q(def.forward.dev);
  const std::string inDev = def.forward.dev.empty() ? "" : " iifname " + q(def.forward.dev);
  // Guests on the same bridge talk to each other (bridged traffic only gets
  // here with br_netfilter; harmless otherwise).
  rule(c.fwd, "iifname " + br + " oifname " + br + " accept");
  if (mode == ForwardMode::Nat || mode == ForwardMode::Route) {
    for (const auto& ip : def.ips) {
      const std::string fam = ip.isV6() ? "ip6" : "ip";
      const std::string net = subnetOf(ip);
      rule(c.fwd, "iifname " + br + outDev + " " + fam + " saddr " + net + " accept");
      // NAT mode only masquerades IPv4; IPv6 is routed as libvirt does.
      if (mode == ForwardMode::Nat && !ip.isV6())
        rule(c.fwd, "oifname " + br + inDev + " ip daddr " + net + " ct state related,established accept");
      else
        rule(c.fwd, "oifname " + br + inDev + " " + fam + " daddr " + net + " accept");
    }
  }
  // Everything else into or out of the network is refused.
  rule(c.fwd, "iifname " + br + " reject");
  rule(c.fwd, "oifname " + br + " reject");

  if (mode == ForwardMode::Nat) {
    s += fmt::format("add chain inet {} {} {{ type nat hook postrouting priority 100; policy accept; }}\n", t, c.nat);
    unsigned lo = def.forward.natPortStart ? def.forward.natPortStart : 1024;
    unsigned hi = def.forward.natPortEnd ? def.forward.natPortEnd : 65535;
    std::string to;
    if (def.forward.natAddress) {
      to = def.forward.natAddress->start;
      if (!def.forward.natAddress->end.empty() && def.forward.natAddress->end != def.forward.natAddress->start)
        to += "-" + def.forward.natAddress->end;
    }
    for (const auto& ip : def.ips) {
      if (ip.isV6()) continue;
      const std::string net = subnetOf(ip);
      // Local multicast and broadcast stay untranslated (DHCP, mDNS).
      const std::string match = "ip saddr " + net + " ip daddr != " + net +
                                " ip daddr != 224.0.0.0/24 ip daddr != 255.255.255.255" + outDev;
      if (to.empty()) {
        rule(c.nat, match + fmt::format(" meta l4proto {{ tcp, udp }} masquerade to :{}-{}", lo, hi));
        rule(c.nat, match + " masquerade");
      } else {
        rule(c.nat, match + fmt::format(" meta l4proto {{ tcp, udp }} snat ip to {}:{}-{}", to, lo, hi));
        rule(c.nat, match + " snat ip to " + to);
      }
    }
  }
  if (mode == ForwardMode::None) {
    // An isolated network reaches the host's address on its own bridge
    // (DHCP, DNS) and nothing else of the host: not the other networks'
    // gateways, not the host's other addresses.
    s += fmt::format("add chain inet {} {} {{ type filter hook input priority 0; policy accept; }}\n", t, c.in);
    std::vector<std::string> v4{"255.255.255.255"}, v6{"fe80::/10", "ff00::/8"};
    for (const auto& ip : def.ips) (ip.isV6() ? v6 : v4).push_back(ip.address);
    auto set = [](const std::vector<std::string>& xs) {
      std::string r = "{ ";
      for (std::size_t i = 0; i < xs.size(); ++i) r += (i ? ", " : "") + xs[i];
      return r + " }";
    };
    rule(c.in, "iifname " + br + " meta nfproto ipv4 ip daddr != " + set(v4) + " drop");
    rule(c.in, "iifname " + br + " meta nfproto ipv6 ip6 daddr != " + set(v6) + " drop");
  }
  return s;
}

}  // namespace stratus::network
