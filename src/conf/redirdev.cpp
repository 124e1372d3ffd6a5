#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/passthrough_devices.h"

namespace stratus::conf {

RedirdevDef parseRedirdev(Elem& e) {
  RedirdevDef r;
  if (e.hasAttr("bus")) r.bus = e.attrEnum("bus", {"usb"});
  r.type = e.attrEnum("type", {"null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
                               "spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus"});
  if (r.type.empty()) e.failAttr("type", "redirdev needs a type");
  if (auto s = e.child("source")) {
    XmlElement src("source");
    Extra kept;
    s->keepAllAttrs();
    s->keepChildren({"reconnect"});
    s->finish(kept);
    src.attrs = kept.attrs;
    src.children = kept.elements;
    r.source = std::move(src);
  }
  parseDeviceInfo(e, r.info, true);
  e.keepChildren({"protocol"});
  e.finish(r.extra);
  return r;
}

void formatRedirdev(XmlElement& devices, const RedirdevDef& r, const FormatOptions& opts) {
  auto& x = devices.add("redirdev");
  x.set("bus", r.bus);
  x.set("type", r.type);
  if (r.source) x.append(*r.source);
  appendExtra(x, r.extra);
  formatDeviceInfo(x, r.info, opts);
  sortChildren(x, {"source", "protocol", "boot", "alias", "address"});
}

}  // namespace stratus::conf
