// Minimal parser/formatter so the layers above can be built while the full
// model is developed. Replaced by the per-device conf/ files.
#include <pugixml.hpp>

#include <sstream>

#include "conf/domain_def.h"

namespace stratus::conf {

namespace {
int lineOf(std::string_view xml, std::ptrdiff_t offset) {
  int line = 1;
  for (std::ptrdiff_t i = 0; i < offset && i < static_cast<std::ptrdiff_t>(xml.size()); ++i)
    if (xml[static_cast<std::size_t>(i)] == '\n') ++line;
  return line;
}
std::uint64_t toKiB(std::uint64_t v, std::string unit) {
  if (unit.empty() || unit == "KiB" || unit == "k" || unit == "K") return v;
  if (unit == "b" || unit == "bytes") return v / 1024;
  if (unit == "M" || unit == "MiB") return v * 1024;
  if (unit == "G" || unit == "GiB") return v * 1024 * 1024;
  return v;
}
}  // namespace

Status validateDomainName(std::string_view name) {
  if (name.empty()) return Error(ErrorCode::XmlInvalid, "domain name must not be empty");
  if (name.front() == '.') return Error(ErrorCode::XmlInvalid, "domain name must not start with '.'");
  for (char c : name) {
    if (c == '/') return Error(ErrorCode::XmlInvalid, "domain name must not contain '/'");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return Error(ErrorCode::XmlInvalid, "domain name must not contain control characters");
  }
  return okStatus();
}

Result<ParsedDomain> parseDomainXml(std::string_view xml, const std::string& sourceName) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!res)
    return Error(ErrorCode::XmlSyntax, res.description(),
                 ErrorLocation{sourceName, lineOf(xml, res.offset), ""});
  auto dom = doc.child("domain");
  if (!dom) return Error(ErrorCode::XmlInvalid, "missing <domain> root element", {sourceName, 1, "domain"});
  ParsedDomain out;
  DomainDef& d = out.def;
  d.type = dom.attribute("type").as_string("qemu");
  d.name = dom.child_value("name");
  if (auto st = validateDomainName(d.name); !st)
    return Error(ErrorCode::XmlInvalid, st.error().message, {sourceName, 0, "domain/name"});
  if (auto u = dom.child("uuid")) {
    auto p = Uuid::parse(u.child_value());
    if (!p) return Error(ErrorCode::XmlInvalid, "malformed uuid", {sourceName, 0, "domain/uuid"});
    d.uuid = *p;
  } else {
    d.uuid = Uuid::generate();
  }
  d.title = dom.child_value("title");
  d.description = dom.child_value("description");
  auto mem = dom.child("memory");
  d.memoryKiB = toKiB(std::stoull(std::string("0") + mem.child_value()), mem.attribute("unit").as_string());
  if (auto cm = dom.child("currentMemory"))
    d.currentMemoryKiB = toKiB(std::stoull(std::string("0") + cm.child_value()), cm.attribute("unit").as_string());
  else
    d.currentMemoryKiB = d.memoryKiB;
  if (auto v = dom.child("vcpu")) {
    d.vcpus = static_cast<unsigned>(std::stoul(std::string("0") + v.child_value()));
    d.currentVcpus = v.attribute("current").as_uint(d.vcpus);
  }
  if (auto os = dom.child("os").child("type")) {
    d.osType = os.child_value();
    d.arch = os.attribute("arch").as_string("x86_64");
    d.machine = os.attribute("machine").as_string();
  }
  d.rawXml = std::string(xml);
  return out;
}

std::string formatDomainXml(const DomainDef& d, const FormatOptions& opts) {
  pugi::xml_document doc;
  doc.load_string(d.rawXml.c_str());
  auto dom = doc.child("domain");
  if (!dom) dom = doc.append_child("domain");
  auto setText = [&](const char* tag, const std::string& v) {
    auto n = dom.child(tag);
    if (!n) n = dom.append_child(tag);
    n.text().set(v.c_str());
  };
  dom.remove_attribute("id");
  if (opts.id) dom.append_attribute("id") = *opts.id;
  setText("name", d.name);
  setText("uuid", d.uuid.str());
  if (!d.title.empty()) setText("title", d.title); else dom.remove_child("title");
  if (!d.description.empty()) setText("description", d.description); else dom.remove_child("description");
  auto mem = dom.child("memory");
  if (!mem) mem = dom.append_child("memory");
  mem.remove_attribute("unit");
  mem.append_attribute("unit") = "KiB";
  mem.text().set(std::to_string(d.memoryKiB).c_str());
  auto cm = dom.child("currentMemory");
  if (!cm) cm = dom.append_child("currentMemory");
  cm.remove_attribute("unit");
  cm.append_attribute("unit") = "KiB";
  cm.text().set(std::to_string(d.currentMemoryKiB).c_str());
  std::ostringstream ss;
  doc.save(ss, "  ", pugi::format_indent | pugi::format_no_declaration);
  return ss.str();
}

}  // namespace stratus::conf
