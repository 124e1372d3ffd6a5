// vol-list (virsh's tables, --details, --json) and vol-info.
#include <strings.h>

#include <algorithm>

#include "cli/handlers.h"
#include "cli/storage_cli.h"
#include "cli/table.h"

namespace stratus::cli {

bool cmdVolList(Ctl& ctl, const ParsedCmd& pc) {
  auto pool = lookupPool(ctl, pc.get("pool"));
  if (!pool) return false;
  auto vols = ctl.conn()->listVolumes(pool->name);
  if (!vols) return fail(ctl, "Failed to list storage volumes", vols.error());
  std::stable_sort(vols->begin(), vols->end(),
                   [](const auto& a, const auto& b) { return strcasecmp(a.name.c_str(), b.name.c_str()) < 0; });
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& v : *vols) arr.push_back(volumeJson(v));
    return printJson(ctl, arr);
  }
  if (!pc.has("details")) {
    Table t({"Name", "Path"});
    t.reserve(vols->size());
    for (const auto& v : *vols) t.addRow({v.name, v.path});
    t.render(ctl.outBuffer(), !ctl.quiet);
    return true;
  }
  Table t({"Name", "Path", "Type", "Capacity", "Allocation"});
  t.reserve(vols->size());
  for (const auto& v : *vols)
    t.addRow({v.name, v.path, v.type, prettyCapacity(v.capacity), prettyCapacity(v.allocation)});
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdVolInfo(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  if (pc.has("json")) return printJson(ctl, volumeJson(*v));
  auto line = [&](std::string_view label, std::string_view value) { ctl.printf("{:<15} {}\n", label, value); };
  bool bytes = pc.has("bytes");
  auto size = [&](std::uint64_t n) { return bytes ? fmt::format("{} bytes", n) : prettyCapacity(n); };
  line("Name:", v->name);
  line("Type:", v->type);
  line("Capacity:", size(v->capacity));
  if (pc.has("physical"))
    line("Physical:", size(v->physical));
  else
    line("Allocation:", size(v->allocation));
  return true;
}

}  // namespace stratus::cli
