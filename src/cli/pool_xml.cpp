// The XML documents virsh builds on the client: pool-define-as /
// pool-create-as, vol-create-as, find-storage-pool-sources-as, vol-clone.
// Same elements, order and layout as virsh, so --print-xml matches.
#include <pugixml.hpp>
#include <sstream>

#include "cli/storage_cli.h"
#include "cli/xpath.h"

namespace stratus::cli {

namespace {
// virsh pastes the values in as given, unescaped: a quote or '<' in one
// makes a document the node refuses, as with virsh. Kept so --print-xml
// matches byte for byte.
std::string esc(std::string_view s) { return std::string(s); }
}  // namespace

PoolAsArgs poolAsArgs(const ParsedCmd& pc) {
  PoolAsArgs a;
  a.name = pc.get("name");
  a.type = pc.get("type");
  a.sourceHost = pc.get("source-host");
  a.sourcePath = pc.get("source-path");
  a.sourceDev = pc.get("source-dev");
  a.sourceName = pc.get("source-name");
  a.sourceFormat = pc.get("source-format");
  a.target = pc.get("target");
  a.authType = pc.get("auth-type");
  a.authUsername = pc.get("auth-username");
  a.secretUsage = pc.get("secret-usage");
  a.secretUuid = pc.get("secret-uuid");
  a.adapterName = pc.get("adapter-name");
  a.adapterWwnn = pc.get("adapter-wwnn");
  a.adapterWwpn = pc.get("adapter-wwpn");
  a.adapterParent = pc.get("adapter-parent");
  a.adapterParentWwnn = pc.get("adapter-parent-wwnn");
  a.adapterParentWwpn = pc.get("adapter-parent-wwpn");
  a.adapterParentFabricWwn = pc.get("adapter-parent-fabric-wwn");
  a.protocolVer = pc.get("source-protocol-ver");
  a.initiator = pc.get("source-initiator");
  return a;
}

std::string buildPoolXml(const PoolAsArgs& a) {
  std::string x = "<pool type='" + esc(a.type) + "'>\n";
  x += "  <name>" + esc(a.name) + "</name>\n";
  bool fcHost = !a.adapterWwnn.empty() && !a.adapterWwpn.empty();
  if (!a.sourceHost.empty() || !a.sourcePath.empty() || !a.sourceDev.empty() || !a.initiator.empty() ||
      !a.sourceFormat.empty() || !a.sourceName.empty() || fcHost || !a.adapterName.empty()) {
    x += "  <source>\n";
    if (!a.sourceHost.empty()) x += "    <host name='" + esc(a.sourceHost) + "'/>\n";
    if (!a.sourcePath.empty()) x += "    <dir path='" + esc(a.sourcePath) + "'/>\n";
    if (!a.sourceDev.empty()) x += "    <device path='" + esc(a.sourceDev) + "'/>\n";
    if (!a.initiator.empty()) x += "    <initiator>\n      <iqn name='" + esc(a.initiator) + "'/>\n    </initiator>\n";
    if (fcHost) {
      x += "    <adapter type='fc_host'";
      if (!a.adapterParent.empty()) x += " parent='" + esc(a.adapterParent) + "'";
      else if (!a.adapterParentWwnn.empty() && !a.adapterParentWwpn.empty())
        x += " parent_wwnn='" + esc(a.adapterParentWwnn) + "' parent_wwpn='" + esc(a.adapterParentWwpn) + "'";
      else if (!a.adapterParentFabricWwn.empty())
        x += " parent_fabric_wwn='" + esc(a.adapterParentFabricWwn) + "'";
      x += " wwnn='" + esc(a.adapterWwnn) + "' wwpn='" + esc(a.adapterWwpn) + "'/>\n";
    } else if (!a.adapterName.empty()) {
      x += "    <adapter type='scsi_host' name='" + esc(a.adapterName) + "'/>\n";
    }
    if (!a.authType.empty() && !a.authUsername.empty() && (!a.secretUsage.empty() || !a.secretUuid.empty())) {
      x += "    <auth type='" + esc(a.authType) + "' username='" + esc(a.authUsername) + "'>\n";
      if (!a.secretUsage.empty())
        x += "      <secret usage='" + esc(a.secretUsage) + "'/>\n";
      else
        x += "      <secret uuid='" + esc(a.secretUuid) + "'/>\n";
      x += "    </auth>\n";
    }
    if (!a.sourceFormat.empty()) x += "    <format type='" + esc(a.sourceFormat) + "'/>\n";
    if (!a.sourceName.empty()) x += "    <name>" + esc(a.sourceName) + "</name>\n";
    if (!a.protocolVer.empty()) x += "    <protocol ver='" + esc(a.protocolVer) + "'/>\n";
    x += "  </source>\n";
  }
  if (!a.target.empty()) x += "  <target>\n    <path>" + esc(a.target) + "</path>\n  </target>\n";
  x += "</pool>\n";
  return x;
}

std::string buildVolumeXml(const VolAsArgs& a) {
  std::string x = "<volume>\n";
  x += "  <name>" + esc(a.name) + "</name>\n";
  x += "  <capacity>" + std::to_string(a.capacity) + "</capacity>\n";
  if (a.allocation) x += "  <allocation>" + std::to_string(*a.allocation) + "</allocation>\n";
  if (!a.format.empty()) x += "  <target>\n    <format type='" + esc(a.format) + "'/>\n  </target>\n";
  if (!a.backingPath.empty()) {
    x += "  <backingStore>\n    <path>" + esc(a.backingPath) + "</path>\n";
    if (!a.backingFormat.empty()) x += "    <format type='" + esc(a.backingFormat) + "'/>\n";
    x += "  </backingStore>\n";
  }
  x += "</volume>\n";
  return x;
}

std::string buildSourceSpec(const std::string& host, const std::string& port, const std::string& initiator) {
  if (host.empty()) return {};
  std::string x = "<source>\n  <host name='" + esc(host) + "'";
  if (!port.empty()) x += " port='" + esc(port) + "'";
  x += "/>\n";
  if (!initiator.empty()) x += "  <initiator>\n    <iqn name='" + esc(initiator) + "'/>\n  </initiator>\n";
  x += "</source>\n";
  return x;
}

Result<std::string> cloneVolumeXml(const std::string& sourceXml, const std::string& newName) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(sourceXml.data(), sourceXml.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  if (!parsed) return Error(ErrorCode::XmlSyntax, std::string("volume XML: ") + parsed.description());
  auto name = doc.child("volume").child("name");
  if (!name) return Error(ErrorCode::XmlInvalid, "volume XML has no <name>");
  name.text().set(newName.c_str());
  std::ostringstream ss;
  doc.save(ss, "", pugi::format_raw | pugi::format_no_declaration);
  auto text = xpathDump(ss.str(), "/volume", false);
  if (!text.ok()) return text.error();
  std::string out = std::move(text).value();
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace stratus::cli
