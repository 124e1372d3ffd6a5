#include "cloud/aws/aws_chunked.h"

#include <algorithm>
#include <cstring>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"

namespace stratus::cloud::aws {

namespace {
constexpr std::size_t kMaxLine = 4096;
constexpr std::uint64_t kMaxChunk = 1ull << 34;  // 16 GiB: larger is a malformed size, not data
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Error incomplete(const std::string& what) { return awsError("IncompleteBody", "aws-chunked payload: " + what); }
}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(ByteSource source, const AuthContext& auth, std::string trailerName,
                                     std::optional<std::uint64_t> decodedLength)
    : source_(std::move(source)),
      auth_(auth),
      signedChunks_(auth.payloadHash == kStreamingSigned || auth.payloadHash == kStreamingSignedTrailer),
      trailerSigned_(auth.payloadHash == kStreamingSignedTrailer),
      trailerName_(std::move(trailerName)),
      decodedLength_(decodedLength),
      prevSignature_(auth.signature) {
  if (!trailerName_.empty()) checksum_ = PayloadChecksum::forName(trailerName_);
}

Result<char> AwsChunkedDecoder::readByte() {
  if (pos_ == buf_.size()) {
    buf_.resize(65536);
    auto n = source_(buf_.data(), buf_.size());
    if (!n) return std::move(n).error();
    buf_.resize(*n);
    pos_ = 0;
    if (*n == 0) return incomplete("the body ended early");
  }
  return buf_[pos_++];
}

Result<std::string> AwsChunkedDecoder::readLine() {
  std::string line;
  while (line.size() < kMaxLine) {
    auto c = readByte();
    if (!c) return std::move(c).error();
    if (*c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    line.push_back(*c);
  }
  return incomplete("a line longer than 4096 bytes");
}

std::string AwsChunkedDecoder::chunkStringToSign(const std::string& dataHashHex) const {
  return "AWS4-HMAC-SHA256-PAYLOAD\n" + auth_.amzDate + "\n" + auth_.scope + "\n" + prevSignature_ + "\n" +
         kEmptySha256 + "\n" + dataHashHex;
}

Status AwsChunkedDecoder::startChunk() {
  auto line = readLine();
  if (!line) return std::move(line).error();
  std::string sizeText = line->substr(0, line->find(';'));
  if (sizeText.empty() || sizeText.size() > 16 ||
      !std::all_of(sizeText.begin(), sizeText.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return incomplete("malformed chunk header '" + line->substr(0, 80) + "'");
  remaining_ = std::stoull(sizeText, nullptr, 16);
  if (remaining_ > kMaxChunk) return incomplete("chunk size " + sizeText + " too large");
  chunkSignature_.clear();
  if (auto semi = line->find(';'); semi != std::string::npos) {
    std::string ext = line->substr(semi + 1);
    static const std::string kSig = "chunk-signature=";
    if (ext.rfind(kSig, 0) == 0) chunkSignature_ = ext.substr(kSig.size());
  }
  if (signedChunks_ && chunkSignature_.empty())
    return awsError("SignatureDoesNotMatch", "aws-chunked payload: a chunk without chunk-signature");
  chunkHash_.emplace(Digest::Algo::Sha256);
  if (remaining_ == 0) {
    STRATUS_TRY(endChunk());
    STRATUS_TRY(readTrailers());
    state_ = State::Done;
  } else {
    state_ = State::Data;
  }
  return okStatus();
}

Status AwsChunkedDecoder::endChunk() {
  if (signedChunks_) {
    std::string expected = toHex(hmacSha256(auth_.signingKey, chunkStringToSign(toHex(chunkHash_->finish()))));
    if (!constantTimeEquals(expected, chunkSignature_))
      return awsError("SignatureDoesNotMatch", "aws-chunked payload: a chunk's signature does not match");
    prevSignature_ = chunkSignature_;
  }
  chunkHash_.reset();
  return okStatus();
}

Status AwsChunkedDecoder::readTrailers() {
  // After the last chunk: "name:value" lines up to an empty line (or the
  // end of the body, which some clients leave at the final CRLF).
  std::string canonical;
  std::string trailerSignature;
  while (true) {
    if (pos_ == buf_.size()) {
      buf_.resize(4096);
      auto n = source_(buf_.data(), buf_.size());
      if (!n) return std::move(n).error();
      buf_.resize(*n);
      pos_ = 0;
      if (*n == 0) break;
    }
    auto line = readLine();
    if (!line) return std::move(line).error();
    if (line->empty()) break;
    auto colon = line->find(':');
    if (colon == std::string::npos) return incomplete("malformed trailer '" + line->substr(0, 80) + "'");
    std::string name = line->substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = canonicalHeaderValue(line->substr(colon + 1));
    if (name == "x-amz-trailer-signature") {
      trailerSignature = value;
      continue;
    }
    canonical += name + ":" + value + "\n";
    trailers_[name] = value;
  }
  if (trailerSigned_) {
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + auth_.amzDate + "\n" + auth_.scope + "\n" + prevSignature_ +
                      "\n" + toHex(sha256(canonical));
    if (!constantTimeEquals(toHex(hmacSha256(auth_.signingKey, sts)), trailerSignature))
      return awsError("SignatureDoesNotMatch", "aws-chunked payload: the trailer's signature does not match");
  }
  if (decodedLength_ && *decodedLength_ != total_)
    return incomplete("x-amz-decoded-content-length is " + std::to_string(*decodedLength_) + " but " +
                      std::to_string(total_) + " bytes came");
  if (!trailerName_.empty()) {
    auto it = trailers_.find(trailerName_);
    if (it == trailers_.end()) return incomplete("the announced trailer " + trailerName_ + " is missing");
    if (checksum_) STRATUS_TRY(checksum_->verify(it->second));
  }
  return okStatus();
}

Result<std::size_t> AwsChunkedDecoder::read(char* out, std::size_t max) {
  while (true) {
    if (state_ == State::Done) return std::size_t{0};
    if (state_ == State::Header) {
      STRATUS_TRY(startChunk());
      continue;
    }
    if (remaining_ == 0) {
      // The CRLF after a chunk's data, then the next chunk.
      auto line = readLine();
      if (!line) return std::move(line).error();
      if (!line->empty()) return incomplete("chunk data longer than its size");
      STRATUS_TRY(endChunk());
      state_ = State::Header;
      continue;
    }
    if (pos_ == buf_.size()) {
      buf_.resize(65536);
      auto n = source_(buf_.data(), buf_.size());
      if (!n) return std::move(n).error();
      buf_.resize(*n);
      pos_ = 0;
      if (*n == 0) return incomplete("the body ended inside a chunk");
    }
    std::size_t n = std::min<std::uint64_t>({max, remaining_, buf_.size() - pos_});
    std::memcpy(out, buf_.data() + pos_, n);
    std::string_view piece(out, n);
    chunkHash_->update(piece);
    if (checksum_) checksum_->update(piece);
    pos_ += n;
    remaining_ -= n;
    total_ += n;
    return n;
  }
}

}  // namespace stratus::cloud::aws
