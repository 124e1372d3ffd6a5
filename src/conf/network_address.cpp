// Address helpers: the public ones declared in network_def.h and the internal
// IpAddr arithmetic of network_address.h. inet_pton/inet_ntop give the same
// accepted forms and canonical output as the rest of the system.
#include "conf/network_address.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <bit>
#include <cstring>

#include "conf/network_def.h"

namespace stratus::conf {

namespace {

// inet_pton stops at a NUL; refuse embedded ones instead of reading a prefix.
bool plainText(std::string_view s) { return !s.empty() && s.find('\0') == std::string_view::npos && s.size() < 64; }

}  // namespace

std::optional<IpAddr> parseIp(std::string_view s) {
  if (!plainText(s)) return std::nullopt;
  std::string t(s);
  IpAddr a;
  if (inet_pton(AF_INET, t.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, t.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::string formatIp(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf)) return {};
  return buf;
}

std::optional<std::string> canonicalIp(std::string_view s) {
  auto a = parseIp(s);
  if (!a) return std::nullopt;
  return formatIp(*a);
}

IpAddr networkOf(const IpAddr& a, unsigned prefix) {
  IpAddr out = a;
  for (unsigned i = 0; i < a.bits() / 8; ++i) {
    unsigned keep = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
    out.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] & (keep ? 0xff << (8 - keep) : 0));
  }
  return out;
}

IpAddr broadcastOf(const IpAddr& a, unsigned prefix) {
  IpAddr out = a;
  for (unsigned i = 0; i < a.bits() / 8; ++i) {
    unsigned keep = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
    out.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] | (0xffu >> keep));
  }
  return out;
}

bool inSubnet(const IpAddr& a, const IpAddr& net, unsigned prefix) {
  return a.v6 == net.v6 && networkOf(a, prefix) == networkOf(net, prefix);
}

std::optional<unsigned> ipPrefix(std::string_view address, std::string_view netmask, std::optional<unsigned> prefix) {
  if (prefix) return prefix;
  if (!netmask.empty()) return netmaskToPrefix(netmask);
  auto a = parseIp(address);
  if (!a) return std::nullopt;
  if (a->v6) return *a == IpAddr{true, {}} ? 0u : 64u;
  std::uint8_t first = a->bytes[0];
  if (*a == IpAddr{}) return 0u;
  if ((first & 0x80) == 0) return 8u;      // class A
  if ((first & 0xc0) == 0x80) return 16u;  // class B
  if ((first & 0xe0) == 0xc0) return 24u;  // class C
  return std::nullopt;                     // multicast / reserved: no natural prefix
}

// ---- public helpers (network_def.h) ----

std::optional<std::uint32_t> parseIpv4(std::string_view s) {
  auto a = parseIp(s);
  if (!a || a->v6) return std::nullopt;
  return (std::uint32_t{a->bytes[0]} << 24) | (std::uint32_t{a->bytes[1]} << 16) |
         (std::uint32_t{a->bytes[2]} << 8) | a->bytes[3];
}

std::string formatIpv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::optional<unsigned> netmaskToPrefix(std::string_view mask) {
  auto m = parseIpv4(mask);
  if (!m) return std::nullopt;
  std::uint32_t hostBits = ~*m;
  if ((hostBits & (hostBits + 1)) != 0) return std::nullopt;  // ones then zeros only
  return static_cast<unsigned>(std::popcount(*m));
}

std::string prefixToNetmask(unsigned prefix) {
  if (prefix > 32) return {};
  return formatIpv4(prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix));
}

bool isIpv6(std::string_view s) {
  auto a = parseIp(s);
  return a && a->v6;
}

}  // namespace stratus::conf
