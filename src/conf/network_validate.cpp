// Stage 3: cross-field rules on the defaulted model: names, what each
// forward mode allows, DNS and portgroups. Addressing (<ip>, <dhcp>,
// <route>) is in network_validate_ip.cpp. Messages follow libvirt's
// (network_conf.c, bridge_driver.c networkValidate) where it has one.
#include <fmt/format.h>

#include <algorithm>

#include "conf/network_address.h"
#include "conf/network_stages.h"
#include "conf/network_validate_util.h"

namespace stratus::conf {

namespace {

bool hasExtraChild(const Extra& extra, std::string_view name) {
  return std::any_of(extra.elements.begin(), extra.elements.end(),
                     [&](const XmlElement& e) { return e.name == name; });
}

Status checkForwardMode(const NetworkDef& def, const NetChecker& c) {
  const NetForward& fw = def.forward;
  const std::string& net = def.name;
  const std::string mode(forwardModeName(fw.mode));
  const bool pool = !fw.interfaces.empty() || hasExtraChild(fw.extra, "pf") || hasExtraChild(fw.extra, "address");
  const char* key = "network/forward";

  if (fw.mode == ForwardMode::None && (!fw.interfaces.empty() || !fw.dev.empty()))
    return c.err(key, "network/forward/interface",
                 fmt::format("network '{}' lists forward interfaces but has no <forward> mode", net));
  if (!fw.interfaces.empty() && (hasExtraChild(fw.extra, "pf") || hasExtraChild(fw.extra, "address")))
    return c.err(key, "network/forward",
                 fmt::format("<address>, <interface>, and <pf> elements of <forward> in network {} are mutually exclusive",
                             net));

  switch (fw.mode) {
    case ForwardMode::None:
      break;
    case ForwardMode::Nat:
    case ForwardMode::Route:
    case ForwardMode::Open:
      if (def.ips.empty())
        return c.err(key, "network/forward/@mode",
                     fmt::format("{} forwarding requested, but no IP address provided for network '{}'", mode, net));
      if (fw.interfaces.size() > 1)
        return c.err(key, "network/forward/interface",
                     fmt::format("multiple forwarding interfaces specified for network '{}', only one is supported",
                                 net));
      if (fw.mode == ForwardMode::Open && !fw.interfaces.empty())
        return c.err(key, "network/forward/@dev",
                     fmt::format("forward dev not allowed for network '{}' with forward mode='{}'", net, mode));
      if (hasExtraChild(fw.extra, "address") || hasExtraChild(fw.extra, "pf"))
        return c.err(key, "network/forward",
                     fmt::format("network '{}' has forward mode '{}' but lists a device pool (<address> or <pf>), "
                                 "which only the direct and hostdev modes use",
                                 net, mode));
      break;
    case ForwardMode::Private:
    case ForwardMode::Vepa:
    case ForwardMode::Passthrough:
    case ForwardMode::Hostdev:
      if (!def.bridge.name.empty())
        return c.err("network/bridge", "network/bridge/@name",
                     fmt::format("bridge name not allowed in {} mode (network '{}')", mode, net));
      if (!def.bridge.zone.empty())
        return c.err("network/bridge", "network/bridge/@zone",
                     fmt::format("bridge zone not allowed in {} mode (network '{}')", mode, net));
      if (!def.bridge.macTableManager.empty())
        return c.err("network/bridge", "network/bridge/@macTableManager",
                     fmt::format("bridge macTableManager setting not allowed in {} mode (network '{}')", mode, net));
      if (!pool)
        return c.err(key, "network/forward",
                     fmt::format("network '{}' uses a direct mode, but has no forward dev and no interface pool", net));
      if (fw.mode == ForwardMode::Hostdev && !fw.interfaces.empty())
        return c.err(key, "network/forward/interface",
                     fmt::format("hostdev network '{}' lists '{}' in the device pool, but hostdev networks require all "
                                 "devices to be listed by PCI address, not network device name",
                                 net, fw.interfaces.front()));
      [[fallthrough]];
    case ForwardMode::Bridge:
      if (def.bridge.stp || def.bridge.delay.value_or(0) != 0 || !def.bridge.zone.empty())
        return c.err("network/bridge", "network/bridge",
                     fmt::format("bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in "
                                 "{} (network '{}')",
                                 mode, net));
      if (!def.bridge.name.empty() && pool)
        return c.err(key, "network/forward",
                     fmt::format("A network with forward mode='{}' can specify a bridge name or a forward dev, but "
                                 "not both (network '{}')",
                                 mode, net));
      if (fw.mode == ForwardMode::Bridge && def.bridge.name.empty() && !pool)
        return c.err(key, "network/forward",
                     fmt::format("network '{}' has forward mode='bridge' but neither a <bridge name='...'/> nor a "
                                 "forward dev or <interface> pool",
                                 net));
      if (fw.mode != ForwardMode::Hostdev && hasExtraChild(fw.extra, "address"))
        return c.err(key, "network/forward/address",
                     fmt::format("network '{}' has forward mode '{}' but lists a device by PCI address in the device "
                                 "pool. This is only supported for networks with forward mode 'hostdev'",
                                 net, mode));
      // libvirt does not manage these devices: no addresses, DHCP or DNS.
      if (!def.mac.empty())
        return c.err("network/mac", "network/mac",
                     fmt::format("Unsupported <mac> element in network {} with forward mode='{}'", net, mode));
      if (!def.ips.empty())
        return c.err("network/ip#0", "network/ip",
                     fmt::format("Unsupported <ip> element in network {} with forward mode='{}'", net, mode));
      if (!def.dns.txts.empty() || !def.dns.hosts.empty() || !def.dns.srvs.empty())
        return c.err("network/dns", "network/dns",
                     fmt::format("Unsupported <dns> element in network {} with forward mode='{}'", net, mode));
      if (!def.domainName.empty())
        return c.err("network/domain", "network/domain",
                     fmt::format("Unsupported <domain> element in network {} with forward mode='{}'", net, mode));
      if (def.mtu)
        return c.err("network/mtu", "network/mtu",
                     fmt::format("mtu size only allowed in open, route, nat, and isolated mode, not in {} (network "
                                 "'{}')",
                                 mode, net));
      break;
  }

  if (fw.natAddress) {
    auto s = parseIp(fw.natAddress->start), e = parseIp(fw.natAddress->end);
    if (!s || s->v6 || !e || e->v6)
      return c.err("network/forward/nat", "network/forward/nat/address",
                   fmt::format("Bad ipv4 address range '{}' - '{}' in <nat> in <forward> in network '{}'",
                               fw.natAddress->start, fw.natAddress->end, net));
    if (*s > *e)
      return c.err("network/forward/nat", "network/forward/nat/address",
                   fmt::format("range {} - {} is reversed", fw.natAddress->start, fw.natAddress->end));
  }
  if (fw.natPortEnd && fw.natPortEnd < fw.natPortStart)
    return c.err("network/forward/nat", "network/forward/nat/port",
                 fmt::format("Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {}", net));
  return okStatus();
}

Status checkBridge(const NetworkDef& def, const NetChecker& c) {
  const std::string& name = def.bridge.name;
  if (name.empty() || name.find("%d") != std::string::npos) return okStatus();  // a template: the daemon names it
  // The kernel's limit (IFNAMSIZ - 1), and characters an interface name cannot hold.
  if (name.size() > 15)
    return c.err("network/bridge", "network/bridge/@name",
                 fmt::format("bridge name '{}' in network '{}' is too long (at most 15 characters)", name, def.name));
  if (name == "." || name == ".." ||
      std::any_of(name.begin(), name.end(), [](char ch) {
        return ch == '/' || ch == ':' || static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f;
      }))
    return c.err("network/bridge", "network/bridge/@name",
                 fmt::format("invalid bridge name '{}' in network '{}'", name, def.name));
  return okStatus();
}

Status checkDns(const NetworkDef& def, const NetChecker& c) {
  const NetDns& d = def.dns;
  if (d.enable == false && (!d.forwarders.empty() || !d.txts.empty() || !d.hosts.empty() || !d.srvs.empty()))
    return c.err("network/dns", "network/dns", fmt::format("Extra data in disabled network '{}'", def.name));
  for (std::size_t i = 0; i < d.hosts.size(); ++i)
    if (!parseIp(d.hosts[i].ip) || d.hosts[i].hostnames.empty())
      return c.err(fmt::format("network/dns/host#{}", i), "network/dns/host",
                   fmt::format("Invalid IP address or missing hostname in network '{}' DNS HOST record", def.name));
  for (std::size_t i = 0; i < d.forwarders.size(); ++i) {
    const auto& f = d.forwarders[i];
    if ((f.addr.empty() && f.domain.empty()) || (!f.addr.empty() && !parseIp(f.addr)))
      return c.err(fmt::format("network/dns/forwarder#{}", i), "network/dns/forwarder",
                   "Invalid forwarder element, must contain at least one of addr or domain");
  }
  return okStatus();
}

bool hasElement(const std::vector<XmlElement>& elements, std::string_view name) {
  return std::any_of(elements.begin(), elements.end(), [&](const XmlElement& e) { return e.name == name; });
}

// <bandwidth> and <vlan> are kept verbatim, but where they may appear
// depends on the forward mode (libvirt's networkValidate).
Status checkQos(const NetworkDef& def, const NetChecker& c) {
  const ForwardMode m = def.forward.mode;
  const std::string mode(forwardModeName(m));
  bool bandwidthAllowed = def.needsBridge() || (m == ForwardMode::Bridge && !def.bridge.name.empty());
  if (hasElement(def.otherElements, "bandwidth") && !bandwidthAllowed)
    return c.err("network/bandwidth", "network/bandwidth",
                 fmt::format("Unsupported network-wide <bandwidth> element in network {} with forward mode='{}'",
                             def.name, mode));
  bool vlanAllowed = m == ForwardMode::Hostdev || m == ForwardMode::Passthrough ||
                     (m == ForwardMode::Bridge && def.virtualportType == "openvswitch");
  bool vlanUsed = hasElement(def.otherElements, "vlan");
  bool badVlan = false, hasDefault = false;
  for (std::size_t i = 0; i < def.portgroups.size(); ++i) {
    const auto& p = def.portgroups[i];
    hasDefault |= p.isDefault;
    if (hasExtraChild(p.extra, "bandwidth") && (!bandwidthAllowed || m == ForwardMode::Hostdev))
      return c.err(fmt::format("network/portgroup#{}", i), "network/portgroup/bandwidth",
                   fmt::format("Unsupported <bandwidth> element in network '{}' in portgroup '{}' with forward "
                               "mode='{}'",
                               def.name, p.name, mode));
    if (!vlanUsed && !hasExtraChild(p.extra, "vlan")) continue;
    // Whoever uses this portgroup gets a tag: only Open vSwitch (or an
    // SR-IOV pool) can apply it.
    if (!p.virtualportType.empty())
      badVlan |= m != ForwardMode::Bridge || p.virtualportType != "openvswitch";
    else
      badVlan |= !vlanAllowed;
  }
  if (badVlan || (vlanUsed && !vlanAllowed && !hasDefault))
    return c.err(vlanUsed ? "network/vlan" : "network", "network/vlan",
                 fmt::format("<vlan> element specified for network {}, whose type doesn't support vlan configuration",
                             def.name));
  return okStatus();
}

Status checkPortgroups(const NetworkDef& def, const NetChecker& c) {
  const NetPortgroup* dflt = nullptr;
  for (std::size_t i = 0; i < def.portgroups.size(); ++i) {
    const auto& p = def.portgroups[i];
    std::string key = fmt::format("network/portgroup#{}", i);
    if (p.name.empty()) return c.err(key, "network/portgroup/@name", "Missing required name attribute in portgroup");
    if (p.isDefault) {
      if (dflt)
        return c.err(key, "network/portgroup/@default",
                     fmt::format("network '{}' has multiple default <portgroup> elements ({} and {}), but only one "
                                 "default is allowed",
                                 def.name, dflt->name, p.name));
      dflt = &p;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (def.portgroups[j].name == p.name)
        return c.err(key, "network/portgroup/@name",
                     fmt::format("multiple <portgroup> elements with the same name ({}) in network '{}'", p.name,
                                 def.name));
  }
  return okStatus();
}

}  // namespace

Status validateNetworkDef(const NetworkDef& def, const std::string& file, const SourceMap& lines) {
  NetChecker c{file, lines};
  if (auto st = validateNetworkName(def.name); !st) return c.err("network/name", "network/name", st.error().message);
  if (def.title.find('\n') != std::string::npos)
    return c.err("network/title", "network/title", "Network title can't contain newlines");
  STRATUS_TRY(checkForwardMode(def, c));
  STRATUS_TRY(checkBridge(def, c));
  STRATUS_TRY(checkDns(def, c));
  STRATUS_TRY(validateNetworkAddressing(def, file, lines));
  STRATUS_TRY(checkPortgroups(def, c));
  STRATUS_TRY(checkQos(def, c));
  return okStatus();
}

Status validateNetworkName(std::string_view name) {
  // The same rules as domain names (network names become file names too).
  auto st = validateDomainName(name);
  if (st) return st;
  std::string msg = st.error().message;
  if (msg.starts_with("domain name")) msg.replace(0, 6, "network");
  return Error(ErrorCode::XmlInvalid, msg);
}

}  // namespace stratus::conf
