#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"
#include "conf/passthrough_devices.h"

namespace stratus::conf {

FilesystemDef parseFilesystem(Elem& e) {
  FilesystemDef f;
  if (e.hasAttr("type"))
    f.type = e.attrEnum("type", {"mount", "block", "file", "template", "ram", "bind", "volume"});
  f.accessmode = e.attrEnum("accessmode", {"passthrough", "mapped", "squash"});
  f.model = e.attrOr("model");
  f.multidevs = e.attrOr("multidevs");
  f.fmode = e.attrOr("fmode");
  f.dmode = e.attrOr("dmode");
  if (auto d = e.child("driver")) {
    f.hasDriver = true;
    f.driverType = d->attrOr("type");
    f.driverFormat = d->attrOr("format");
    f.driverWrpolicy = d->attrOr("wrpolicy");
    d->keepAttrs({"queue", "iommu", "ats", "packed", "page_per_vq"});
    d->finish(f.driverExtra);
  }
  if (auto s = e.child("source")) {
    f.sourceDir = s->attrOr("dir");
    f.sourceFile = s->attrOr("file");
    f.sourceDev = s->attrOr("dev");
    f.sourceName = s->attrOr("name");
    f.sourceUsage = s->attrOr("usage");
    f.sourceSocket = s->attrOr("socket");
    s->keepAttrs({"units", "pool", "volume"});
    s->finish(f.sourceExtra);
  }
  if (auto t = e.child("target")) {
    f.targetDir = t->attrOr("dir");
    t->finish(f.leaf["target"]);
  }
  f.readonly = e.flag("readonly", &f.leaf);
  parseDeviceInfo(e, f.info, false);
  e.keepChildren({"binary", "idmap", "space_hard_limit", "space_soft_limit"});
  e.finish(f.extra);
  return f;
}

void formatFilesystem(XmlElement& devices, const FilesystemDef& f, const FormatOptions& opts) {
  auto& x = devices.add("filesystem");
  x.set("type", f.type);
  x.setIf("accessmode", f.accessmode);
  x.setIf("model", f.model);
  x.setIf("multidevs", f.multidevs);
  x.setIf("fmode", f.fmode);
  x.setIf("dmode", f.dmode);
  if (f.hasDriver) {
    auto& d = x.add("driver");
    d.setIf("type", f.driverType);
    d.setIf("format", f.driverFormat);
    d.setIf("wrpolicy", f.driverWrpolicy);
    appendExtra(d, f.driverExtra);
  }
  bool hasSource = !f.sourceDir.empty() || !f.sourceFile.empty() || !f.sourceDev.empty() || !f.sourceName.empty() ||
                   !f.sourceUsage.empty() || !f.sourceSocket.empty() || !f.sourceExtra.empty();
  if (hasSource) {
    auto& s = x.add("source");
    s.setIf("dir", f.sourceDir);
    s.setIf("file", f.sourceFile);
    s.setIf("dev", f.sourceDev);
    s.setIf("name", f.sourceName);
    s.setIf("usage", f.sourceUsage);
    s.setIf("socket", f.sourceSocket);
    appendExtra(s, f.sourceExtra);
  }
  if (!f.targetDir.empty()) x.add("target").set("dir", f.targetDir);
  if (f.readonly) x.add("readonly");
  appendExtra(x, f.extra);
  formatDeviceInfo(x, f.info, opts);
  applyLeafExtras(x, f.leaf);
  sortChildren(x, {"driver", "binary", "idmap", "source", "target", "readonly", "space_hard_limit",
                   "space_soft_limit", "alias", "address"});
}

}  // namespace stratus::conf
