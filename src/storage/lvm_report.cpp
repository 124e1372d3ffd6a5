#include "storage/lvm_report.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace stratus::storage {

namespace {

// The rows of report[0][kind]; LVM prints one report object per command.
Result<std::vector<nlohmann::json>> reportRows(std::string_view json, const char* kind, const char* cmd) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::OperationFailed, std::string(cmd) + " --reportformat json: " + why);
  };
  if (j.is_discarded() || !j.is_object()) return bad("output is not a JSON object");
  auto rep = j.find("report");
  if (rep == j.end() || !rep->is_array()) return bad("no \"report\" array");
  std::vector<nlohmann::json> rows;
  for (const auto& r : *rep) {
    auto it = r.find(kind);
    if (it == r.end() || !it->is_array()) continue;
    for (const auto& row : *it)
      if (row.is_object()) rows.push_back(row);
  }
  return rows;
}

std::string field(const nlohmann::json& row, const char* key) {
  auto it = row.find(key);
  return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::uint64_t> sizeField(const nlohmann::json& row, const char* key, const char* cmd) {
  std::string s = field(row, key);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    return Error(ErrorCode::OperationFailed,
                 std::string(cmd) + ": field " + key + " is not a byte count: '" + s + "' (--units b --nosuffix?)");
  return v;
}

}  // namespace

Result<std::vector<VgReport>> parseVgsJson(std::string_view json) {
  auto rows = reportRows(json, "vg", "vgs");
  if (!rows) return std::move(rows).error();
  std::vector<VgReport> out;
  for (const auto& r : *rows) {
    VgReport v;
    v.name = field(r, "vg_name");
    v.uuid = field(r, "vg_uuid");
    auto size = sizeField(r, "vg_size", "vgs");
    if (!size) return std::move(size).error();
    auto free = sizeField(r, "vg_free", "vgs");
    if (!free) return std::move(free).error();
    v.size = *size;
    v.free = *free;
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<LvReport>> parseLvsJson(std::string_view json) {
  auto rows = reportRows(json, "lv", "lvs");
  if (!rows) return std::move(rows).error();
  std::vector<LvReport> out;
  for (const auto& r : *rows) {
    LvReport l;
    l.name = field(r, "lv_name");
    l.uuid = field(r, "lv_uuid");
    l.path = field(r, "lv_path");
    l.attr = field(r, "lv_attr");
    auto size = sizeField(r, "lv_size", "lvs");
    if (!size) return std::move(size).error();
    l.size = *size;
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<PvReport>> parsePvsJson(std::string_view json) {
  auto rows = reportRows(json, "pv", "pvs");
  if (!rows) return std::move(rows).error();
  std::vector<PvReport> out;
  for (const auto& r : *rows) out.push_back({field(r, "pv_name"), field(r, "vg_name"), field(r, "pv_fmt")});
  return out;
}

}  // namespace stratus::storage
