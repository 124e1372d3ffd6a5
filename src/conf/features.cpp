#include "conf/features.h"

#include <algorithm>

#include "conf/domain_xml_io.h"

namespace stratus::conf {

namespace {
// In libvirt's order of formatting.
const std::vector<std::string_view> kKnownFeatures = {
    "acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "pvspinlock", "capabilities", "pmu",
    "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv", "msrs", "ccf-assist", "xen",
    "cfpc", "sbbc", "ibs", "tcg", "async-teardown", "ras", "ps2", "aia"};
}

bool FeaturesDef::has(std::string_view name) const { return get(name) != nullptr; }

const XmlElement* FeaturesDef::get(std::string_view name) const {
  for (const auto& i : items)
    if (i.name == name) return &i;
  return nullptr;
}

FeaturesDef parseFeatures(Elem& e) {
  FeaturesDef f;
  f.present = true;
  for (auto& c : e.allChildren()) {
    std::string n = c.name();
    if (std::find(kKnownFeatures.begin(), kKnownFeatures.end(), n) == kKnownFeatures.end())
      e.ctx().warn(c.line(), c.path(), "unknown element <" + n + "> in " + e.path() + " kept verbatim");
    f.items.push_back(toXmlElement(c.node()));
  }
  e.finish(f.extra);
  return f;
}

void formatFeatures(XmlElement& domain, const FeaturesDef& f) {
  if (f.items.empty() && f.extra.empty()) return;
  auto& x = domain.add("features");
  for (const auto& i : f.items) x.append(i);
  appendExtra(x, f.extra);
  sortChildren(x, kKnownFeatures);
}

}  // namespace stratus::conf
