#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/misc_devices.h"

namespace stratus::conf {

PanicDef parsePanic(Elem& e) {
  PanicDef p;
  p.model = e.attrEnum("model", {"isa", "pseries", "hyperv", "s390", "pvpanic"});
  parseDeviceInfo(e, p.info, false);
  e.finish(p.extra);
  return p;
}

void formatPanic(XmlElement& devices, const PanicDef& p, const FormatOptions& opts) {
  auto& x = devices.add("panic");
  x.setIf("model", p.model);
  appendExtra(x, p.extra);
  formatDeviceInfo(x, p.info, opts);
}

}  // namespace stratus::conf
