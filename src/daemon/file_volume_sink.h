// A local file as a VolumeSink (downloadVolume's output), the counterpart
// of FileVolumeSource for callers that are not the CLI (the cloud service
// saving an instance's disk as an image). Holes become seeks, so a sparse
// download stays sparse; finish() sets the length a trailing hole implies
// and flushes the file to disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "daemon/storage_types.h"
#include "util/fd.h"

namespace stratus::daemon {

class FileVolumeSink final : public VolumeSink {
 public:
  // Creates `path` (it must not exist: a sink never overwrites).
  static Result<std::unique_ptr<FileVolumeSink>> create(const std::string& path);
  Status write(std::string_view data) override;
  Status hole(std::uint64_t bytes) override;
  Status finish();
  std::uint64_t written() const { return offset_; }

 private:
  FileVolumeSink(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
  std::uint64_t offset_ = 0;
};

}  // namespace stratus::daemon
