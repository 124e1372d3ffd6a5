// <address type='pci|drive|usb|...'/>: one small type shared by all devices,
// plus the per-device info every device carries (address, alias, boot order).
#pragma once

#include <optional>
#include <string>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;
struct FormatOptions;

struct DeviceAddress {
  std::string type;  // pci, drive, usb, virtio-serial, ccid, isa, ccw, spapr-vio, ...
  // pci
  std::optional<unsigned> domain, bus, slot, function;  // slot also for ccid
  std::string multifunction;  // on/off
  // drive (controller, bus, target, unit); virtio-serial/ccid (controller, bus, port)
  std::optional<unsigned> controller, target, unit;
  std::string port;  // usb "1.2", virtio-serial/ccid decimal
  Extra extra;       // attributes of other address types, <zpci>, ...
  friend bool operator==(const DeviceAddress&, const DeviceAddress&) = default;
};

struct DeviceInfo {
  std::optional<DeviceAddress> address;
  std::string alias;                  // <alias name=...>; "ua-" prefixed ones are user config
  std::optional<unsigned> bootOrder;  // <boot order=N> (disk, interface, hostdev, redirdev)
  std::string bootLoadparm;
  LeafExtras leaf;  // extras of <alias>, <boot>
  friend bool operator==(const DeviceInfo&, const DeviceInfo&) = default;
};

DeviceAddress parseAddress(Elem& e);
void formatAddress(XmlElement& parent, const DeviceAddress& a);

// Reads <address>, <alias> and (when allowBoot) <boot order> children of `e`.
void parseDeviceInfo(Elem& e, DeviceInfo& info, bool allowBoot);
void formatDeviceInfo(XmlElement& parent, const DeviceInfo& info, const FormatOptions& opts);

}  // namespace stratus::conf
