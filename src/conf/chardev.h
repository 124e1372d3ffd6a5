// Character devices: <serial>, <parallel>, <console>, <channel>.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/address.h"

namespace stratus::conf {

struct ChardevSource {
  std::string path, mode, host, service, channel, tls;
  Extra extra;
  friend bool operator==(const ChardevSource&, const ChardevSource&) = default;
};

struct ChardevDef {
  std::string element;  // serial, parallel, console, channel
  std::string type;     // pty, file, unix, tcp, udp, dev, pipe, stdio, null, vc, spicevmc, spiceport, qemu-vdagent, dbus
  std::string tty;      // live: <serial tty='/dev/pts/N'>
  std::vector<ChardevSource> sources;
  std::string protocol;  // <protocol type='raw|telnet|...'>
  LeafExtras leaf;
  bool hasTarget = false;
  std::string targetType, targetName, targetAddress, targetState;
  std::optional<unsigned> targetPort;
  Extra targetExtra;  // <model name=...> inside <target>
  DeviceInfo info;
  Extra extra;  // <log>, ...
  friend bool operator==(const ChardevDef&, const ChardevDef&) = default;
};

ChardevDef parseChardev(Elem& e);
void formatChardev(XmlElement& devices, const ChardevDef& c, const FormatOptions& opts);

}  // namespace stratus::conf
