// <controller type='ide|scsi|usb|pci|virtio-serial|...' index='N'>.
#pragma once

#include <optional>
#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct ControllerDef {
  std::string type;
  std::optional<unsigned> index;
  std::string model;
  DeviceInfo info;
  Extra extra;  // ports, vectors, <driver>, <target>, <model>, <master>, <pcihole64>, ...
  friend bool operator==(const ControllerDef&, const ControllerDef&) = default;
};

ControllerDef parseController(Elem& e);
void formatController(XmlElement& devices, const ControllerDef& c, const FormatOptions& opts);

}  // namespace stratus::conf
