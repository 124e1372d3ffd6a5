#include "conf/input.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

InputDef parseInput(Elem& e) {
  InputDef i;
  i.type = e.attrEnum("type", {"mouse", "tablet", "keyboard", "passthrough", "evdev"});
  if (i.type.empty()) e.failAttr("type", "input needs a type");
  i.bus = e.attrEnum("bus", {"ps2", "usb", "xen", "virtio", "none"});
  i.model = e.attrOr("model");
  parseDeviceInfo(e, i.info, false);
  e.keepChildren({"source", "driver"});
  e.finish(i.extra);
  return i;
}

void formatInput(XmlElement& devices, const InputDef& i, const FormatOptions& opts) {
  auto& x = devices.add("input");
  x.set("type", i.type);
  x.setIf("bus", i.bus);
  x.setIf("model", i.model);
  appendExtra(x, i.extra);
  formatDeviceInfo(x, i.info, opts);
  sortChildren(x, {"source", "driver", "alias", "address"});
}

}  // namespace stratus::conf
