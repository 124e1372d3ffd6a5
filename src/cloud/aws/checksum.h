// The payload checksums AWS SDKs attach to uploads, as a header or an
// aws-chunked trailer: x-amz-checksum-crc32, -crc32c, -sha1, -sha256, each
// the base64 of the big-endian digest of the (decoded) payload.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cloud/aws/crypto.h"
#include "util/error.h"

namespace stratus::cloud::aws {

class PayloadChecksum {
 public:
  // nullopt for a name that is not one of the four.
  static std::optional<PayloadChecksum> forName(std::string_view headerName);
  void update(std::string_view data);
  // The base64 value of everything fed so far (ends the digest).
  std::string finish();
  // BadDigest unless `expectedBase64` is what was fed.
  Status verify(std::string_view expectedBase64);
  const std::string& name() const { return name_; }

 private:
  PayloadChecksum(std::string name, std::variant<Crc, Digest> impl) : name_(std::move(name)), impl_(std::move(impl)) {}
  std::string name_;
  std::variant<Crc, Digest> impl_;
};

}  // namespace stratus::cloud::aws
