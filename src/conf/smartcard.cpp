#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/passthrough_devices.h"

namespace stratus::conf {

SmartcardDef parseSmartcard(Elem& e) {
  SmartcardDef s;
  s.mode = e.attrEnum("mode", {"host", "host-certificates", "passthrough"});
  if (s.mode.empty()) e.failAttr("mode", "smartcard needs a mode");
  s.type = e.attrOr("type");
  parseDeviceInfo(e, s.info, false);
  e.keepChildren({"certificate", "database", "source", "protocol"});
  e.finish(s.extra);
  return s;
}

void formatSmartcard(XmlElement& devices, const SmartcardDef& s, const FormatOptions& opts) {
  auto& x = devices.add("smartcard");
  x.set("mode", s.mode);
  x.setIf("type", s.type);
  appendExtra(x, s.extra);
  formatDeviceInfo(x, s.info, opts);
  sortChildren(x, {"certificate", "database", "source", "protocol", "alias", "address"});
}

}  // namespace stratus::conf
