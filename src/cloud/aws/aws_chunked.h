// The aws-chunked payload encoding of streamed uploads
// (Content-Encoding: aws-chunked): chunks "HEXSIZE[;chunk-signature=SIG]\r\n
// DATA\r\n", a last chunk of size 0, then optional trailers
// ("x-amz-checksum-crc32:VALUE\r\n", "x-amz-trailer-signature:SIG\r\n") and
// an empty line. Signed forms chain each chunk's signature to the one
// before, starting from the request's own signature.
//
// The decoder hands out data as it arrives and checks a chunk's signature
// when the chunk ends, and the trailer checksum at the end: a caller must
// treat the data as unverified until read() returned 0 (the S3 server
// writes it to a temporary file that only a clean end turns into an object).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cloud/aws/checksum.h"
#include "cloud/aws/request_auth.h"
#include "util/error.h"

namespace stratus::cloud::aws {

// Reads up to `max` raw bytes; 0 at the end of the stream.
using ByteSource = std::function<Result<std::size_t>(char* buf, std::size_t max)>;

class AwsChunkedDecoder {
 public:
  // `auth.payloadHash` says which form is expected (STREAMING-...);
  // `trailerName` is the request's x-amz-trailer header ("" when none):
  // that checksum is computed over the decoded data and compared with the
  // trailer's value. `decodedLength` (x-amz-decoded-content-length) is
  // checked at the end when given.
  AwsChunkedDecoder(ByteSource source, const AuthContext& auth, std::string trailerName,
                    std::optional<std::uint64_t> decodedLength);
  // Decoded payload bytes; 0 once the payload ended and every check passed.
  Result<std::size_t> read(char* buf, std::size_t max);
  const std::map<std::string, std::string>& trailers() const { return trailers_; }
  std::uint64_t decodedBytes() const { return total_; }

 private:
  Result<std::string> readLine();
  Result<char> readByte();
  Status startChunk();
  Status endChunk();
  Status readTrailers();
  std::string chunkStringToSign(const std::string& dataHashHex) const;

  ByteSource source_;
  AuthContext auth_;
  bool signedChunks_;
  bool trailerSigned_;
  std::string trailerName_;
  std::optional<PayloadChecksum> checksum_;
  std::optional<std::uint64_t> decodedLength_;
  std::string buf_;
  std::size_t pos_ = 0;
  enum class State { Header, Data, Done } state_ = State::Header;
  std::uint64_t remaining_ = 0;
  std::string chunkSignature_;
  std::string prevSignature_;
  std::optional<Digest> chunkHash_;
  std::uint64_t total_ = 0;
  std::map<std::string, std::string> trailers_;
};

}  // namespace stratus::cloud::aws
