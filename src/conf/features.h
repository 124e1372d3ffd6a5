// <features>: kept generic (acpi, apic, pae, hap, hyperv, kvm, smm, ...).
#pragma once

#include <string_view>
#include <vector>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;

struct FeaturesDef {
  bool present = false;           // <features> element written
  std::vector<XmlElement> items;  // one per feature, in input order
  Extra extra;                    // attributes of <features> (none are known)
  bool has(std::string_view name) const;
  const XmlElement* get(std::string_view name) const;
  friend bool operator==(const FeaturesDef&, const FeaturesDef&) = default;
};

FeaturesDef parseFeatures(Elem& e);
void formatFeatures(XmlElement& domain, const FeaturesDef& f);

}  // namespace stratus::conf
