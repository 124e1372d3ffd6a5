#include "conf/controller.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

ControllerDef parseController(Elem& e) {
  ControllerDef c;
  c.type = e.attrEnum("type", {"ide", "fdc", "scsi", "sata", "usb", "ccid", "virtio-serial", "pci", "xenbus",
                               "isa", "nvme"});
  if (c.type.empty()) e.failAttr("type", "controller needs a type");
  if (auto i = e.attrUInt("index", 0xffffffffu)) c.index = static_cast<unsigned>(*i);
  c.model = e.attrOr("model");
  e.keepAttrs({"ports", "vectors", "maxGrantFrames", "maxEventChannels"});
  parseDeviceInfo(e, c.info, false);
  e.keepChildren({"driver", "target", "model", "master", "pcihole64", "serial"});
  e.finish(c.extra);
  return c;
}

void formatController(XmlElement& devices, const ControllerDef& c, const FormatOptions& opts) {
  auto& x = devices.add("controller");
  x.set("type", c.type);
  if (c.index) x.set("index", std::to_string(*c.index));
  x.setIf("model", c.model);
  appendExtra(x, c.extra);
  formatDeviceInfo(x, c.info, opts);
  sortChildren(x, {"model", "driver", "target", "pcihole64", "serial", "master", "alias", "address"});
}

}  // namespace stratus::conf
