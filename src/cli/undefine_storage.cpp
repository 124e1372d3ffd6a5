#include "cli/undefine_storage.h"

#include <pugixml.hpp>

#include "cli/handlers.h"

namespace stratus::cli {

std::optional<std::vector<DomainVolume>> domainVolumes(Ctl& ctl, const daemon::DomainSummary& d, bool all,
                                                       const std::vector<std::string>& wanted) {
  auto* conn = ctl.conn();
  auto xml = conn->domainXml(d.uuid, {});
  if (!xml) {
    fail(ctl, xml.error());
    return std::nullopt;
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) {
    ctl.error("Couldn't parse domain XML");
    return std::nullopt;
  }
  std::vector<bool> found(wanted.size(), false);
  std::vector<DomainVolume> out;
  for (auto disk : doc.child("domain").child("devices").children("disk")) {
    auto src = disk.child("source");
    DomainVolume v;
    v.target = disk.child("target").attribute("dev").as_string();
    for (const char* a : {"file", "dir", "name", "dev", "volume"})
      if (auto at = src.attribute(a)) {
        v.source = at.as_string();
        break;
      }
    if (v.source.empty()) continue;
    v.pool = src.attribute("pool").as_string();
    bool take = all;
    for (std::size_t i = 0; i < wanted.size(); ++i)
      if (wanted[i] == v.target || wanted[i] == v.source) found[i] = take = true;
    if (!take) continue;
    if (!v.pool.empty()) {
      if (!conn->lookupPool(v.pool)) {
        ctl.error(fmt::format("Storage pool '{}' for volume '{}' not found.", v.pool, v.target));
        continue;
      }
      v.volume = v.source;
    } else {
      v.volume = v.source;
    }
    if (!conn->lookupVolume(v.pool, v.volume)) {
      ctl.error(fmt::format("Storage volume '{}'({}) is not managed by libvirt. Remove it manually.\n", v.target,
                            v.source));
      continue;
    }
    out.push_back(std::move(v));
  }
  for (std::size_t i = 0; i < wanted.size(); ++i)
    if (!found[i]) {
      ctl.error(fmt::format("Volume '{}' was not found in domain's definition.\n", wanted[i]));
      return std::nullopt;
    }
  return out;
}

bool removeDomainVolumes(Ctl& ctl, const std::vector<DomainVolume>& vols, bool wipe) {
  auto* conn = ctl.conn();
  bool ok = true;
  for (const auto& v : vols) {
    if (wipe) {
      ctl.printExtra(fmt::format("Wiping volume '{}'({}) ... ", v.target, v.source));
      if (auto w = conn->wipeVolume(v.pool, v.volume, {}); !w) {
        ctl.printExtra("\n");
        fail(ctl, w.error());
        ctl.error("Failed! Volume not removed.");
        ok = false;
        continue;
      }
      ctl.printExtra("done.\n");
    }
    if (auto r = conn->deleteVolume(v.pool, v.volume); !r) {
      fail(ctl, fmt::format("Failed to remove storage volume '{}'({})", v.target, v.source), r.error());
      ok = false;
      continue;
    }
    ctl.printExtra(fmt::format("Volume '{}'({}) removed.\n", v.target, v.source));
  }
  return ok;
}

}  // namespace stratus::cli
