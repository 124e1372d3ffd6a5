// Copying a volume's content with `qemu-img convert -p`, progress into the
// JobMonitor and cancel by killing qemu-img (shared by file and LVM pools).
#pragma once

#include <string>

#include "storage/pool_backend.h"

namespace stratus::storage {

// The source's virtual size (qemu-img info -U), for progress and resize.
Result<std::uint64_t> sourceVirtualSize(const VolumeTarget& from);

// Converts `from` into `path` as vol.format. targetExists: write into an
// existing device (qemu-img convert -n) instead of creating a file. The
// caller removes a half-made target on failure. Returns the source's
// virtual size.
Result<std::uint64_t> convertVolume(const VolumeTarget& from, const std::string& path, const conf::VolumeDef& vol,
                     const daemon::VolumeCreateOptions& opts, bool targetExists, drivers::JobMonitor* job);

}  // namespace stratus::storage
