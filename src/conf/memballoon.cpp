#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/misc_devices.h"

namespace stratus::conf {

MemballoonDef parseMemballoon(Elem& e) {
  MemballoonDef m;
  m.model = e.attrEnum("model", {"virtio", "virtio-transitional", "virtio-non-transitional", "xen", "none"});
  if (m.model.empty()) e.failAttr("model", "memballoon needs a model");
  m.autodeflate = e.attrEnum("autodeflate", {"on", "off"});
  m.freePageReporting = e.attrEnum("freePageReporting", {"on", "off"});
  if (auto s = e.child("stats")) {
    if (auto p = s->attrUInt("period", 0x7fffffffu)) m.statsPeriod = static_cast<unsigned>(*p);
    s->finish(m.leaf["stats"]);
  }
  parseDeviceInfo(e, m.info, false);
  e.keepChildren({"driver"});
  e.finish(m.extra);
  return m;
}

void formatMemballoon(XmlElement& devices, const MemballoonDef& m, const FormatOptions& opts) {
  auto& x = devices.add("memballoon");
  x.set("model", m.model);
  x.setIf("autodeflate", m.autodeflate);
  x.setIf("freePageReporting", m.freePageReporting);
  if (m.statsPeriod) x.add("stats").set("period", std::to_string(*m.statsPeriod));
  appendExtra(x, m.extra);
  formatDeviceInfo(x, m.info, opts);
  applyLeafExtras(x, m.leaf);
  sortChildren(x, {"stats", "alias", "address", "driver"});
}

}  // namespace stratus::conf
