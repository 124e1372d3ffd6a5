#include "storage/blkid.h"

#include "storage/command.h"

namespace stratus::storage {

std::map<std::string, std::string> parseBlkidExport(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return out;
}

Result<std::string> probeContentType(const std::string& device) {
  auto r = runCommand({"blkid", "-p", "-o", "export", device});
  if (!r) {
    // blkid exits 2 when it finds nothing to report: the device is empty.
    if (r.error().message.find("(exit code 2)") != std::string::npos) return std::string();
    return std::move(r).error();
  }
  auto kv = parseBlkidExport(r->out);
  if (auto it = kv.find("TYPE"); it != kv.end()) return it->second;
  if (auto it = kv.find("PTTYPE"); it != kv.end()) return it->second;  // a partition table
  return std::string();
}

Status requireEmptyDevice(const std::string& device) {
  auto type = probeContentType(device);
  if (!type) return std::move(type).error();
  if (!type->empty())
    return Error(ErrorCode::OperationInvalid, "Device '" + device + "' already formatted using '" + *type +
                                                  "' (pool-build --overwrite formats it anyway)");
  return okStatus();
}

}  // namespace stratus::storage
