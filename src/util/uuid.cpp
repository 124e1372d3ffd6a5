#include "util/uuid.h"

#include <sys/random.h>

#include <cstdio>

namespace stratus {

Uuid Uuid::generate() {
  Uuid u;
  std::size_t got = 0;
  while (got < u.bytes_.size()) {
    ssize_t n = getrandom(u.bytes_.data() + got, u.bytes_.size() - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  u.bytes_[6] = static_cast<std::uint8_t>((u.bytes_[6] & 0x0f) | 0x40);
  u.bytes_[8] = static_cast<std::uint8_t>((u.bytes_[8] & 0x3f) | 0x80);
  return u;
}

static int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  // Same leniency as libvirt's virUUIDParse: leading/trailing blanks, and a
  // dash allowed between any two bytes.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  Uuid u;
  std::size_t i = 0;
  for (std::size_t b = 0; b < 16; ++b) {
    if (i < text.size() && text[i] == '-' && b > 0) ++i;
    if (i + 2 > text.size()) return std::nullopt;
    int hi = hexValue(text[i]), lo = hexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes_[b] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  if (i != text.size()) return std::nullopt;
  return u;
}

std::string Uuid::str() const {
  char buf[37];
  std::snprintf(buf, sizeof buf,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                bytes_[0], bytes_[1], bytes_[2], bytes_[3], bytes_[4], bytes_[5], bytes_[6],
                bytes_[7], bytes_[8], bytes_[9], bytes_[10], bytes_[11], bytes_[12], bytes_[13],
                bytes_[14], bytes_[15]);
  return buf;
}

bool Uuid::isNull() const {
  for (auto b : bytes_)
    if (b) return false;
  return true;
}

}  // namespace stratus
