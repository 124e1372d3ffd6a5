// Stage 1: XML text -> NetworkDef. This file handles <network> and its
// single elements (<forward>, <bridge>, <mac>, <route>, ...); the list items
// (<ip>, <dns>, <portgroup>) are in network_parse_items.cpp.
#include <fmt/format.h>

#include <algorithm>

#include "conf/interface.h"
#include "conf/network_address.h"
#include "conf/network_stages.h"

namespace stratus::conf {

namespace {

// Top-level elements libvirt knows that we keep verbatim.
constexpr std::initializer_list<const char*> kKeptTopLevel = {"metadata", "bandwidth", "vlan", "port"};

void finishLeaf(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

// A <nat><port> bound; libvirt's message names the attribute either way.
std::optional<unsigned> natPort(Elem& p, const char* which) {
  auto v = p.attr(which);
  std::uint64_t n = 0;
  if (!v || !parseUInt(trim(*v), n) || n > 65535) return std::nullopt;
  return static_cast<unsigned>(n);
}

std::string natAddress(Elem& a, const char* which, const std::string& net) {
  auto v = a.attr(which);
  if (!v) {
    a.failAttr(which, fmt::format("missing '{}' attribute in <address> element in <nat> in <forward> in network {}",
                                  which, net));
    return {};
  }
  auto ip = parseIp(*v);
  if (ip && !ip->v6) return formatIp(*ip);
  a.failAttr(which, fmt::format("Bad ipv4 {} address '{}' in <nat> in <forward> in network '{}'", which, *v, net));
  return *v;
}

void parseNat(Elem& n, NetworkDef& def) {
  NetForward& fw = def.forward;
  const std::string& net = def.name;
  n.remember("network/forward/nat");
  if (fw.mode != ForwardMode::Nat)
    n.fail(fmt::format("The <nat> element can only be used when <forward> 'mode' is 'nat' in network {}", net));
  if (auto v = n.attrBool("ipv6")) fw.natIpv6 = *v ? "yes" : "no";
  auto addrs = n.children("address");
  if (addrs.size() > 1)
    addrs[1].fail(fmt::format("Only one <address> element is allowed in <nat> in <forward> in network {}", net));
  if (!addrs.empty()) {
    NetRange r;
    r.start = natAddress(addrs[0], "start", net);
    r.end = natAddress(addrs[0], "end", net);
    addrs[0].finish(r.extra);
    fw.natAddress = std::move(r);
  }
  auto ports = n.children("port");
  if (ports.size() > 1)
    ports[1].fail(fmt::format("Only one <port> element is allowed in <nat> in <forward> in network {}", net));
  if (!ports.empty()) {
    Elem& p = ports[0];
    auto start = natPort(p, "start");
    auto end = natPort(p, "end");
    if (!start)
      p.failAttr("start", fmt::format(
                              "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {}", net));
    else if (!end || *end < *start)
      p.failAttr("end", fmt::format("Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {}",
                                    net));
    fw.natPortStart = start.value_or(0);
    fw.natPortEnd = end.value_or(0);
    finishLeaf(p, def.leaf, "forward/nat/port");
  }
  finishLeaf(n, def.leaf, "forward/nat");
}

void parseForward(Elem& f, NetworkDef& def) {
  NetForward& fw = def.forward;
  const std::string& net = def.name;
  f.remember("network/forward");
  if (auto mode = f.attr("mode")) {
    auto m = forwardModeFromName(*mode);
    if (!m) f.failAttr("mode", fmt::format("unknown forwarding type '{}'", *mode));
    fw.mode = m.value_or(ForwardMode::Nat);
  } else {
    fw.mode = ForwardMode::Nat;  // libvirt: a <forward> without mode is NAT
  }
  fw.dev = f.attrOr("dev");
  f.keepAttrs({"managed"});

  auto ifs = f.children("interface");
  for (std::size_t j = 0; j < ifs.size(); ++j) {
    ifs[j].remember(fmt::format("network/forward/interface#{}", j));
    LeafExtras rel;
    std::string dev = parseForwardInterface(ifs[j], net, rel);
    mergeLeaf(def.leaf, fmt::format("forward/interface#{}", j), rel);
    if (!dev.empty() && std::find(fw.interfaces.begin(), fw.interfaces.end(), dev) != fw.interfaces.end())
      ifs[j].failAttr("dev", fmt::format("interface '{}' can only be listed once in network {}", dev, net));
    fw.interfaces.push_back(dev);
  }
  if (!fw.dev.empty() && !fw.interfaces.empty() && fw.interfaces.front() != fw.dev)
    f.failAttr("dev", fmt::format("<forward dev='{}'> must match first <interface dev='{}'/> in network {}", fw.dev,
                                  fw.interfaces.front(), net));
  auto count = [&](const char* name) {
    auto r = f.node().children(name);
    return std::distance(r.begin(), r.end());
  };
  if (!fw.dev.empty() && (count("address") > 0 || count("pf") > 0))
    f.failAttr("dev", fmt::format("the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements "
                                  "are present in network {}",
                                  net));
  if (count("pf") > 1) f.fail(fmt::format("Only one <pf> element is allowed in <forward> of network {}", net));

  auto nats = f.children("nat");
  if (nats.size() > 1) nats[1].fail(fmt::format("Only one <nat> element is allowed in <forward> of network {}", net));
  if (!nats.empty()) parseNat(nats[0], def);
  f.keepChildren({"driver", "address", "pf"});
  f.finish(fw.extra);
}

void parseBridge(Elem& b, NetworkDef& def) {
  b.remember("network/bridge");
  NetBridge& br = def.bridge;
  br.name = b.attrOr("name");
  br.zone = b.attrOr("zone");
  br.stp = b.attrBool("stp", true);
  if (auto d = b.attrUInt("delay", 0xffffffffu)) br.delay = static_cast<unsigned>(*d);
  if (auto m = b.attr("macTableManager")) {
    br.macTableManager = *m;
    if (*m != "kernel" && *m != "libvirt")
      b.failAttr("macTableManager",
                 fmt::format("Invalid macTableManager setting '{}' in network '{}'", *m, def.name));
  }
  b.finish(br.extra);
}

void parseMac(Elem& m, NetworkDef& def) {
  m.remember("network/mac");
  auto a = m.attr("address");
  if (!a) {
    m.failAttr("address", fmt::format("Missing required address attribute in <mac> of network '{}'", def.name));
  } else {
    def.mac = *a;
    if (!normalizeMac(def.mac))
      m.failAttr("address", fmt::format("Invalid bridge mac address '{}' in network '{}'", *a, def.name));
    else if (std::stoul(def.mac.substr(0, 2), nullptr, 16) & 1)
      m.failAttr("address", fmt::format("Invalid multicast bridge mac address '{}' in network '{}'", *a, def.name));
  }
  finishLeaf(m, def.leaf, "mac");
}

NetRoute parseRoute(Elem& r, const std::string& net, LeafExtras& leaf) {
  NetRoute rt;
  auto addr = [&](const char* name, const char* what) {
    auto v = r.attr(name);
    if (!v) return std::string();
    if (auto c = canonicalIp(*v)) return *c;
    r.failAttr(name, fmt::format("Bad {} address '{}' in route definition of network '{}'", what, *v, net));
    return *v;
  };
  if (auto f = r.attr("family")) {
    rt.family = *f;
    if (*f != "ipv4" && *f != "ipv6")
      r.failAttr("family", fmt::format("Unrecognized family '{}' in route definition of network '{}'", *f, net));
  }
  if (!r.hasAttr("address"))
    r.failAttr("address", fmt::format("Missing required address attribute in route definition of network '{}'", net));
  rt.address = addr("address", "network");
  rt.netmask = addr("netmask", "netmask");
  if (auto p = r.attrUInt("prefix", 0xffffffffu)) rt.prefix = static_cast<unsigned>(*p);
  if (!r.hasAttr("gateway"))
    r.failAttr("gateway", fmt::format("Missing required gateway attribute in route definition of network '{}'", net));
  rt.gateway = addr("gateway", "gateway");
  if (auto m = r.attrUInt("metric", 0xffffffffu)) rt.metric = static_cast<unsigned>(*m);
  finishLeaf(r, leaf, "");
  return rt;
}

void parseTopLevel(Elem& top, NetworkDef& def) {
  if (auto n = top.child("name")) {
    n->remember("network/name");
    def.name = n->text();
    finishLeaf(*n, def.leaf, "name");
  } else {
    top.fail("missing <name>");
  }
  const std::string& net = def.name;
  if (auto u = top.child("uuid")) {
    auto p = Uuid::parse(u->text());
    if (!p) u->fail(fmt::format("malformed uuid '{}'", u->text()));
    else def.uuid = *p;
    finishLeaf(*u, def.leaf, "uuid");
  }
  if (auto t = top.child("title")) {
    t->remember("network/title");
    def.title = t->rawText();
    finishLeaf(*t, def.leaf, "title");
  }
  if (auto d = top.child("description")) {
    def.description = d->rawText();
    finishLeaf(*d, def.leaf, "description");
  }
  if (auto f = top.child("forward")) parseForward(*f, def);
  if (auto b = top.child("bridge")) parseBridge(*b, def);
  if (auto m = top.child("mtu")) {
    m->remember("network/mtu");
    auto v = m->attr("size");
    std::uint64_t n = 0;
    if (!v || !parseUInt(trim(*v), n) || n == 0 || n > 0xffffffffu)
      m->failAttr("size", fmt::format("Invalid mtu size '{}' in network '{}'", v.value_or(""), net));
    else
      def.mtu = static_cast<unsigned>(n);
    finishLeaf(*m, def.leaf, "mtu");
  }
  if (auto m = top.child("mac")) parseMac(*m, def);
  if (auto d = top.child("domain")) {
    d->remember("network/domain");
    def.domainName = d->attrOr("name");
    if (auto l = d->attrBool("localOnly")) def.domainLocalOnly = *l ? "yes" : "no";
    finishLeaf(*d, def.leaf, "domain");
  }
  if (auto d = top.child("dns")) {
    d->remember("network/dns");
    LeafExtras rel;
    def.dns = parseDns(*d, net, rel, "network/dns");
    mergeLeaf(def.leaf, "dns", rel);
  }
  auto ips = top.children("ip");
  for (std::size_t i = 0; i < ips.size(); ++i) {
    std::string key = fmt::format("network/ip#{}", i);
    ips[i].remember(key);
    LeafExtras rel;
    def.ips.push_back(parseNetIp(ips[i], net, rel, key));
    mergeLeaf(def.leaf, fmt::format("ip#{}", i), rel);
  }
  auto routes = top.children("route");
  for (std::size_t i = 0; i < routes.size(); ++i) {
    routes[i].remember(fmt::format("network/route#{}", i));
    LeafExtras rel;
    def.routes.push_back(parseRoute(routes[i], net, rel));
    mergeLeaf(def.leaf, fmt::format("route#{}", i), rel);
  }
  if (auto v = top.child("virtualport")) {
    v->remember("network/virtualport");
    def.virtualportType = v->attrEnum("type", {"802.1Qbg", "802.1Qbh", "openvswitch", "midonet"});
    if (!v->hasAttr("type")) v->failAttr("type", "missing required virtualport type");
    v->keepChildren({"parameters"});
    v->finish(def.virtualportExtra);
  }
  auto groups = top.children("portgroup");
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].remember(fmt::format("network/portgroup#{}", i));
    def.portgroups.push_back(parsePortgroup(groups[i], net));
  }
}

}  // namespace

