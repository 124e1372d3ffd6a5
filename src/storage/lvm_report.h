// Parsing LVM's reports: `vgs|lvs|pvs --reportformat json --units b
// --nosuffix -o ...` (sizes are byte counts printed as strings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::storage {

struct VgReport {
  std::string name, uuid;
  std::uint64_t size = 0, free = 0;
};
struct LvReport {
  std::string name, uuid, path, attr;
  std::uint64_t size = 0;
  // lv_attr's fifth letter is the state: 'a' = active (mapped by device-mapper).
  bool active() const { return attr.size() > 4 && attr[4] == 'a'; }
};
struct PvReport {
  std::string name, vgName, format;
};

// The fields each parser reads; callers pass them to -o.
inline constexpr const char* kVgFields = "vg_name,vg_uuid,vg_size,vg_free";
inline constexpr const char* kLvFields = "lv_name,lv_uuid,lv_path,lv_size,lv_attr";
inline constexpr const char* kPvFields = "pv_name,vg_name,pv_fmt";

Result<std::vector<VgReport>> parseVgsJson(std::string_view json);
Result<std::vector<LvReport>> parseLvsJson(std::string_view json);
Result<std::vector<PvReport>> parsePvsJson(std::string_view json);

}  // namespace stratus::storage
