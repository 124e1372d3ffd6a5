// HOST[:PORT] as written in --listen, qemu+tcp:// URIs and remotes files:
// "10.0.0.2", "10.0.0.2:16600", "node-a", "[::1]:16509", "::1" (a bare IPv6
// address without brackets takes no port).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::api {

// libvirtd's TCP port; stratusd takes the same by default.
inline constexpr std::uint16_t kDefaultTcpPort = 16509;

struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = kDefaultTcpPort;
  bool portGiven = false;

  // "host:port", with brackets around an IPv6 host.
  std::string str() const;
};

// InvalidArgument naming `what` ("--listen", "URI ...") when the text is not
// HOST[:PORT] or the port is not 0..65535.
Result<HostPort> parseHostPort(std::string_view text, std::string_view what);

}  // namespace stratus::api
