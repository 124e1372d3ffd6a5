// RFC 4122 UUIDs as libvirt uses them: 16 raw bytes, printed lower-case with dashes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

class Uuid {
 public:
  Uuid() { bytes_.fill(0); }
  // Random version-4 UUID from /dev/urandom (getrandom).
  static Uuid generate();
  // Accepts libvirt's forms: 32 hex digits with optional dashes between byte
  // pairs ("85badf15-244d-4719-a2da-8c3de0641373"); nullopt when malformed.
  static std::optional<Uuid> parse(std::string_view text);

  std::string str() const;
  bool isNull() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_;
};

}  // namespace stratus
