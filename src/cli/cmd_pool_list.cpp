// pool-list (filters, virsh's tables, --name/--uuid lines, --json) and
// pool-info.
#include <strings.h>

#include <algorithm>
#include <array>

#include "cli/handlers.h"
#include "cli/storage_cli.h"
#include "cli/table.h"

namespace stratus::cli {

namespace {

constexpr std::array<std::string_view, 14> kPoolTypes = {"dir",   "fs",           "netfs", "logical", "disk",
                                                         "iscsi", "iscsi-direct", "scsi",  "mpath",   "rbd",
                                                         "sheepdog", "gluster",   "zfs",   "vstorage"};

struct PoolFilter {
  bool active = true, inactive = false;
  bool persistent = false, transient = false;
  bool autostart = false, noAutostart = false;
  std::vector<std::string> types;  // empty: any

  bool match(const daemon::PoolSummary& p) const {
    if (p.active ? !active : !inactive) return false;
    if ((persistent || transient) && !(persistent && p.persistent) && !(transient && !p.persistent)) return false;
    if ((autostart || noAutostart) && !(autostart && p.autostart) && !(noAutostart && !p.autostart)) return false;
    if (!types.empty() && std::find(types.begin(), types.end(), p.type) == types.end()) return false;
    return true;
  }
};

std::vector<std::string> splitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The word pool-list --details and pool-info print for a state.
std::string stateText(const daemon::PoolSummary& p) {
  if (!p.state.empty()) return p.state;
  return p.active ? "running" : "inactive";
}

}  // namespace

bool cmdPoolList(Ctl& ctl, const ParsedCmd& pc) {
  bool details = pc.has("details"), name = pc.has("name"), uuid = pc.has("uuid");
  if (details && (name || uuid)) {
    ctl.error(fmt::format("Options --details and --{} are mutually exclusive", name ? "name" : "uuid"));
    return false;
  }
  PoolFilter f;
  if (pc.has("inactive")) {
    f.active = false;
    f.inactive = true;
  }
  if (pc.has("all")) f.active = f.inactive = true;
  f.persistent = pc.has("persistent");
  f.transient = pc.has("transient");
  f.autostart = pc.has("autostart");
  f.noAutostart = pc.has("no-autostart");
  if (auto types = pc.find("type")) {
    for (auto& t : splitCommas(*types)) {
      if (std::find(kPoolTypes.begin(), kPoolTypes.end(), t) == kPoolTypes.end()) {
        ctl.error(fmt::format("Invalid pool type '{}'", t));
        return false;
      }
      f.types.push_back(t);
    }
  }

  auto all = ctl.conn()->listPools();
  if (!all) return fail(ctl, "Failed to list pools", all.error());
  std::vector<const daemon::PoolSummary*> pools;
  for (const auto& p : *all)
    if (f.match(p)) pools.push_back(&p);
  std::stable_sort(pools.begin(), pools.end(),
                   [](const auto* a, const auto* b) { return strcasecmp(a->name.c_str(), b->name.c_str()) < 0; });

  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto* p : pools) arr.push_back(poolJson(*p));
    return printJson(ctl, arr);
  }
  if (name || uuid) {
    for (const auto* p : pools) {
      if (name && uuid)
        ctl.printf("{:<36} {:<20}\n", p->uuid, p->name);
      else if (uuid)
        ctl.printf("{:<36}\n", p->uuid);
      else
        ctl.printf("{:<20}\n", p->name);
    }
    return true;
  }
  if (!details) {
    Table t({"Name", "State", "Autostart"});
    t.reserve(pools.size());
    for (const auto* p : pools) t.addRow({p->name, p->active ? "active" : "inactive", p->autostart ? "yes" : "no"});
    t.render(ctl.outBuffer(), !ctl.quiet);
    return true;
  }
  Table t({"Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"});
  t.reserve(pools.size());
  for (const auto* p : pools) {
    std::string cap = "-", alloc = "-", avail = "-";
    if (p->active) {
      cap = prettyCapacity(p->capacity);
      alloc = prettyCapacity(p->allocation);
      avail = prettyCapacity(p->available);
    }
    t.addRow({p->name, stateText(*p), p->autostart ? "yes" : "no", p->persistent ? "yes" : "no", cap, alloc, avail});
  }
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdPoolInfo(Ctl& ctl, const ParsedCmd& pc) {
  auto p = lookupPool(ctl, pc.get("pool"));
  if (!p) return false;
  if (pc.has("json")) return printJson(ctl, poolJson(*p));
  auto line = [&](std::string_view label, std::string_view value) { ctl.printf("{:<15} {}\n", label, value); };
  line("Name:", p->name);
  line("UUID:", p->uuid);
  line("State:", stateText(*p));
  line("Persistent:", p->persistent ? "yes" : "no");
  line("Autostart:", p->autostart ? "yes" : "no");
  if (p->active) {
    bool bytes = pc.has("bytes");
    auto size = [&](std::uint64_t v) { return bytes ? std::to_string(v) : prettyCapacity(v); };
    line("Capacity:", size(p->capacity));
    line("Allocation:", size(p->allocation));
    line("Available:", size(p->available));
  }
  return true;
}

}  // namespace stratus::cli
