// <video><model type='vga|cirrus|qxl|virtio|...' vram heads primary/></video>.
#pragma once

#include <optional>
#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct VideoDef {
  std::string model;
  std::optional<std::uint64_t> ram, vram, vram64, vgamem;
  std::optional<unsigned> heads;
  std::optional<bool> primary;
  Extra modelExtra;  // <acceleration>, <resolution>
  DeviceInfo info;
  Extra extra;  // <driver>
  friend bool operator==(const VideoDef&, const VideoDef&) = default;
};

VideoDef parseVideo(Elem& e);
void formatVideo(XmlElement& devices, const VideoDef& v, const FormatOptions& opts);

}  // namespace stratus::conf
