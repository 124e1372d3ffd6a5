// Stage 1, the list items: <ip> with its <dhcp>, <dns> records, <portgroup>
// and <forward><interface>. net-update parses its fragments with these same
// functions, so an entry added by net-update is checked like one in a file.
// Messages follow libvirt's wording so users can search for them.
#include <fmt/format.h>

#include <cctype>

#include "conf/interface.h"
#include "conf/network_address.h"
#include "conf/network_stages.h"

namespace stratus::conf {

namespace {

// What a list item's sub-element carried beyond the model, under `key`.
void finishLeaf(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

// An address attribute in canonical form; the text as written (after an
// error) when it is not an address.
std::string addressAttr(Elem& e, const char* name, const std::string& invalidMessage) {
  auto v = e.attr(name);
  if (!v) return {};
  if (auto c = canonicalIp(*v)) return *c;
  e.failAttr(name, invalidMessage);
  return *v;
}

bool asciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80; }

void parseLease(Elem& parent, std::optional<std::uint64_t>& seconds, std::string& unit, LeafExtras& leaf) {
  auto l = parent.child("lease");
  if (!l) return;
  if (!l->hasAttr("expiry")) l->failAttr("expiry", "missing 'expiry' attribute in <lease>");
  auto expiry = l->attrUInt("expiry");
  std::string u = l->attrEnum("unit", {"seconds", "minutes", "hours"});
  if (u.empty()) u = "minutes";
  std::uint64_t per = leaseUnitSeconds(u);
  if (expiry && per) {
    if (*expiry > UINT64_MAX / per) {
      l->failAttr("expiry", fmt::format("lease time {} {} is too long", *expiry, u));
    } else if (*expiry > 0 && *expiry * per < 120) {
      // dnsmasq's floor; 0 stands for an infinite lease.
      l->fail("The minimum lease time should be greater than 2 minutes");
    } else {
      seconds = *expiry * per;
      unit = u;
    }
  }
  finishLeaf(*l, leaf, "lease");
}

std::string rangeAddress(Elem& e, const char* which, const std::string& net) {
  if (!e.hasAttr(which)) {
    e.failAttr(which, fmt::format("Missing '{}' attribute in dhcp range for network '{}'", which, net));
    return {};
  }
  return addressAttr(e, which,
                     fmt::format("Invalid {} address '{}' in dhcp range of network '{}'", which,
                                 e.node().attribute(which).value(), net));
}

// Optional 16-bit SRV field; libvirt allows it only with a target.
std::optional<unsigned> srvField(Elem& e, const char* name, const DnsSrv& s, bool hasTarget, const std::string& net,
                                 unsigned min, const char* invalidWord) {
  auto v = e.attr(name);
  if (!v) return std::nullopt;
  if (!hasTarget) {
    e.failAttr(name, fmt::format("DNS SRV {} attribute not permitted without target for service '{}' in network '{}'",
                                 name, s.service, net));
    return std::nullopt;
  }
  std::uint64_t n = 0;
  if (!parseUInt(trim(*v), n) || n < min || n > 65535) {
    e.failAttr(name, fmt::format("{} DNS SRV {} attribute for service '{}' in network '{}'", invalidWord, name,
                                 s.service, net));
    return std::nullopt;
  }
  return static_cast<unsigned>(n);
}

constexpr std::string_view kAlnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

}  // namespace

NetRange parseDhcpRange(Elem& e, const std::string& net, LeafExtras& leaf) {
  NetRange r;
  r.start = rangeAddress(e, "start", net);
  r.end = rangeAddress(e, "end", net);
  parseLease(e, r.leaseSeconds, r.leaseUnit, leaf);
  e.finish(r.extra);
  return r;
}

DhcpHost parseDhcpHost(Elem& e, const std::string& net, bool partial, LeafExtras& leaf) {
  DhcpHost h;
  bool hasMac = e.hasAttr("mac"), hasName = e.hasAttr("name"), hasIp = e.hasAttr("ip");
  if (auto mac = e.attr("mac")) {
    h.mac = *mac;
    if (!normalizeMac(h.mac))
      e.failAttr("mac", fmt::format("Cannot parse MAC address '{}' in network '{}'", *mac, net));
    else if (std::stoul(h.mac.substr(0, 2), nullptr, 16) & 1)
      e.failAttr("mac", fmt::format("expected unicast mac address, found multicast '{}' in network '{}'", *mac, net));
  }
  if (auto id = e.attr("id")) {
    h.id = *id;
    auto bad = id->find_first_not_of("0123456789abcdefABCDEF:");
    if (bad != std::string::npos)
      e.failAttr("id", fmt::format("Invalid character '{}' in id '{}' of network '{}'", (*id)[bad], *id, net));
  }
  if (auto name = e.attr("name")) {
    h.name = *name;
    if (name->empty() || !asciiAlnum(name->front()))
      e.failAttr("name", fmt::format("Cannot use host name '{}' in network '{}'", *name, net));
  }
  h.ip = addressAttr(e, "ip", fmt::format("Invalid IP address in static host definition for network '{}'", net));
  if (partial) {
    if (!hasMac && !hasName && !hasIp)
      e.fail(fmt::format(
          "At least one of name, mac, or ip attribute must be specified for static host definition in network '{}'",
          net));
  } else if (!hasIp) {
    e.fail(fmt::format("Missing IP address in static host definition for network '{}'", net));
  }
  parseLease(e, h.leaseSeconds, h.leaseUnit, leaf);
  e.finish(h.extra);
  return h;
}

NetIp parseNetIp(Elem& e, const std::string& net, LeafExtras& leaf, const std::string& lineKey) {
  NetIp ip;
  if (auto f = e.attr("family")) {
    ip.family = *f;
    if (*f != "ipv4" && *f != "ipv6")
      e.failAttr("family", fmt::format("Unrecognized family '{}' in network '{}'", *f, net));
  }
  if (!e.hasAttr("address"))
    e.failAttr("address", fmt::format("Missing required address attribute in network '{}'", net));
  ip.address = addressAttr(e, "address",
                           fmt::format("Invalid address '{}' in network '{}'", e.node().attribute("address").value(), net));
  ip.netmask = addressAttr(e, "netmask",
                           fmt::format("Invalid netmask '{}' in network '{}'", e.node().attribute("netmask").value(), net));
  if (auto p = e.attrUInt("prefix", 0xffffffffu)) ip.prefix = static_cast<unsigned>(*p);
  if (auto l = e.attrBool("localPtr")) ip.localPtr = *l ? "yes" : "no";

  if (auto t = e.child("tftp")) {
    t->remember(lineKey + "/tftp");
    auto root = t->attr("root");
    if (!root || root->empty())
      t->failAttr("root", fmt::format("Missing required root attribute in <tftp> of network '{}'", net));
    else
      ip.tftpRoot = *root;
    finishLeaf(*t, leaf, "tftp");
  }
  if (auto d = e.child("dhcp")) {
    ip.hasDhcp = true;
    auto ranges = d->children("range");
    for (std::size_t j = 0; j < ranges.size(); ++j) {
      ranges[j].remember(fmt::format("{}/dhcp/range#{}", lineKey, j));
      LeafExtras rel;
      ip.ranges.push_back(parseDhcpRange(ranges[j], net, rel));
      mergeLeaf(leaf, fmt::format("dhcp/range#{}", j), rel);
    }
    auto hosts = d->children("host");
    for (std::size_t j = 0; j < hosts.size(); ++j) {
      hosts[j].remember(fmt::format("{}/dhcp/host#{}", lineKey, j));
      LeafExtras rel;
      ip.hosts.push_back(parseDhcpHost(hosts[j], net, false, rel));
      mergeLeaf(leaf, fmt::format("dhcp/host#{}", j), rel);
    }
    if (auto b = d->child("bootp")) {
      b->remember(lineKey + "/dhcp/bootp");
      auto file = b->attr("file");
      if (!file || file->empty())
        b->failAttr("file", fmt::format("Missing required file attribute in <bootp> of network '{}'", net));
      else
        ip.bootpFile = *file;
      ip.bootpServer = addressAttr(*b, "server",
                                   fmt::format("Invalid bootp server address '{}' in network '{}'",
                                               b->node().attribute("server").value(), net));
      finishLeaf(*b, leaf, "dhcp/bootp");
    }
    d->finish(ip.dhcpExtra);
  }
  e.finish(ip.extra);
  return ip;
}

DnsHost parseDnsHost(Elem& e, const std::string& net, bool partial, LeafExtras& leaf) {
  DnsHost h;
  auto names = e.children("hostname");
  for (std::size_t j = 0; j < names.size(); ++j) {
    std::string t = names[j].text();
    if (t.empty()) names[j].fail(fmt::format("Missing hostname in network '{}' DNS HOST record", net));
    h.hostnames.push_back(t);
    finishLeaf(names[j], leaf, fmt::format("hostname#{}", j));
  }
  if (names.empty() && !partial) e.fail(fmt::format("Missing hostname in network '{}' DNS HOST record", net));
  if (e.hasAttr("ip")) {
    h.ip = addressAttr(e, "ip", fmt::format("Invalid IP address in network '{}' DNS HOST record", net));
  } else if (!partial) {
    e.fail(fmt::format("Missing IP address in network '{}' DNS HOST record", net));
  } else if (names.empty()) {
    e.fail(fmt::format("Missing ip and hostname in network '{}' DNS HOST record", net));
  }
  e.finish(h.extra);
  return h;
}

DnsTxt parseDnsTxt(Elem& e, const std::string& net, bool partial, LeafExtras& leaf) {
  DnsTxt t;
  auto name = e.attr("name");
  if (!name || name->empty()) {
    e.failAttr("name", fmt::format("missing required name attribute in DNS TXT record of network {}", net));
  } else {
    t.name = *name;
    if (name->find_first_of(" ,") != std::string::npos)
      e.failAttr("name", fmt::format("prohibited character in DNS TXT record name '{}' of network {}", *name, net));
  }
  if (auto value = e.attr("value")) t.value = *value;
  else if (!partial)
    e.failAttr("value", fmt::format("missing required value attribute in DNS TXT record named '{}' of network {}",
                                    t.name, net));
  finishLeaf(e, leaf, "");
  return t;
}

DnsSrv parseDnsSrv(Elem& e, const std::string& net, bool partial) {
  DnsSrv s;
  const std::string serviceChars = std::string(kAlnum) + "_-+/*";
  const std::string protocolChars = std::string(kAlnum) + "-+/";
  if (auto service = e.attr("service")) {
    s.service = *service;
    if (service->find_first_not_of(serviceChars) != std::string::npos)
      e.failAttr("service", fmt::format("invalid character in service attribute '{}' in DNS SRV record of network '{}'",
                                        *service, net));
  } else if (!partial) {
    e.failAttr("service",
               fmt::format("missing required service attribute in DNS SRV record of network '{}'", net));
  }
  if (auto protocol = e.attr("protocol")) {
    s.protocol = *protocol;
    if (protocol->find_first_not_of(protocolChars) != std::string::npos)
      e.failAttr("protocol", fmt::format("invalid character in protocol attribute '{}' in DNS SRV record of network '{}'",
                                         *protocol, net));
  } else if (!partial) {
    e.failAttr("protocol", fmt::format("missing required protocol attribute in DNS SRV record '{}' of network '{}'",
                                       s.service, net));
  }
  s.domain = e.attrOr("domain");
  bool hasTarget = e.hasAttr("target");
  s.target = e.attrOr("target");
  s.port = srvField(e, "port", s, hasTarget, net, 1, "invalid");
  s.priority = srvField(e, "priority", s, hasTarget, net, 0, "Invalid");
  s.weight = srvField(e, "weight", s, hasTarget, net, 0, "invalid");
  e.finish(s.extra);
  return s;
}

NetDns parseDns(Elem& e, const std::string& net, LeafExtras& leaf, const std::string& lineKey) {
  NetDns d;
  d.enable = e.attrBool("enable");
  d.forwardPlainNames = e.attrBool("forwardPlainNames");
  auto fwds = e.children("forwarder");
  for (std::size_t j = 0; j < fwds.size(); ++j) {
    Elem& f = fwds[j];
    f.remember(fmt::format("{}/forwarder#{}", lineKey, j));
    DnsForwarder fw;
    fw.addr = addressAttr(f, "addr", fmt::format("Invalid forwarder IP address '{}' in network '{}'",
                                                 f.node().attribute("addr").value(), net));
    fw.domain = f.attrOr("domain");
    if (!f.hasAttr("addr") && !f.hasAttr("domain"))
      f.fail("Invalid forwarder element, must contain at least one of addr or domain");
    finishLeaf(f, leaf, fmt::format("forwarder#{}", j));
    d.forwarders.push_back(std::move(fw));
  }
  auto hosts = e.children("host");
  for (std::size_t j = 0; j < hosts.size(); ++j) {
    hosts[j].remember(fmt::format("{}/host#{}", lineKey, j));
    LeafExtras rel;
    d.hosts.push_back(parseDnsHost(hosts[j], net, false, rel));
    mergeLeaf(leaf, fmt::format("host#{}", j), rel);
  }
  auto srvs = e.children("srv");
  for (std::size_t j = 0; j < srvs.size(); ++j) {
    srvs[j].remember(fmt::format("{}/srv#{}", lineKey, j));
    d.srvs.push_back(parseDnsSrv(srvs[j], net, false));
  }
  auto txts = e.children("txt");
  for (std::size_t j = 0; j < txts.size(); ++j) {
    txts[j].remember(fmt::format("{}/txt#{}", lineKey, j));
    LeafExtras rel;
    d.txts.push_back(parseDnsTxt(txts[j], net, false, rel));
    mergeLeaf(leaf, fmt::format("txt#{}", j), rel);
  }
  e.finish(d.extra);
  return d;
}

NetPortgroup parsePortgroup(Elem& e, const std::string& net) {
  (void)net;  // libvirt's message does not name the network
  NetPortgroup p;
  auto name = e.attr("name");
  if (!name || name->empty()) e.failAttr("name", "Missing required name attribute in portgroup");
  else p.name = *name;
  p.isDefault = e.attrBool("default").value_or(false);
  e.keepAttrs({"trustGuestRxFilters"});
  if (auto v = e.child("virtualport")) {
    p.virtualportType = v->attrOr("type");
    v->keepChildren({"parameters"});
    v->finish(p.virtualportExtra);
  }
  e.keepChildren({"vlan", "bandwidth"});
  e.finish(p.extra);
  return p;
}

std::string parseForwardInterface(Elem& e, const std::string& net, LeafExtras& leaf) {
  auto dev = e.attr("dev");
  if (!dev || dev->empty())
    e.failAttr("dev",
               fmt::format("Missing required dev attribute in <forward> <interface> element of network {}", net));
  (void)e.attr("connections");  // live-only: the daemon reports it
  finishLeaf(e, leaf, "");
  return dev.value_or("");
}

}  // namespace stratus::conf
