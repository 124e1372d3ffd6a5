#include "util/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace stratus {

namespace {

void fill(std::uint8_t* p, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(p + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    // getrandom on Linux >= 3.17 only fails for bad arguments: a bug here.
    if (r < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<std::size_t>(r);
  }
}

}  // namespace

std::string randomHex(std::size_t bytes) {
  std::vector<std::uint8_t> b(bytes);
  fill(b.data(), b.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (auto v : b) {
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 15]);
  }
  return out;
}

std::string randomString(std::size_t length, std::string_view alphabet) {
  std::string out;
  out.reserve(length);
  // Rejection sampling: only bytes below the largest multiple of the
  // alphabet's size are used, so every symbol is equally likely.
  const unsigned n = static_cast<unsigned>(alphabet.size());
  const unsigned limit = 256 - 256 % n;
  while (out.size() < length) {
    std::uint8_t buf[64];
    fill(buf, sizeof buf);
    for (auto v : buf)
      if (v < limit && out.size() < length) out.push_back(alphabet[v % n]);
  }
  return out;
}

}  // namespace stratus
