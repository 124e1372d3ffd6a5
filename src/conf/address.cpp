#include "conf/address.h"

#include <fmt/format.h>

#include "conf/domain_xml_io.h"

namespace stratus::conf {

DeviceAddress parseAddress(Elem& e) {
  DeviceAddress a;
  a.type = e.attrEnum("type", {"pci", "drive", "usb", "virtio-serial", "ccid", "isa", "ccw", "spapr-vio",
                               "virtio-mmio", "virtio-s390", "dimm", "unassigned"});
  if (a.type.empty()) e.fail("address without type");
  auto u = [](std::optional<std::uint64_t> v) {
    return v ? std::optional<unsigned>(static_cast<unsigned>(*v)) : std::nullopt;
  };
  if (a.type == "pci") {
    a.domain = u(e.attrUInt("domain", 0xffff, 0));
    a.bus = u(e.attrUInt("bus", 0xff, 0));
    a.slot = u(e.attrUInt("slot", 0x1f, 0));
    a.function = u(e.attrUInt("function", 7, 0));
    if (e.hasAttr("multifunction")) a.multifunction = e.attrEnum("multifunction", {"on", "off"});
    e.keepChildren({"zpci"});
  } else if (a.type == "drive") {
    a.controller = u(e.attrUInt("controller", 0xffffffffu));
    a.bus = u(e.attrUInt("bus", 0xffffffffu));
    a.target = u(e.attrUInt("target", 0xffffffffu));
    a.unit = u(e.attrUInt("unit", 0xffffffffu));
  } else if (a.type == "usb" || a.type == "virtio-serial" || a.type == "ccid") {
    a.bus = u(e.attrUInt("bus", 0xffffffffu));
    if (a.type != "usb") a.controller = u(e.attrUInt("controller", 0xffffffffu));
    if (a.type == "ccid") a.slot = u(e.attrUInt("slot", 0xffffffffu));
    else a.port = e.attrOr("port");
    e.keepAttrs({"device"});
  } else {
    e.keepAttrs({"cssid", "ssid", "devno", "iobase", "irq", "reg", "base", "slot"});
  }
  e.finish(a.extra);
  return a;
}

void formatAddress(XmlElement& parent, const DeviceAddress& a) {
  auto& x = parent.add("address");
  x.set("type", a.type);
  if (a.type == "pci") {
    if (a.domain) x.set("domain", fmt::format("0x{:04x}", *a.domain));
    if (a.bus) x.set("bus", fmt::format("0x{:02x}", *a.bus));
    if (a.slot) x.set("slot", fmt::format("0x{:02x}", *a.slot));
    if (a.function) x.set("function", fmt::format("0x{:x}", *a.function));
    x.setIf("multifunction", a.multifunction);
  } else {
    if (a.controller) x.set("controller", std::to_string(*a.controller));
    if (a.bus) x.set("bus", std::to_string(*a.bus));
    if (a.target) x.set("target", std::to_string(*a.target));
    if (a.unit) x.set("unit", std::to_string(*a.unit));
    if (a.slot) x.set("slot", std::to_string(*a.slot));
    x.setIf("port", a.port);
  }
  appendExtra(x, a.extra);
}

void parseDeviceInfo(Elem& e, DeviceInfo& info, bool allowBoot) {
  if (auto a = e.child("address")) info.address = parseAddress(*a);
  if (auto al = e.child("alias")) {
    info.alias = al->attrOr("name");
    al->finish(info.leaf["alias"]);
  }
  if (allowBoot) {
    if (auto b = e.child("boot")) {
      auto order = b->attrUInt("order", 0xffffffffu);
      if (!order || *order == 0) {
        if (!b->ctx().failed()) b->fail("boot element needs order='N' with N >= 1");
      } else {
        info.bootOrder = static_cast<unsigned>(*order);
      }
      info.bootLoadparm = b->attrOr("loadparm");
      b->finish(info.leaf["boot"]);
    }
  }
}

void formatDeviceInfo(XmlElement& parent, const DeviceInfo& info, const FormatOptions& opts) {
  if (info.bootOrder) {
    auto& b = parent.add("boot");
    b.set("order", std::to_string(*info.bootOrder));
    b.setIf("loadparm", info.bootLoadparm);
  }
  if (!info.alias.empty() && (!opts.inactive || info.alias.starts_with("ua-")))
    parent.add("alias").set("name", info.alias);
  if (info.address) formatAddress(parent, *info.address);
  applyLeafExtras(parent, info.leaf);
}

}  // namespace stratus::conf
