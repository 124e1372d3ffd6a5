#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/passthrough_devices.h"

namespace stratus::conf {

TpmDef parseTpm(Elem& e) {
  TpmDef t;
  t.model = e.attrEnum("model", {"tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"});
  if (auto b = e.child("backend")) {
    t.backendType = b->attrEnum("type", {"passthrough", "emulator", "external"});
    t.backendVersion = b->attrEnum("version", {"1.2", "2.0"});
    if (auto d = b->child("device")) {
      t.backendDevicePath = d->attrOr("path");
      d->finish(t.leaf["backend/device"]);
    }
    b->keepAttrs({"persistent_state", "debug"});
    b->keepChildren({"encryption", "source", "active_pcr_banks", "profile"});
    b->finish(t.backendExtra);
  } else {
    e.fail("tpm needs a <backend>");
  }
  parseDeviceInfo(e, t.info, false);
  e.finish(t.extra);
  return t;
}

void formatTpm(XmlElement& devices, const TpmDef& t, const FormatOptions& opts) {
  auto& x = devices.add("tpm");
  x.setIf("model", t.model);
  {
    auto& b = x.add("backend");
    b.setIf("type", t.backendType);
    b.setIf("version", t.backendVersion);
    if (!t.backendDevicePath.empty()) b.add("device").set("path", t.backendDevicePath);
    appendExtra(b, t.backendExtra);
  }
  appendExtra(x, t.extra);
  formatDeviceInfo(x, t.info, opts);
  applyLeafExtras(x, t.leaf);
}

}  // namespace stratus::conf
