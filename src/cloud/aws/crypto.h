// The digests AWS request signing and S3 integrity checks need: SHA-256 and
// HMAC-SHA-256 (signatures), HMAC-SHA-1 (Signature Version 2), MD5 (ETags,
// Content-MD5), CRC32 and CRC32C (the SDK's checksum trailers), with hex and
// base64 forms. SHA/HMAC/MD5 come from OpenSSL; the CRCs are table-driven here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::cloud::aws {

// An incremental digest over a stream (a 5 GiB object is hashed as it is
// written). Algorithms: Sha256, Sha1, Md5.
class Digest {
 public:
  enum class Algo { Sha256, Sha1, Md5 };
  explicit Digest(Algo a);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  void update(std::string_view data);
  // The raw digest; the object cannot be updated afterwards.
  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Incremental CRC-32 (ISO-HDLC, as zlib) or CRC-32C (Castagnoli).
class Crc {
 public:
  enum class Algo { Crc32, Crc32c };
  explicit Crc(Algo a) : algo_(a) {}
  void update(std::string_view data);
  std::uint32_t value() const { return ~crc_; }
  // The 4 bytes big-endian, as AWS's checksum headers encode them (base64).
  std::string bytes() const;

 private:
  Algo algo_;
  std::uint32_t crc_ = 0xFFFFFFFFu;
};

std::string sha256(std::string_view data);
std::string md5(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);
std::string hmacSha1(std::string_view key, std::string_view data);

std::string toHex(std::string_view raw);  // lower-case
std::string base64Encode(std::string_view raw);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64Decode(std::string_view text);

// Compares two secrets in time independent of where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace stratus::cloud::aws