Result<NetworkDef> parseNetworkDocument(std::string_view xml, const std::string& sourceName,
                                        std::vector<Warning>& warnings, SourceMap& lines) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  ParseCtx ctx(xml, sourceName, &warnings);
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "network")
    return Error(ErrorCode::XmlInvalid, fmt::format("expected root element <network>, found <{}>", root.name()),
                 ErrorLocation{sourceName, ctx.lineOf(root), ""});

  NetworkDef def;
  Elem top(ctx, root, "network");
  top.remember("network");
  (void)top.attr("connections");  // live-only; the daemon supplies it when formatting
  if (auto v = top.attrBool("ipv6")) def.ipv6Attr = *v ? "yes" : "no";
  if (auto v = top.attrBool("trustGuestRxFilters")) def.trustGuestRxFilters = *v ? "yes" : "no";
  parseTopLevel(top, def);

  top.keepChildren(kKeptTopLevel);
  for (const char* kept : kKeptTopLevel)  // validate checks where <bandwidth>/<vlan> may appear
    if (auto n = root.child(kept)) ctx.lines()[std::string("network/") + kept] = ctx.lineOf(n);
  Extra extra;
  top.finish(extra);
  def.otherElements = std::move(extra.elements);
  def.otherAttrs = std::move(extra.attrs);

  if (ctx.failed()) return *ctx.error();
  lines = std::move(ctx.lines());
  return def;
}

}  // namespace stratus::conf
