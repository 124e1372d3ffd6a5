// Parsing `showmount -e HOST` (find-storage-pool-sources for netfs pools).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stratus::storage {

// The exported directories, in the order printed (header line skipped).
std::vector<std::string> parseShowmountExports(std::string_view text);

}  // namespace stratus::storage
