#include "cli/device_xml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <vector>

namespace stratus::cli {

namespace {

Error fail(std::string msg) { return Error(ErrorCode::InvalidArgument, std::move(msg)); }

// "a.b.c" -> numbers (base 16 or 10; a 0x prefix is fine in base 16).
std::optional<std::vector<unsigned long long>> numbers(std::string_view s, int base, std::size_t count) {
  std::vector<unsigned long long> out;
  std::string text(s);
  std::size_t start = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t dot = i + 1 < count ? text.find('.', start) : text.size();
    if (dot == std::string::npos) return std::nullopt;
    std::string part = text.substr(start, dot - start);
    if (part.empty() || part[0] == '-' || part[0] == '+') return std::nullopt;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(part.c_str(), &end, base);
    if (errno != 0 || !end || *end != '\0') return std::nullopt;
    out.push_back(v);
    start = dot + 1;
  }
  return out;
}

// --address TYPE:NUMBERS for a disk with target `target`.
Result<std::string> diskAddress(const std::string& text, const std::string& target, bool multifunction) {
  auto colon = text.find(':');
  if (colon == std::string::npos) return fail("Invalid address.");
  std::string kind = text.substr(0, colon);
  std::string_view rest = std::string_view(text).substr(colon + 1);
  std::optional<std::vector<unsigned long long>> n;
  if (kind == "pci") n = numbers(rest, 16, 4);
  else if (kind == "ccw") n = numbers(rest, 16, 3);
  else if (kind == "scsi" || kind == "ide" || kind == "sata") n = numbers(rest, 10, 3);
  else if (kind == "usb") n = numbers(rest, 10, 2);
  if (!n) return fail("Invalid address.");
  const auto& v = *n;
  auto pci = [&] {
    return fmt::format("<address type='pci' domain='0x{:04x}' bus='0x{:02x}' slot='0x{:02x}' function='0x{:x}'{}/>",
                       v[0], v[1], v[2], v[3], multifunction ? " multifunction='on'" : "");
  };
  auto ccw = [&] { return fmt::format("<address type='ccw' cssid='0x{:02x}' ssid='0x{:x}' devno='0x{:04x}'/>", v[0], v[1], v[2]); };
  auto drive = [&] { return fmt::format("<address type='drive' controller='{}' bus='{}' unit='{}'/>", v[0], v[1], v[2]); };
  auto usb = [&] { return fmt::format("<address type='usb' bus='{}' port='{}'/>", v[0], v[1]); };
  if (target.starts_with("vd")) {
    if (kind == "pci") return pci();
    if (kind == "ccw") return ccw();
    return fail("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.");
  }
  if (target.starts_with("sd")) {
    if (kind == "scsi" || kind == "sata") return drive();
    if (kind == "usb") return usb();
    return fail("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.");
  }
  if (target.starts_with("hd")) {
    if (kind == "ide") return drive();
    return fail("expecting an ide:00.00.00 address.");
  }
  if (kind == "pci") return pci();
  if (kind == "ccw") return ccw();
  if (kind == "usb") return usb();
  return drive();
}

std::string attrEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '\'') out += "&apos;";
    else out += c;
  }
  return out;
}

