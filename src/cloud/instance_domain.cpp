#include "cloud/instance_domain.h"

#include <pugixml.hpp>

#include <sstream>

namespace stratus::cloud {

namespace {

std::string toXml(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration);
  return out.str();
}

// <disk type='volume' device=DEVICE> of `pool`'s volume on target DEV/BUS.
pugi::xml_node appendVolumeDisk(pugi::xml_node devs, const char* device, const std::string& format,
                                const std::string& pool, const std::string& volume, const char* dev, const char* bus) {
  auto disk = devs.append_child("disk");
  disk.append_attribute("type") = "volume";
  disk.append_attribute("device") = device;
  auto drv = disk.append_child("driver");
  drv.append_attribute("name") = "qemu";
  drv.append_attribute("type") = format.c_str();
  auto src = disk.append_child("source");
  src.append_attribute("pool") = pool.c_str();
  src.append_attribute("volume") = volume.c_str();
  auto tgt = disk.append_child("target");
  tgt.append_attribute("dev") = dev;
  tgt.append_attribute("bus") = bus;
  return disk;
}

}  // namespace

std::string instanceDomainXml(const Instance& i, const DomainPlan& plan) {
  pugi::xml_document doc;
  auto d = doc.append_child("domain");
  d.append_attribute("type") = plan.type.c_str();
  d.append_child("name").text() = i.domain.c_str();
  d.append_child("description").text() = ("Stratus cloud instance " + i.handle + " (image " + i.image + ")").c_str();
  auto mem = d.append_child("memory");
  mem.append_attribute("unit") = "MiB";
  mem.text() = std::to_string(i.memoryMiB).c_str();
  d.append_child("vcpu").text() = std::to_string(i.vcpus).c_str();
  auto os = d.append_child("os");
  auto type = os.append_child("type");
  type.append_attribute("arch") = "x86_64";
  type.text() = "hvm";
  os.append_child("boot").append_attribute("dev") = "hd";
  d.append_child("features").append_child("acpi");
  d.append_child("on_poweroff").text() = "destroy";
  d.append_child("on_reboot").text() = "restart";
  d.append_child("on_crash").text() = "destroy";
  auto devs = d.append_child("devices");
  appendVolumeDisk(devs, "disk", plan.format, plan.pool, plan.volume, "vda", "virtio");
  if (!plan.seedVolume.empty())
    appendVolumeDisk(devs, "cdrom", "raw", plan.pool, plan.seedVolume, "hdc", "ide").append_child("readonly");
  for (const auto& nic : i.nics) {
    auto n = devs.append_child("interface");
    n.append_attribute("type") = "network";
    n.append_child("mac").append_attribute("address") = nic.mac.c_str();
    n.append_child("source").append_attribute("network") = nic.pool.c_str();
    n.append_child("model").append_attribute("type") = "virtio";
  }
  auto serial = devs.append_child("serial");
  if (plan.consoleLog.empty()) {
    serial.append_attribute("type") = "pty";
  } else {
    serial.append_attribute("type") = "file";
    auto s = serial.append_child("source");
    s.append_attribute("path") = plan.consoleLog.c_str();
    s.append_attribute("append") = "on";
  }
  serial.append_child("target").append_attribute("port") = "0";
  auto console = devs.append_child("console");
  console.append_attribute("type") = plan.consoleLog.empty() ? "pty" : "file";
  if (!plan.consoleLog.empty()) console.append_child("source").append_attribute("path") = plan.consoleLog.c_str();
  auto ct = console.append_child("target");
  ct.append_attribute("type") = "serial";
  ct.append_attribute("port") = "0";
  devs.append_child("memballoon").append_attribute("model") = "virtio";
  return toXml(doc);
}

std::string dhcpHostXml(const Instance::Nic& nic) {
  pugi::xml_document doc;
  auto h = doc.append_child("host");
  h.append_attribute("mac") = nic.mac.c_str();
  h.append_attribute("name") = nic.hostname.c_str();
  h.append_attribute("ip") = nic.ip.c_str();
  std::string out = toXml(doc);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace stratus::cloud
