// One device element: parsed through the domain parser (the device is put
// inside a minimal <domain> on its own line, so errors keep the lines of
// the input), formatted through the domain formatter.
#include "conf/device_xml.h"

#include <fmt/format.h>

#include <algorithm>
#include <pugixml.hpp>

#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

// The device kinds <devices> knows (domain_parse.cpp); anything else is refused.
constexpr std::string_view kKinds[] = {"disk",     "controller", "filesystem", "interface", "smartcard",
                                       "serial",   "parallel",   "console",    "channel",   "input",
                                       "tpm",      "graphics",   "sound",      "audio",     "video",
                                       "hostdev",  "redirdev",   "watchdog",   "memballoon", "rng",
                                       "panic"};

}  // namespace

Result<DeviceDef> parseDeviceXml(std::string_view xml, const std::string& sourceName, const DomainDef& domain,
                                 bool fillDefaults) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  pugi::xml_node root;
  int elements = 0;
  for (auto n : doc.children())
    if (n.type() == pugi::node_element) {
      if (!root) root = n;
      ++elements;
    }
  if (elements != 1)
    return Error(ErrorCode::XmlInvalid, elements == 0 ? "XML error: the file holds no device element"
                                                      : "XML error: the file holds more than one device element",
                 ErrorLocation{sourceName, 0, ""});
  std::string element = root.name();
  if (std::find(std::begin(kKinds), std::end(kKinds), element) == std::end(kKinds))
    return Error(ErrorCode::XmlInvalid, fmt::format("XML error: unknown device type '{}'", element),
                 ErrorLocation{sourceName, 0, ""});

  // Everything before the element becomes as many newlines, then the wrapper
  // opens on the element's own line: every line number stays the input's.
  // offset_debug() points at the element's name, just after its '<'.
  std::ptrdiff_t at = root.offset_debug();
  std::size_t offset = at > 0 ? xml.rfind('<', static_cast<std::size_t>(at)) : 0;
  if (offset == std::string_view::npos) offset = 0;
  std::string wrapped(static_cast<std::size_t>(std::count(xml.begin(), xml.begin() + offset, '\n')), '\n');
  wrapped += fmt::format("<domain type='{}'><name>device</name><memory>1</memory><devices>", domain.type);
  wrapped.append(xml.substr(offset));
  wrapped += "</devices></domain>";

  DeviceDef dev;
  dev.element = element;
  SourceMap lines;
  auto def = parseDomainDocument(wrapped, sourceName, dev.warnings, lines);
  if (!def) return std::move(def).error();
  dev.macGiven = !def->devices.interfaces.empty() && !def->devices.interfaces.front().mac.empty();
  if (fillDefaults) {
    def->osType = domain.osType;
    fillDomainDefaults(*def);
  }
  dev.devices = std::move(def->devices);
  dev.devices.emulator.clear();
  return dev;
}

std::string formatDeviceXml(const DeviceDef& dev, const FormatOptions& opts) {
  DomainDef holder;
  holder.name = "device";
  holder.memoryKiB = 1;
  holder.devices = dev.devices;
  std::string xml = formatDomainXml(holder, opts);
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return {};
  auto node = doc.document_element().child("devices").child(dev.element.c_str());
  if (!node) return {};
  return serializeXml(toXmlElement(node));
}

std::string describeDevice(const DeviceDef& dev) {
  if (const auto* d = dev.disk()) return fmt::format("disk '{}'", d->targetDev);
  if (const auto* n = dev.iface()) return n->mac.empty() ? "interface" : "interface " + n->mac;
  return dev.element;
}

DeviceDef deviceOf(const DiskDef& d) {
  DeviceDef dev;
  dev.element = "disk";
  dev.devices.disks.push_back(d);
  return dev;
}

DeviceDef deviceOf(const InterfaceDef& n) {
  DeviceDef dev;
  dev.element = "interface";
  dev.devices.interfaces.push_back(n);
  return dev;
}

}  // namespace stratus::conf
