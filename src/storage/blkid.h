// What a block device or image file already holds, from `blkid -p -o
// export DEV` (low-level probe, no cache): KEY=VALUE lines, exit 2 when
// nothing was found. Used by pool-build's --overwrite / --no-overwrite.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::storage {

// KEY=VALUE lines into a map ("TYPE" -> "ext4", "USAGE" -> "filesystem").
std::map<std::string, std::string> parseBlkidExport(std::string_view text);

// The TYPE blkid finds on `device` ("ext4", "xfs", "LVM2_member", ...), ""
// when it finds nothing; an error when blkid itself fails.
Result<std::string> probeContentType(const std::string& device);

// libvirt's build rule: without --overwrite, refuse a device that already
// holds something. `device` is named in the error.
Status requireEmptyDevice(const std::string& device);

}  // namespace stratus::storage
