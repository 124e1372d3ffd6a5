// Stage 4: NetworkDef -> canonical XML in libvirt's element and attribute
// order (virNetworkDefFormatBuf), including its quirks that users diff
// against: <ip> and <portgroup> are always written with a closing tag, stp
// and delay are spelled out for the modes that own their bridge.
#include <fmt/format.h>

#include "conf/network_stages.h"

namespace stratus::conf {

namespace {

const std::vector<std::string_view> kTopOrder = {
    "name", "uuid", "title", "description", "metadata", "forward", "bridge", "mtu", "mac", "domain", "dns",
    "vlan", "bandwidth", "port", "ip", "route", "virtualport", "portgroup"};

void formatLease(XmlElement& parent, const std::optional<std::uint64_t>& seconds, const std::string& unit) {
  if (!seconds) return;
  auto& l = parent.add("lease");
  if (*seconds == 0) {
    l.set("expiry", "0");
    return;
  }
  std::string u = unit;
  std::uint64_t per = leaseUnitSeconds(u);
  if (u.empty() || per == 0 || *seconds % per != 0) {  // a model built in code: the largest exact unit
    u = *seconds % 3600 == 0 ? "hours" : *seconds % 60 == 0 ? "minutes" : "seconds";
    per = leaseUnitSeconds(u);
  }
  l.set("expiry", std::to_string(*seconds / per));
  l.set("unit", u);
}

void formatForward(XmlElement& top, const NetworkDef& def) {
  const NetForward& fw = def.forward;
  if (fw.mode == ForwardMode::None) return;
  auto& f = top.add("forward");
  f.setIf("dev", fw.dev.empty() && !fw.interfaces.empty() ? fw.interfaces.front() : fw.dev);
  f.set("mode", std::string(forwardModeName(fw.mode)));
  bool hasNat = fw.natAddress || fw.natPortStart || fw.natPortEnd || !fw.natIpv6.empty() ||
                def.leaf.count("forward/nat") || def.leaf.count("forward/nat/port");
  if (fw.mode == ForwardMode::Nat && hasNat) {
    auto& n = f.add("nat");
    n.setIf("ipv6", fw.natIpv6);
    if (fw.natAddress) {
      auto& a = n.add("address");
      a.setIf("start", fw.natAddress->start);
      a.setIf("end", fw.natAddress->end);
      appendExtra(a, fw.natAddress->extra);
    }
    if (fw.natPortStart || fw.natPortEnd) {
      auto& p = n.add("port");
      p.set("start", std::to_string(fw.natPortStart));
      if (fw.natPortEnd) p.set("end", std::to_string(fw.natPortEnd));
    }
  }
  for (const auto& dev : fw.interfaces) f.add("interface").set("dev", dev);
  appendExtra(f, fw.extra);
  sortChildren(f, {"driver", "nat", "pf", "interface", "address"});
}

void formatBridge(XmlElement& top, const NetworkDef& def) {
  const NetBridge& b = def.bridge;
  bool any = def.needsBridge() || !b.name.empty() || !b.zone.empty() || !b.macTableManager.empty() || b.stp ||
             b.delay || !b.extra.empty();
  if (!any) return;
  auto& x = top.add("bridge");
  x.setIf("name", b.name);
  x.setIf("zone", b.zone);
  if (b.stp) x.set("stp", *b.stp ? "on" : "off");
  if (b.delay) x.set("delay", std::to_string(*b.delay));
  x.setIf("macTableManager", b.macTableManager);
  appendExtra(x, b.extra);
}

void formatDns(XmlElement& top, const NetDns& d) {
  if (d.empty()) return;
  auto& x = top.add("dns");
  if (d.enable) x.set("enable", *d.enable ? "yes" : "no");
  if (d.forwardPlainNames) x.set("forwardPlainNames", *d.forwardPlainNames ? "yes" : "no");
  for (const auto& f : d.forwarders) {
    auto& e = x.add("forwarder");
    e.setIf("domain", f.domain);
    e.setIf("addr", f.addr);
  }
  for (const auto& t : d.txts) {
    auto& e = x.add("txt");
    e.set("name", t.name);
    e.set("value", t.value);
  }
  for (const auto& s : d.srvs) {
    auto& e = x.add("srv");
    e.set("service", s.service);
    e.set("protocol", s.protocol);
    e.setIf("domain", s.domain);
    e.setIf("target", s.target);
    if (s.port) e.set("port", std::to_string(*s.port));
    if (s.priority) e.set("priority", std::to_string(*s.priority));
    if (s.weight) e.set("weight", std::to_string(*s.weight));
    appendExtra(e, s.extra);
  }
  for (const auto& h : d.hosts) {
    auto& e = x.add("host");
    e.expandEmpty = true;
    e.set("ip", h.ip);
    for (const auto& n : h.hostnames) e.add("hostname").text = n;
    appendExtra(e, h.extra);
  }
  appendExtra(x, d.extra);
  sortChildren(x, {"forwarder", "txt", "srv", "host"});
}

void formatDhcp(XmlElement& ipx, const NetIp& ip) {
  bool any = ip.hasDhcp || !ip.ranges.empty() || !ip.hosts.empty() || !ip.bootpFile.empty() ||
             !ip.bootpServer.empty() || !ip.dhcpExtra.empty();
  if (!any) return;
  auto& d = ipx.add("dhcp");
  for (const auto& r : ip.ranges) {
    auto& e = d.add("range");
    e.set("start", r.start);
    e.set("end", r.end);
    formatLease(e, r.leaseSeconds, r.leaseUnit);
    appendExtra(e, r.extra);
  }
  for (const auto& h : ip.hosts) {
    auto& e = d.add("host");
    e.setIf("mac", h.mac);
    e.setIf("id", h.id);
    e.setIf("name", h.name);
    e.setIf("ip", h.ip);
    formatLease(e, h.leaseSeconds, h.leaseUnit);
    appendExtra(e, h.extra);
  }
  if (!ip.bootpFile.empty() || !ip.bootpServer.empty()) {
    auto& b = d.add("bootp");
    b.setIf("file", ip.bootpFile);
    b.setIf("server", ip.bootpServer);
  }
  appendExtra(d, ip.dhcpExtra);
  sortChildren(d, {"range", "host", "bootp"});
}

void formatIp(XmlElement& top, const NetIp& ip) {
  auto& x = top.add("ip");
  x.expandEmpty = true;
  x.setIf("family", ip.family);
  x.setIf("address", ip.address);
  x.setIf("netmask", ip.netmask);
  if (ip.prefix) x.set("prefix", std::to_string(*ip.prefix));
  x.setIf("localPtr", ip.localPtr);
  if (!ip.tftpRoot.empty()) x.add("tftp").set("root", ip.tftpRoot);
  formatDhcp(x, ip);
  appendExtra(x, ip.extra);
  sortChildren(x, {"tftp", "dhcp"});
}

void formatRoute(XmlElement& top, const NetRoute& r) {
  auto& x = top.add("route");
  x.setIf("family", r.family);
  x.setIf("address", r.address);
  x.setIf("netmask", r.netmask);
  if (r.prefix) x.set("prefix", std::to_string(*r.prefix));
  x.setIf("gateway", r.gateway);
  if (r.metric) x.set("metric", std::to_string(*r.metric));
}

void formatVirtualport(XmlElement& parent, const std::string& type, const Extra& extra) {
  if (type.empty() && extra.empty()) return;
  auto& v = parent.add("virtualport");
  v.setIf("type", type);
  appendExtra(v, extra);
}

void formatPortgroup(XmlElement& top, const NetPortgroup& p) {
  auto& x = top.add("portgroup");
  x.expandEmpty = true;
  x.set("name", p.name);
  if (p.isDefault) x.set("default", "yes");
  formatVirtualport(x, p.virtualportType, p.virtualportExtra);
  appendExtra(x, p.extra);
  sortChildren(x, {"vlan", "virtualport", "bandwidth"});
}

}  // namespace

std::string formatNetworkXml(const NetworkDef& def, const NetworkFormatOptions& opts) {
  XmlElement top("network");
  // libvirt writes namespace declarations first, then its own attributes.
  for (const auto& [k, v] : def.otherAttrs)
    if (k.starts_with("xmlns")) top.set(k, v);
  if (opts.connections && *opts.connections > 0 && !opts.inactive)
    top.set("connections", std::to_string(*opts.connections));
  if (def.ipv6Attr == "yes") top.set("ipv6", "yes");  // "no" is the default; libvirt drops it
  top.setIf("trustGuestRxFilters", def.trustGuestRxFilters);
  for (const auto& [k, v] : def.otherAttrs)
    if (!k.starts_with("xmlns")) top.set(k, v);

  top.add("name").text = def.name;
  top.add("uuid").text = def.uuid.str();
  if (!def.title.empty()) top.add("title").text = def.title;
  if (!def.description.empty()) top.add("description").text = def.description;
  formatForward(top, def);
  formatBridge(top, def);
  if (def.mtu) top.add("mtu").set("size", std::to_string(*def.mtu));
  if (!def.mac.empty()) top.add("mac").set("address", def.mac);
  if (!def.domainName.empty() || !def.domainLocalOnly.empty() || def.leaf.count("domain")) {
    auto& d = top.add("domain");
    d.setIf("name", def.domainName);
    d.setIf("localOnly", def.domainLocalOnly);
  }
  formatDns(top, def.dns);
  for (const auto& ip : def.ips) formatIp(top, ip);
  for (const auto& r : def.routes) formatRoute(top, r);
  formatVirtualport(top, def.virtualportType, def.virtualportExtra);
  for (const auto& p : def.portgroups) formatPortgroup(top, p);
  for (const auto& e : def.otherElements) top.append(e);
  applyLeafExtras(top, def.leaf);
  sortChildren(top, kTopOrder);
  return serializeXml(top);
}

}  // namespace stratus::conf
