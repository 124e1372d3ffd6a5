// Secrets and identifiers from the kernel's CSPRNG (getrandom): tokens,
// access keys. Never std::rand / mt19937 for anything a client presents.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stratus {

// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string randomHex(std::size_t bytes);
// `length` characters drawn uniformly from `alphabet` (at most 256 symbols).
std::string randomString(std::size_t length, std::string_view alphabet);

}  // namespace stratus
