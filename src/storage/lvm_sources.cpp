#include "storage/lvm_sources.h"

#include <algorithm>

namespace stratus::storage {

std::vector<conf::PoolSource> logicalSourcesFromPvs(const std::vector<PvReport>& pvs) {
  std::vector<conf::PoolSource> out;
  for (const auto& pv : pvs) {
    if (pv.vgName.empty()) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const conf::PoolSource& s) { return s.name == pv.vgName; });
    if (it == out.end()) {
      conf::PoolSource s;
      s.name = pv.vgName;
      s.format = "lvm2";
      out.push_back(std::move(s));
      it = out.end() - 1;
    }
    conf::PoolSourceDevice d;
    d.path = pv.name;
    it->devices.push_back(std::move(d));
  }
  return out;
}

}  // namespace stratus::storage
