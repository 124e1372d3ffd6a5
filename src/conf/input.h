// <input type='mouse|tablet|keyboard|passthrough|evdev' bus='ps2|usb|virtio|xen'>.
#pragma once

#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct InputDef {
  std::string type, bus, model;
  DeviceInfo info;
  Extra extra;  // <source evdev=...>, <driver>
  friend bool operator==(const InputDef&, const InputDef&) = default;
};

InputDef parseInput(Elem& e);
void formatInput(XmlElement& devices, const InputDef& i, const FormatOptions& opts);

}  // namespace stratus::conf
