// <interface type='network|bridge|direct|user|ethernet|...'>.
#pragma once

#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct InterfaceDef {
  std::string type;
  std::string mac;  // lower-case aa:bb:cc:dd:ee:ff; generated when absent
  Extra macExtra;
  // <source>
  std::string sourceNetwork, sourcePortgroup, sourceBridge, sourceDev, sourceMode;
  Extra sourceExtra;
  // <target>
  std::string targetDev;
  Extra targetExtra;
  std::string model;      // <model type=...>
  std::string linkState;  // <link state='up|down'>
  std::optional<unsigned> mtu;
  LeafExtras leaf;  // extras of <model>, <link>, <mtu>
  DeviceInfo info;
  Extra extra;  // driver, virtualport, bandwidth, vlan, filterref, ip, route, script, backend, ...
  friend bool operator==(const InterfaceDef&, const InterfaceDef&) = default;
};

InterfaceDef parseInterface(Elem& e);
void formatInterface(XmlElement& devices, const InterfaceDef& i, const FormatOptions& opts);

// "52:54:00:xx:xx:xx" with random low bytes.
std::string generateMac();
// Normalises a MAC to lower case; false when malformed.
bool normalizeMac(std::string& mac);

}  // namespace stratus::conf
