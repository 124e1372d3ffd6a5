#include "conf/video.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

VideoDef parseVideo(Elem& e) {
  VideoDef v;
  if (auto m = e.child("model")) {
    v.model = m->attrEnum("type", {"vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels", "virtio", "gop",
                                   "none", "bochs", "ramfb"});
    v.ram = m->attrUInt("ram", 0xffffffffu);
    v.vram = m->attrUInt("vram", 0xffffffffu);
    v.vram64 = m->attrUInt("vram64");
    v.vgamem = m->attrUInt("vgamem", 0xffffffffu);
    if (auto h = m->attrUInt("heads", 0xffffffffu)) v.heads = static_cast<unsigned>(*h);
    v.primary = m->attrBool("primary");
    m->keepAttrs({"blob"});
    m->keepChildren({"acceleration", "resolution"});
    m->finish(v.modelExtra);
  }
  parseDeviceInfo(e, v.info, false);
  e.keepChildren({"driver"});
  e.finish(v.extra);
  return v;
}

void formatVideo(XmlElement& devices, const VideoDef& v, const FormatOptions& opts) {
  auto& x = devices.add("video");
  appendExtra(x, v.extra);
  if (!v.model.empty() || !v.modelExtra.empty()) {
    auto& m = x.add("model");
    m.setIf("type", v.model);
    if (v.ram) m.set("ram", std::to_string(*v.ram));
    if (v.vram) m.set("vram", std::to_string(*v.vram));
    if (v.vram64) m.set("vram64", std::to_string(*v.vram64));
    if (v.vgamem) m.set("vgamem", std::to_string(*v.vgamem));
    if (v.heads) m.set("heads", std::to_string(*v.heads));
    if (v.primary) m.set("primary", *v.primary ? "yes" : "no");
    appendExtra(m, v.modelExtra);
  }
  formatDeviceInfo(x, v.info, opts);
  sortChildren(x, {"driver", "model", "alias", "address"});
}

}  // namespace stratus::conf
