#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/misc_devices.h"

namespace stratus::conf {

RngDef parseRng(Elem& e) {
  RngDef r;
  r.model = e.attrEnum("model", {"virtio", "virtio-transitional", "virtio-non-transitional"});
  if (r.model.empty()) e.failAttr("model", "rng needs a model");
  if (auto b = e.child("backend")) {
    r.backendModel = b->attrEnum("model", {"random", "egd", "builtin"});
    if (r.backendModel == "random") r.backendPath = b->text();
    b->keepAttrs({"type"});
    b->keepChildren({"source", "protocol"});
    b->finish(r.backendExtra);
  } else {
    e.fail("rng needs a <backend>");
  }
  parseDeviceInfo(e, r.info, false);
  e.keepChildren({"rate", "driver"});
  e.finish(r.extra);
  return r;
}

void formatRng(XmlElement& devices, const RngDef& r, const FormatOptions& opts) {
  auto& x = devices.add("rng");
  x.set("model", r.model);
  {
    auto& b = x.add("backend");
    b.setIf("model", r.backendModel);
    appendExtra(b, r.backendExtra);
    if (b.children.empty()) b.text = r.backendPath;
  }
  appendExtra(x, r.extra);
  formatDeviceInfo(x, r.info, opts);
  sortChildren(x, {"rate", "backend", "driver", "alias", "address"});
}

}  // namespace stratus::conf
