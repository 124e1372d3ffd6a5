// <sound model=...> and <audio id=N type=...> (the host side audio backend).
#pragma once

#include <optional>
#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct SoundDef {
  std::string model;
  DeviceInfo info;
  Extra extra;  // <codec>, <audio id>
  friend bool operator==(const SoundDef&, const SoundDef&) = default;
};

struct AudioDef {
  std::optional<unsigned> id;
  std::string type;  // none, alsa, pulseaudio, spice, file, ...
  Extra extra;       // <input>, <output>, backend attributes
  friend bool operator==(const AudioDef&, const AudioDef&) = default;
};

SoundDef parseSound(Elem& e);
void formatSound(XmlElement& devices, const SoundDef& s, const FormatOptions& opts);
AudioDef parseAudio(Elem& e);
void formatAudio(XmlElement& devices, const AudioDef& a, const FormatOptions& opts);

}  // namespace stratus::conf
