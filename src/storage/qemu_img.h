// qemu-img as the volume tool of file-based pools: parsing what it prints
// (info --output=json, convert -p progress) and building its argv.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/storage_def.h"
#include "daemon/storage_types.h"
#include "util/error.h"

namespace stratus::storage {

// What `qemu-img info --output=json` says about one image.
struct ImageInfo {
  std::string format;  // "raw", "qcow2", "vmdk", ...
  std::uint64_t virtualSize = 0;
  std::uint64_t actualSize = 0;  // allocated bytes ("actual-size"; absent for network images)
  std::string backingFile;       // as recorded in the image (may be relative)
  std::string fullBackingFile;   // resolved by qemu-img
  std::string backingFormat;
  std::string compat;            // qcow2 "format-specific" data
  bool lazyRefcounts = false;
  std::uint64_t clusterSize = 0;
};

// `what` names the image in errors.
Result<ImageInfo> parseImageInfoJson(std::string_view json, std::string_view what);

// The last "(NN.NN/100%)" in a piece of `qemu-img convert -p` output, as a
// fraction 0..1; nullopt when the piece holds none.
std::optional<double> parseConvertProgress(std::string_view piece);

// Progress across the pieces of a running `qemu-img convert -p`: a figure
// split between two reads ("(12." + "50/100%)") is joined before parsing.
class ConvertProgressReader {
 public:
  // The latest complete figure once `piece` is added, if it brought one.
  std::optional<double> feed(std::string_view piece);

 private:
  std::string carry_;
};

// The formats Stratus creates with qemu-img (vol-create-as --format).
bool isCreatableFormat(std::string_view format);

// `qemu-img create` for `vol` at `path` (format "" = raw): -o
// preallocation=metadata (opts.preallocMetadata, qcow2 only), compat,
// lazy_refcounts, cluster_size, backing file -b/-F, then the size (omitted
// when 0 with a backing file: the backing file's size is taken).
Result<std::vector<std::string>> qemuImgCreateArgs(const std::string& path, const conf::VolumeDef& vol,
                                                   const daemon::VolumeCreateOptions& opts);

// `qemu-img convert -p` from `fromPath` (format `fromFormat`) into `path`
// as `vol`'s format.
std::vector<std::string> qemuImgConvertArgs(const std::string& fromPath, const std::string& fromFormat,
                                            const std::string& path, const conf::VolumeDef& vol,
                                            const daemon::VolumeCreateOptions& opts, bool targetExists);

}  // namespace stratus::storage
