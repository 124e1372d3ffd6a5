// Address arithmetic behind the network model's checks and net-update:
// one representation for IPv4 and IPv6 so subnet and range rules are written
// once. Internal to conf/ (the public helpers are in network_def.h).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::conf {

struct IpAddr {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  unsigned bits() const { return v6 ? 128 : 32; }
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

// A numeric IPv4 (dotted quad) or IPv6 literal; nullopt for anything else.
std::optional<IpAddr> parseIp(std::string_view s);
std::string formatIp(const IpAddr& a);
// The canonical text of an address ("2001:DB8:0::01" -> "2001:db8::1").
std::optional<std::string> canonicalIp(std::string_view s);

// The address with every bit after `prefix` cleared / set.
IpAddr networkOf(const IpAddr& a, unsigned prefix);
IpAddr broadcastOf(const IpAddr& a, unsigned prefix);
// Same family and the same first `prefix` bits.
bool inSubnet(const IpAddr& a, const IpAddr& net, unsigned prefix);

// The prefix length of an <ip> or <route>: prefix= when given, else the
// netmask's, else the classful default of an IPv4 address (0 for 0.0.0.0,
// libvirt's rule for default routes) or 64 for IPv6 (0 for ::). nullopt when
// the netmask is not contiguous, the address is malformed or of class D/E.
std::optional<unsigned> ipPrefix(std::string_view address, std::string_view netmask, std::optional<unsigned> prefix);

}  // namespace stratus::conf
