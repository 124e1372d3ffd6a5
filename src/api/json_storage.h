// Wire forms (JSON) of the storage pool and volume types
// (daemon/storage_types.h), and the framed format of sparse volume streams.
// docs/api.md documents every field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/storage_types.h"
#include "util/error.h"

namespace stratus::daemon {

void to_json(nlohmann::json& j, const PoolSummary& v);
void from_json(const nlohmann::json& j, PoolSummary& v);
void to_json(nlohmann::json& j, const PoolDefineResult& v);
void from_json(const nlohmann::json& j, PoolDefineResult& v);
void to_json(nlohmann::json& j, const PoolBuildOptions& v);
void from_json(const nlohmann::json& j, PoolBuildOptions& v);
void to_json(nlohmann::json& j, const PoolStartOptions& v);
void from_json(const nlohmann::json& j, PoolStartOptions& v);
void to_json(nlohmann::json& j, const VolumeSummary& v);
void from_json(const nlohmann::json& j, VolumeSummary& v);
void to_json(nlohmann::json& j, const VolumeResizeOptions& v);
void from_json(const nlohmann::json& j, VolumeResizeOptions& v);
void to_json(nlohmann::json& j, const VolumeWipeOptions& v);
void from_json(const nlohmann::json& j, VolumeWipeOptions& v);

}  // namespace stratus::daemon

namespace stratus::api {

// Content types of GET/PUT .../volumes/{vol}/content.
inline constexpr const char* kRawVolumeType = "application/octet-stream";
inline constexpr const char* kSparseVolumeType = "application/vnd.stratus.sparse-stream";

// The sparse stream (docs/api.md, "Sparse volume streams"): records of a
// 1-byte kind and an 8-byte big-endian length.
//   'D' LEN, then LEN bytes of data (LEN <= kSparseMaxData)
//   'H' LEN: a hole of LEN bytes that read as zeros
//   'E' 0:   the end; a stream without it was cut short
inline constexpr std::size_t kSparseRecordHeader = 9;
inline constexpr std::uint64_t kSparseMaxData = 8u << 20;
std::string sparseRecordHeader(char kind, std::uint64_t length);

// Decodes a sparse stream fed in arbitrary pieces.
class SparseDecoder {
 public:
  // Appends received bytes.
  void feed(std::string_view bytes) { pending_.append(bytes); }
  // The next whole record as a VolumeChunk (data, or a hole); std::nullopt
  // when more bytes are needed; the end record gives an end() chunk.
  // Malformed input (unknown kind, oversized data) is an error.
  Result<std::optional<daemon::VolumeChunk>> next();
  bool ended() const { return ended_; }

 private:
  std::string pending_;
  std::size_t pos_ = 0;
  bool ended_ = false;
};

}  // namespace stratus::api
