#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/passthrough_devices.h"

namespace stratus::conf {

HostdevDef parseHostdev(Elem& e) {
  HostdevDef h;
  if (e.hasAttr("mode")) h.mode = e.attrEnum("mode", {"subsystem", "capabilities"});
  if (h.mode == "subsystem")
    h.type = e.attrEnum("type", {"usb", "pci", "scsi", "scsi_host", "mdev"});
  else
    h.type = e.attrEnum("type", {"storage", "misc", "net"});
  if (h.type.empty()) e.failAttr("type", "hostdev needs a type");
  h.managed = e.attrEnum("managed", {"yes", "no"});
  h.model = e.attrOr("model");
  e.keepAttrs({"sgio", "rawio", "display", "ramfb"});
  if (auto s = e.child("source")) {
    Extra kept;
    s->keepAllAttrs();
    s->keepChildren({"address", "vendor", "product", "adapter", "host", "initiator", "auth", "block", "char",
                     "interface"});
    s->finish(kept);
    XmlElement src("source");
    src.attrs = kept.attrs;
    src.children = kept.elements;
    h.source = std::move(src);
  }
  parseDeviceInfo(e, h.info, true);
  e.keepChildren({"driver", "rom", "readonly", "shareable", "origstates", "ip", "route", "teaming", "acpi"});
  e.finish(h.extra);
  return h;
}

void formatHostdev(XmlElement& devices, const HostdevDef& h, const FormatOptions& opts) {
  auto& x = devices.add("hostdev");
  x.set("mode", h.mode);
  x.set("type", h.type);
  x.setIf("managed", h.managed);
  x.setIf("model", h.model);
  if (h.source) x.append(*h.source);
  appendExtra(x, h.extra);
  formatDeviceInfo(x, h.info, opts);
  sortChildren(x, {"driver", "source", "origstates", "ip", "route", "readonly", "shareable", "boot", "alias",
                   "address", "rom", "teaming", "acpi"});
}

}  // namespace stratus::conf
