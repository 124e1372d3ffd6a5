#include "cloud/s3/s3_key_order.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace stratus::cloud::s3 {

namespace {

// The code point at s[i] and its length; length 0 when it is not one.
std::pair<std::uint32_t, std::size_t> decode(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return {0, 0};
  std::uint32_t cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr std::uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kLeast[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, n};
}

std::string encode(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace

bool validUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto [cp, n] = decode(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::optional<std::string> keySuccessor(std::string_view p) {
  if (!validUtf8(p)) {
    std::string s(p);
    while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
    if (s.empty()) return std::nullopt;
    s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
    return s;
  }
  // Where each code point starts, to step back over the last ones.
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < p.size(); i += decode(p, i).second) starts.push_back(i);
  while (!starts.empty()) {
    std::size_t at = starts.back();
    starts.pop_back();
    std::uint32_t cp = decode(p, at).first;
    if (cp == 0x10FFFF) continue;
    std::uint32_t next = cp + 1 == 0xD800 ? 0xE000 : cp + 1;
    return std::string(p.substr(0, at)) + encode(next);
  }
  return std::nullopt;
}

}  // namespace stratus::cloud::s3
