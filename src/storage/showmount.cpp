#include "storage/showmount.h"

namespace stratus::storage {

std::vector<std::string> parseShowmountExports(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // "Export list for HOST:" heads the list; each export starts with '/'.
    if (line.empty() || line.front() != '/') continue;
    auto end = line.find_first_of(" \t");
    out.emplace_back(line.substr(0, end));
  }
  return out;
}

}  // namespace stratus::storage
