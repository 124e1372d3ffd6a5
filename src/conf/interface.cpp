#include "conf/interface.h"

#include <fmt/format.h>

#include <cctype>

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

std::string generateMac() {
  auto u = Uuid::generate().bytes();  // random source
  return fmt::format("52:54:00:{:02x}:{:02x}:{:02x}", u[0], u[1], u[2]);
}

bool normalizeMac(std::string& mac) {
  if (mac.size() != 17) return false;
  std::string out;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    char c = mac[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return false;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  mac = out;
  return true;
}

InterfaceDef parseInterface(Elem& e) {
  InterfaceDef n;
  n.type = e.attrEnum("type", {"network", "bridge", "direct", "user", "ethernet", "vhostuser", "hostdev", "server",
                               "client", "mcast", "udp", "vdpa", "null", "vds", "internal"});
  if (n.type.empty()) e.failAttr("type", "interface needs a type");
  e.keepAttrs({"managed", "trustGuestRxFilters"});
  if (auto m = e.child("mac")) {
    n.mac = m->attrOr("address");
    std::string original = n.mac;
    if (!normalizeMac(n.mac)) {
      m->failAttr("address", fmt::format("malformed MAC address '{}'", original));
    } else {
      unsigned first = static_cast<unsigned>(std::stoul(n.mac.substr(0, 2), nullptr, 16));
      if (first & 1) m->failAttr("address", fmt::format("expected a unicast MAC address, found multicast '{}'", original));
    }
    m->keepAttrs({"type", "check"});
    m->finish(n.macExtra);
  }
  if (auto s = e.child("source")) {
    n.sourceNetwork = s->attrOr("network");
    n.sourcePortgroup = s->attrOr("portgroup");
    n.sourceBridge = s->attrOr("bridge");
    n.sourceDev = s->attrOr("dev");
    n.sourceMode = s->attrOr("mode");
    s->keepAttrs({"address", "port", "type", "path", "portid", "switchid", "connectionid", "name"});
    s->keepChildren({"local", "address", "reconnect"});
    s->finish(n.sourceExtra);
  }
  if (auto t = e.child("target")) {
    n.targetDev = t->attrOr("dev");
    t->keepAttrs({"managed"});
    t->finish(n.targetExtra);
  }
  if (auto m = e.child("model")) {
    n.model = m->attrOr("type");
    m->finish(n.leaf["model"]);
  }
  if (auto l = e.child("link")) {
    n.linkState = l->attrEnum("state", {"up", "down"});
    l->finish(n.leaf["link"]);
  }
  if (auto m = e.child("mtu")) {
    if (auto v = m->attrUInt("size", 0xffffffffu)) n.mtu = static_cast<unsigned>(*v);
    m->finish(n.leaf["mtu"]);
  }
  parseDeviceInfo(e, n.info, true);
  e.keepChildren({"driver", "virtualport", "bandwidth", "vlan", "filterref", "ip", "route", "script", "downscript",
                  "backend", "guest", "tune", "rom", "coalesce", "teaming", "port", "acpi", "portForward"});
  e.finish(n.extra);
  return n;
}

void formatInterface(XmlElement& devices, const InterfaceDef& n, const FormatOptions& opts) {
  auto& x = devices.add("interface");
  x.set("type", n.type);
  if (!n.mac.empty() || !n.macExtra.empty()) {
    auto& m = x.add("mac");
    m.setIf("address", n.mac);
    appendExtra(m, n.macExtra);
  }
  bool hasSource = !n.sourceNetwork.empty() || !n.sourcePortgroup.empty() || !n.sourceBridge.empty() ||
                   !n.sourceDev.empty() || !n.sourceMode.empty() || !n.sourceExtra.empty();
  if (hasSource) {
    auto& s = x.add("source");
    s.setIf("network", n.sourceNetwork);
    s.setIf("portgroup", n.sourcePortgroup);
    s.setIf("bridge", n.sourceBridge);
    s.setIf("dev", n.sourceDev);
    s.setIf("mode", n.sourceMode);
    appendExtra(s, n.sourceExtra);
  }
  bool generatedTarget = n.targetDev.starts_with("vnet") || n.targetDev.starts_with("macvtap") ||
                         n.targetDev.starts_with("macvlan");
  std::string targetDev = (opts.inactive && generatedTarget) ? std::string() : n.targetDev;
  if (!targetDev.empty() || !n.targetExtra.empty()) {
    auto& t = x.add("target");
    t.setIf("dev", targetDev);
    appendExtra(t, n.targetExtra);
  }
  if (!n.model.empty()) x.add("model").set("type", n.model);
  if (!n.linkState.empty()) x.add("link").set("state", n.linkState);
  if (n.mtu) x.add("mtu").set("size", std::to_string(*n.mtu));
  appendExtra(x, n.extra);
  formatDeviceInfo(x, n.info, opts);
  applyLeafExtras(x, n.leaf);
  sortChildren(x, {"mac", "source", "vlan", "virtualport", "bandwidth", "portForward", "ip", "route", "script",
                   "downscript", "backend", "target", "guest", "model", "driver", "filterref", "tune", "teaming",
                   "link", "mtu", "port", "coalesce", "rom", "acpi", "boot", "alias", "address"});
}

}  // namespace stratus::conf
