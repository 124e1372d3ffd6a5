// vol-wipe's algorithms. "zero" is implemented; libvirt's other names are
// recognised and refused as unsupported (libvirt runs the scrub program for
// them).
#pragma once

#include <string>

#include "storage/pool_backend.h"

namespace stratus::storage {

// InvalidArgument for a name libvirt does not know, Unsupported for the
// ones it knows but Stratus does not implement, ok for "zero" (and "").
Status checkWipeAlgorithm(const std::string& algorithm);

// Makes every byte of `path` (a regular file or a block device) read as zero,
// its size unchanged: files by punching holes (written zeros where the file
// system cannot punch), block devices with BLKZEROOUT (written zeros where
// the device refuses). Progress and cancel through `job`.
Status zeroVolumeBytes(const std::string& path, drivers::JobMonitor* job);

}  // namespace stratus::storage
