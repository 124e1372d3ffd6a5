#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/misc_devices.h"

namespace stratus::conf {

WatchdogDef parseWatchdog(Elem& e) {
  WatchdogDef w;
  w.model = e.attrEnum("model", {"i6300esb", "ib700", "diag288", "itco"});
  if (w.model.empty()) e.failAttr("model", "watchdog needs a model");
  w.action = e.attrEnum("action", {"reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"});
  parseDeviceInfo(e, w.info, false);
  e.finish(w.extra);
  return w;
}

void formatWatchdog(XmlElement& devices, const WatchdogDef& w, const FormatOptions& opts) {
  auto& x = devices.add("watchdog");
  x.set("model", w.model);
  x.setIf("action", w.action);
  appendExtra(x, w.extra);
  formatDeviceInfo(x, w.info, opts);
}

}  // namespace stratus::conf
