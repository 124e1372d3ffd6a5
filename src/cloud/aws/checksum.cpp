#include "cloud/aws/checksum.h"

#include "cloud/aws/aws_error.h"

namespace stratus::cloud::aws {

std::optional<PayloadChecksum> PayloadChecksum::forName(std::string_view name) {
  if (name == "x-amz-checksum-crc32") return PayloadChecksum(std::string(name), Crc(Crc::Algo::Crc32));
  if (name == "x-amz-checksum-crc32c") return PayloadChecksum(std::string(name), Crc(Crc::Algo::Crc32c));
  if (name == "x-amz-checksum-sha1") return PayloadChecksum(std::string(name), Digest(Digest::Algo::Sha1));
  if (name == "x-amz-checksum-sha256") return PayloadChecksum(std::string(name), Digest(Digest::Algo::Sha256));
  return std::nullopt;
}

void PayloadChecksum::update(std::string_view data) {
  std::visit([&](auto& d) { d.update(data); }, impl_);
}

std::string PayloadChecksum::finish() {
  if (auto* c = std::get_if<Crc>(&impl_)) return base64Encode(c->bytes());
  return base64Encode(std::get<Digest>(impl_).finish());
}

Status PayloadChecksum::verify(std::string_view expected) {
  std::string got = finish();
  if (got != expected)
    return awsError("BadDigest", "The " + name_ + " you specified (" + std::string(expected) +
                                     ") did not match the calculated checksum (" + got + ").");
  return okStatus();
}

}  // namespace stratus::cloud::aws