// virValidateWWN: 16 hex digits, optionally after "0x".
bool validWwn(std::string_view w) {
  if (w.starts_with("0x")) w.remove_prefix(2);
  if (w.size() != 16) return false;
  for (char c : w)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// virsh's "average,peak,burst,floor".
struct Rate {
  unsigned long long average = 0, peak = 0, burst = 0, floor = 0;
};

Result<Rate> parseRate(const std::string& text) {
  std::vector<std::string> tok;
  std::string cur;
  for (char c : text) {
    if (c == ',') {
      tok.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  tok.push_back(cur);
  if (tok.size() > 4) return fail(fmt::format("Rate string '{}' has too many fields", text));
  Rate r;
  unsigned long long* fields[] = {&r.average, &r.peak, &r.burst, &r.floor};
  const char* names[] = {"average", "peak", "burst", "floor"};
  for (std::size_t i = 0; i < tok.size(); ++i) {
    if (tok[i].empty()) continue;
    auto v = numbers(tok[i], 10, 1);
    if (!v) return fail(fmt::format("field '{}' is malformed", names[i]));
    *fields[i] = (*v)[0];
  }
  return r;
}

std::string rateAttrs(const Rate& r, bool withFloor) {
  std::string s;
  if (r.average) s += fmt::format(" average='{}'", r.average);
  if (r.peak) s += fmt::format(" peak='{}'", r.peak);
  if (r.burst) s += fmt::format(" burst='{}'", r.burst);
  if (withFloor && r.floor) s += fmt::format(" floor='{}'", r.floor);
  return s;
}

// A node as libxml2's xmlNodeDump writes it: double quotes, the document's own whitespace.
std::string dump(const pugi::xml_node& n) {
  std::ostringstream out;
  n.print(out, "", pugi::format_raw);
  return out.str();
}

Result<pugi::xml_node> loadDomain(pugi::xml_document& doc, std::string_view xml) {
  auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  if (!r) return Error(ErrorCode::XmlSyntax, std::string("malformed domain XML: ") + r.description());
  auto devices = doc.child("domain").child("devices");
  if (!devices) return Error(ErrorCode::XmlInvalid, "the domain XML has no <devices>");
  return devices;
}

bool diskMatches(const pugi::xml_node& disk, const std::string& path) {
  if (std::string_view(disk.child("target").attribute("dev").value()) == path) return true;
  auto src = disk.child("source");
  for (const char* a : {"file", "dev", "dir", "name"})
    if (src.attribute(a) && std::string_view(src.attribute(a).value()) == path) return true;
  return false;
}

std::optional<pugi::xml_node> findDisk(const pugi::xml_node& devices, const std::string& path, bool changeable) {
  for (auto disk : devices.children("disk")) {
    std::string_view device = disk.attribute("device").value();
    if (changeable && device != "cdrom" && device != "floppy") continue;
    if (diskMatches(disk, path)) return disk;
  }
  return std::nullopt;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::string> attachDiskXml(const ParsedCmd& pc, bool blockDevice) {
  const std::string& source = pc.get("source");
  const std::string& target = pc.get("target");
  std::string stype = pc.get("sourcetype");
  if (!stype.empty() && stype != "file" && stype != "block" && stype != "network")
    return fail(fmt::format("Unknown source type: '{}'", stype));
  if (pc.has("source-protocol") && stype.empty()) stype = "network";
  if (stype == "network" && !pc.has("source-protocol"))
    return fail("--source-protocol option requires --sourcetype network");
  if (stype.empty()) stype = blockDevice ? "block" : "file";
  const std::string& mode = pc.get("mode");
  if (!mode.empty() && mode != "readonly" && mode != "shareable")
    return fail(fmt::format("No support for {} in command 'attach-disk'", mode));
  if (pc.has("wwn") && !validWwn(pc.get("wwn")))
    return Error(ErrorCode::InternalError, fmt::format("internal error: Malformed wwn: {}", pc.get("wwn")));

  std::string x = fmt::format("<disk type='{}'", stype);
  if (pc.has("type")) x += fmt::format(" device='{}'", attrEscape(pc.get("type")));
  if (pc.has("rawio")) x += " rawio='yes'";
  x += ">\n";
  if (pc.has("driver") || pc.has("subdriver") || pc.has("iothread") || pc.has("cache") || pc.has("io")) {
    x += "  <driver";
    for (auto [opt, attr] : {std::pair{"driver", "name"}, {"subdriver", "type"}, {"iothread", "iothread"},
                             {"cache", "cache"}, {"io", "io"}})
      if (pc.has(opt)) x += fmt::format(" {}='{}'", attr, attrEscape(pc.get(opt)));
    x += "/>\n";
  }
  if (stype == "network") {
    std::string host;
    if (pc.has("source-host-name")) {
      std::string name = pc.get("source-host-name");
      std::string port;
      if (auto c = name.rfind(':'); c != std::string::npos) {
        port = name.substr(c + 1);
        name = name.substr(0, c);
      }
      host += fmt::format(" name='{}'", attrEscape(name));
      if (!port.empty()) host += fmt::format(" port='{}'", attrEscape(port));
    }
    if (pc.has("source-host-transport")) host += fmt::format(" transport='{}'", attrEscape(pc.get("source-host-transport")));
    if (pc.has("source-host-socket")) host += fmt::format(" socket='{}'", attrEscape(pc.get("source-host-socket")));
    std::string open = fmt::format("  <source protocol='{}' name='{}'", attrEscape(pc.get("source-protocol")),
                                   attrEscape(source));
    if (host.empty()) x += open + "/>\n";
    else x += open + ">\n    <host" + host + "/>\n  </source>\n";
  } else {
    x += fmt::format("  <source {}='{}'/>\n", stype == "block" ? "dev" : "file", attrEscape(source));
  }
  x += fmt::format("  <target dev='{}'", attrEscape(target));
  if (pc.has("targetbus")) x += fmt::format(" bus='{}'", attrEscape(pc.get("targetbus")));
  x += "/>\n";
  if (!mode.empty()) x += fmt::format("  <{}/>\n", mode);
  if (pc.has("serial")) x += fmt::format("  <serial>{}</serial>\n", pc.get("serial"));
  if (pc.has("alias")) x += fmt::format("  <alias name='{}'/>\n", attrEscape(pc.get("alias")));
  if (pc.has("wwn")) x += fmt::format("  <wwn>{}</wwn>\n", pc.get("wwn"));
  if (pc.has("address")) {
    auto a = diskAddress(pc.get("address"), target, pc.has("multifunction"));
    if (!a) return std::move(a).error();
    x += "  " + *a + "\n";
  }
  x += "</disk>\n";
  return x;
}

Result<std::string> attachInterfaceXml(const ParsedCmd& pc) {
  const std::string& type = pc.get("type");
  const std::string& source = pc.get("source");
  static constexpr std::string_view kTypes[] = {"network", "bridge", "direct", "hostdev", "vhostuser", "user"};
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes))
    return fail(fmt::format("No support for {} in command 'attach-interface'", type));
  std::optional<Rate> in, out;
  if (pc.has("inbound")) {
    auto r = parseRate(pc.get("inbound"));
    if (!r) return std::move(r).error();
    if (!r->average && !r->floor) return fail("either inbound average or floor is mandatory");
    in = *r;
  }
  if (pc.has("outbound")) {
    auto r = parseRate(pc.get("outbound"));
    if (!r) return std::move(r).error();
    if (!r->average) return fail("outbound average is mandatory");
    if (r->floor) return fail("outbound floor is unsupported yet");
    out = *r;
  }
  const std::string& smode = pc.get("source-mode");
  if (pc.has("source-mode") && smode != "server" && smode != "client")
    return fail(fmt::format("Invalid source mode: {}", smode));

  std::string x = fmt::format("<interface type='{}'{}>\n", type, pc.has("managed") ? " managed='yes'" : "");
  if (type == "network" || type == "bridge") {
    x += fmt::format("  <source {}='{}'/>\n", type, attrEscape(source));
  } else if (type == "direct") {
    x += fmt::format("  <source dev='{}'/>\n", attrEscape(source));
  } else if (type == "hostdev") {
    std::string s = source;
    for (auto& c : s)
      if (c == ':') c = '.';
    auto n = numbers(s, 16, 4);
    if (!n) return fail(fmt::format("cannot parse pci address '{}' for network interface", source));
    x += fmt::format("  <source>\n    <address type='pci' domain='0x{:04x}' bus='0x{:02x}' slot='0x{:02x}' "
                     "function='0x{:x}'/>\n  </source>\n",
                     (*n)[0], (*n)[1], (*n)[2], (*n)[3]);
  } else if (type == "vhostuser") {
    if (!pc.has("source-mode")) return fail("source-mode is mandatory");
    x += fmt::format("  <source type='unix' path='{}' mode='{}'/>\n", attrEscape(source), smode);
  }
  if (pc.has("target")) x += fmt::format("  <target dev='{}'/>\n", attrEscape(pc.get("target")));
  if (pc.has("mac")) x += fmt::format("  <mac address='{}'/>\n", attrEscape(pc.get("mac")));
  if (pc.has("script")) x += fmt::format("  <script path='{}'/>\n", attrEscape(pc.get("script")));
  if (pc.has("model")) x += fmt::format("  <model type='{}'/>\n", attrEscape(pc.get("model")));
  if (pc.has("alias")) x += fmt::format("  <alias name='{}'/>\n", attrEscape(pc.get("alias")));
  if (in || out) {
    x += "  <bandwidth>\n";
    if (in) x += "    <inbound" + rateAttrs(*in, true) + "/>\n";
    if (out) x += "    <outbound" + rateAttrs(*out, false) + "/>\n";
    x += "  </bandwidth>\n";
  }
  x += "</interface>\n";
  return x;
}

Result<std::string> findDiskXml(std::string_view domainXml, const std::string& path, bool changeable) {
  pugi::xml_document doc;
  auto devices = loadDomain(doc, domainXml);
  if (!devices) return std::move(devices).error();
  auto disk = findDisk(*devices, path, changeable);
  if (!disk) return fail(fmt::format("No disk found whose source path or target is {}", path));
  return dump(*disk);
}

Result<std::string> findInterfaceXml(std::string_view domainXml, const std::string& type, const std::string& mac) {
  pugi::xml_document doc;
  auto devices = loadDomain(doc, domainXml);
  if (!devices) return std::move(devices).error();
  std::vector<pugi::xml_node> ofType;
  for (auto n : devices->children("interface"))
    if (std::string_view(n.attribute("type").value()) == type) ofType.push_back(n);
  if (ofType.empty()) return fail(fmt::format("No interface found whose type is {}", type));
  if (mac.empty()) {
    if (ofType.size() > 1)
      return fail(fmt::format("Domain has {} interfaces. Please specify which one to detach using --mac", ofType.size()));
    return dump(ofType.front());
  }
  std::vector<pugi::xml_node> matching;
  for (const auto& n : ofType)
    if (lower(n.child("mac").attribute("address").value()) == lower(mac)) matching.push_back(n);
  if (matching.empty()) return fail(fmt::format("No interface with MAC address {} was found", mac));
  if (matching.size() > 1)
    return fail(fmt::format("Domain has multiple interfaces matching MAC address {}. You must use detach-device and "
                            "specify the device pci address to remove it.",
                            mac));
  return dump(matching.front());
}

Result<std::string> changeMediaXml(std::string_view domainXml, const std::string& path, MediaAction action,
                                   const std::string& source, bool block, bool sourceRequired) {
  pugi::xml_document doc;
  auto devices = loadDomain(doc, domainXml);
  if (!devices) return std::move(devices).error();
  auto found = findDisk(*devices, path, true);
  if (!found) return fail(fmt::format("No disk found whose source path or target is {}", path));
  if (sourceRequired && source.empty()) return fail("New disk media source was not specified");
  pugi::xml_node disk = *found;
  pugi::xml_node old = disk.child("source");
  if (action == MediaAction::Eject && !old) return fail(fmt::format("The disk device '{}' doesn't have media", path));
  if (action == MediaAction::Insert && old) return fail(fmt::format("The disk device '{}' already has media", path));
  if (old) disk.remove_child(old);
  if (action != MediaAction::Eject && !source.empty()) {
    // As virsh: the new <source> goes before <target>, indented like it.
    pugi::xml_node target = disk.child("target");
    pugi::xml_node src = target ? disk.insert_child_before("source", target) : disk.prepend_child("source");
    src.append_attribute(block ? "dev" : "file") = source.c_str();
    if (target) {
      pugi::xml_node before = src.previous_sibling();
      if (before.type() == pugi::node_pcdata) disk.insert_child_after(pugi::node_pcdata, src).set_value(before.value());
    }
    disk.attribute("type") = block ? "block" : "file";
  }
  return dump(disk);
}

}  // namespace stratus::cli
