#include "api/json_storage.h"

#include <optional>

#include <fmt/format.h>

#include "api/json_types.h"

namespace stratus::daemon {

using nlohmann::json;

void to_json(json& j, const PoolSummary& v) {
  j = {{"name", v.name},
       {"uuid", v.uuid},
       {"type", v.type},
       {"state", v.state},
       {"active", v.active},
       {"persistent", v.persistent},
       {"autostart", v.autostart},
       {"capacity", v.capacity},
       {"allocation", v.allocation},
       {"available", v.available},
       {"target_path", v.targetPath}};
}
void from_json(const json& j, PoolSummary& v) {
  v.name = j.value("name", std::string());
  v.uuid = j.value("uuid", std::string());
  v.type = j.value("type", std::string());
  v.state = j.value("state", std::string("inactive"));
  v.active = j.value("active", false);
  v.persistent = j.value("persistent", true);
  v.autostart = j.value("autostart", false);
  v.capacity = j.value("capacity", std::uint64_t{0});
  v.allocation = j.value("allocation", std::uint64_t{0});
  v.available = j.value("available", std::uint64_t{0});
  v.targetPath = j.value("target_path", std::string());
}

void to_json(json& j, const PoolDefineResult& v) { j = {{"pool", v.pool}, {"warnings", v.warnings}}; }
void from_json(const json& j, PoolDefineResult& v) {
  v.pool = j.at("pool").get<PoolSummary>();
  v.warnings = j.value("warnings", std::vector<conf::Warning>());
}

void to_json(json& j, const PoolBuildOptions& v) { j = {{"overwrite", v.overwrite}, {"no_overwrite", v.noOverwrite}}; }
void from_json(const json& j, PoolBuildOptions& v) {
  v.overwrite = j.value("overwrite", false);
  v.noOverwrite = j.value("no_overwrite", false);
}

void to_json(json& j, const PoolStartOptions& v) {
  j = {{"build", v.build}, {"overwrite", v.overwrite}, {"no_overwrite", v.noOverwrite}};
}
void from_json(const json& j, PoolStartOptions& v) {
  v.build = j.value("build", false);
  v.overwrite = j.value("overwrite", false);
  v.noOverwrite = j.value("no_overwrite", false);
}

void to_json(json& j, const VolumeSummary& v) {
  j = {{"name", v.name},     {"key", v.key},           {"path", v.path},
       {"pool", v.pool},     {"type", v.type},         {"format", v.format},
       {"capacity", v.capacity}, {"allocation", v.allocation}, {"physical", v.physical}};
}
void from_json(const json& j, VolumeSummary& v) {
  v.name = j.value("name", std::string());
  v.key = j.value("key", std::string());
  v.path = j.value("path", std::string());
  v.pool = j.value("pool", std::string());
  v.type = j.value("type", std::string("file"));
  v.format = j.value("format", std::string());
  v.capacity = j.value("capacity", std::uint64_t{0});
  v.allocation = j.value("allocation", std::uint64_t{0});
  v.physical = j.value("physical", std::uint64_t{0});
}

void to_json(json& j, const VolumeResizeOptions& v) {
  j = {{"allocate", v.allocate}, {"delta", v.delta}, {"shrink", v.shrink}};
}
void from_json(const json& j, VolumeResizeOptions& v) {
  v.allocate = j.value("allocate", false);
  v.delta = j.value("delta", false);
  v.shrink = j.value("shrink", false);
}

void to_json(json& j, const VolumeWipeOptions& v) { j = {{"algorithm", v.algorithm}}; }
void from_json(const json& j, VolumeWipeOptions& v) { v.algorithm = j.value("algorithm", std::string("zero")); }

}  // namespace stratus::daemon

namespace stratus::api {

std::string sparseRecordHeader(char kind, std::uint64_t length) {
  std::string h(kSparseRecordHeader, '\0');
  h[0] = kind;
  for (int i = 0; i < 8; ++i) h[1 + i] = static_cast<char>((length >> (56 - 8 * i)) & 0xff);
  return h;
}

Result<std::optional<daemon::VolumeChunk>> SparseDecoder::next() {
  if (ended_) return Error(ErrorCode::InvalidArgument, "sparse stream: data after the end record");
  if (pending_.size() - pos_ < kSparseRecordHeader) return std::optional<daemon::VolumeChunk>();
  char kind = pending_[pos_];
  std::uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(pending_[pos_ + 1 + i]);
  daemon::VolumeChunk chunk;
  switch (kind) {
    case 'D':
      if (len == 0 || len > kSparseMaxData)
        return Error(ErrorCode::InvalidArgument,
                     "sparse stream: data record of " + std::to_string(len) + " bytes (1 to 8 MiB allowed)");
      if (pending_.size() - pos_ < kSparseRecordHeader + len) return std::optional<daemon::VolumeChunk>();
      chunk.data = pending_.substr(pos_ + kSparseRecordHeader, len);
      pos_ += kSparseRecordHeader + len;
      break;
    case 'H':
      if (len == 0) return Error(ErrorCode::InvalidArgument, "sparse stream: empty hole record");
      chunk.holeBytes = len;
      pos_ += kSparseRecordHeader;
      break;
    case 'E':
      if (len != 0) return Error(ErrorCode::InvalidArgument, "sparse stream: end record with a length");
      pos_ += kSparseRecordHeader;
      ended_ = true;
      break;
    default:
      return Error(ErrorCode::InvalidArgument,
                   "sparse stream: unknown record kind 0x" + fmt::format("{:02x}", static_cast<unsigned char>(kind)));
  }
  // Drop consumed bytes now and then, not on every record.
  if (pos_ > (1u << 20) || pos_ == pending_.size()) {
    pending_.erase(0, pos_);
    pos_ = 0;
  }
  return std::optional<daemon::VolumeChunk>(std::move(chunk));
}

}  // namespace stratus::api
