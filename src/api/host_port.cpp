#include "api/host_port.h"

#include <charconv>

namespace stratus::api {

std::string HostPort::str() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<HostPort> parseHostPort(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return Error(ErrorCode::InvalidArgument,
                 std::string(what) + ": '" + std::string(text) + "' is not HOST[:PORT] (" + std::string(why) + ")");
  };
  HostPort hp;
  std::string_view port;
  if (text.empty()) return bad("empty");
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad("no closing ']'");
    hp.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after ']'");
      port = rest.substr(1);
      hp.portGiven = true;
    }
  } else if (text.find(':') != text.rfind(':')) {
    hp.host = std::string(text);  // a bare IPv6 address
  } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    hp.portGiven = true;
  } else {
    hp.host = std::string(text);
  }
  if (hp.host.empty()) return bad("no host");
  for (char c : hp.host)
    if (c == '/' || c == '?' || c == '@' || c == ' ' || c == '#' || c == '[' || c == ']') return bad("bad host");
  if (hp.portGiven) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || v > 65535)
      return bad("bad port");
    hp.port = static_cast<std::uint16_t>(v);
  }
  return hp;
}

}  // namespace stratus::api
