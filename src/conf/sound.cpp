#include "conf/sound.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

SoundDef parseSound(Elem& e) {
  SoundDef s;
  s.model = e.attrEnum("model", {"sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7", "virtio"});
  if (s.model.empty()) e.failAttr("model", "sound needs a model");
  e.keepAttrs({"multichannel", "streams"});
  parseDeviceInfo(e, s.info, false);
  e.keepChildren({"codec", "audio", "driver"});
  e.finish(s.extra);
  return s;
}

void formatSound(XmlElement& devices, const SoundDef& s, const FormatOptions& opts) {
  auto& x = devices.add("sound");
  x.set("model", s.model);
  appendExtra(x, s.extra);
  formatDeviceInfo(x, s.info, opts);
  sortChildren(x, {"codec", "audio", "driver", "alias", "address"});
}

AudioDef parseAudio(Elem& e) {
  AudioDef a;
  if (auto id = e.attrUInt("id", 0xffffffffu)) a.id = static_cast<unsigned>(*id);
  a.type = e.attrOr("type");
  if (a.type.empty()) e.failAttr("type", "audio needs a type");
  e.keepAllAttrs();
  e.keepChildren({"input", "output"});
  e.finish(a.extra);
  return a;
}

void formatAudio(XmlElement& devices, const AudioDef& a, const FormatOptions&) {
  auto& x = devices.add("audio");
  if (a.id) x.set("id", std::to_string(*a.id));
  x.set("type", a.type);
  appendExtra(x, a.extra);
}

}  // namespace stratus::conf
