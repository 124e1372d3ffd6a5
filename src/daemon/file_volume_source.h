// A local file as a VolumeSource (uploadVolume's input), read in 1 MiB
// pieces; for callers that are not the CLI (the cloud service propagating
// images to nodes). `onProgress` sees the bytes sent so far.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daemon/storage_types.h"
#include "util/fd.h"

namespace stratus::daemon {

class FileVolumeSource final : public VolumeSource {
 public:
  static Result<std::unique_ptr<FileVolumeSource>> open(const std::string& path);
  Result<VolumeChunk> next() override;
  std::uint64_t size() const { return size_; }
  std::function<void(std::uint64_t sent)> onProgress;

 private:
  FileVolumeSource(UniqueFd fd, std::string path, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}
  UniqueFd fd_;
  std::string path_;
  std::uint64_t size_ = 0, sent_ = 0;
};

}  // namespace stratus::daemon
