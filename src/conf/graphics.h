// <graphics type='vnc|spice|sdl|rdp|desktop|egl-headless|dbus'>.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;
struct FormatOptions;

struct GraphicsListen {
  std::string type;  // address, network, socket, none
  std::string address, network, socket;
  Extra extra;
  friend bool operator==(const GraphicsListen&, const GraphicsListen&) = default;
};

struct GraphicsDef {
  std::string type;
  std::optional<int> port;  // -1 = allocate
  std::optional<bool> autoport;
  std::optional<int> tlsPort, websocket;
  std::string listen;  // the legacy listen= attribute
  std::string keymap, passwd, passwdValidTo, connected, sharePolicy;
  std::vector<GraphicsListen> listens;
  Extra extra;  // <channel>, <image>, <gl>, <audio>, ...
  friend bool operator==(const GraphicsDef&, const GraphicsDef&) = default;
};

GraphicsDef parseGraphics(Elem& e);
void formatGraphics(XmlElement& devices, const GraphicsDef& g, const FormatOptions& opts);

}  // namespace stratus::conf
