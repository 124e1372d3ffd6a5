// net-update: parse the fragment with the document parser's item functions,
// change a copy of the definition, validate the copy, then commit it, so a
// failed update never leaves a half-changed network behind.
#include "conf/network_update.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "conf/network_address.h"
#include "conf/network_stages.h"

namespace stratus::conf {

namespace {

enum class Command { AddFirst, AddLast, Delete, Modify };

Error opInvalid(std::string msg) { return Error(ErrorCode::OperationInvalid, std::move(msg)); }
Error unsupported(std::string msg) { return Error(ErrorCode::Unsupported, std::move(msg)); }

// The parsed fragment and the context its errors came from.
struct Fragment {
  ParseCtx& ctx;
  Elem& elem;
  const std::string& net;
  Status status() const { return ctx.failed() ? Status(*ctx.error()) : okStatus(); }
};

bool isAdd(Command c) { return c == Command::AddFirst || c == Command::AddLast; }

// Inserts `item` at the front or the back; returns its index.
template <class T>
std::size_t insertItem(std::vector<T>& list, T item, Command c) {
  std::size_t at = c == Command::AddFirst ? 0 : list.size();
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(at), std::move(item));
  return at;
}

// ---- which <ip> an ip-dhcp-* update works on ----

// libvirt's choice for parentIndex -1 when nothing better is known.
std::optional<std::size_t> defaultIp(const NetworkDef& def) {
  for (std::size_t i = 0; i < def.ips.size(); ++i)
    if (!def.ips[i].ranges.empty() || !def.ips[i].hosts.empty()) return i;
  for (std::size_t i = 0; i < def.ips.size(); ++i)
    if (!def.ips[i].isV6()) return i;
  if (!def.ips.empty()) return 0;
  return std::nullopt;
}

Result<std::size_t> pickIp(const NetworkDef& def, int parentIndex, const std::string& address, const char* what,
                           const std::function<bool(const NetIp&)>& holdsMatch) {
  if (parentIndex >= 0) {
    if (static_cast<std::size_t>(parentIndex) >= def.ips.size())
      return opInvalid(fmt::format("couldn't update {} - no <ip> element found at index {} in network '{}'", what,
                                   parentIndex, def.name));
    return static_cast<std::size_t>(parentIndex);
  }
  if (auto a = parseIp(address)) {
    for (std::size_t i = 0; i < def.ips.size(); ++i) {
      auto net = parseIp(def.ips[i].address);
      if (net && inSubnet(*a, *net, def.ips[i].prefixLength())) return i;
    }
  } else if (holdsMatch) {
    for (std::size_t i = 0; i < def.ips.size(); ++i)
      if (holdsMatch(def.ips[i])) return i;
  }
  if (auto i = defaultIp(def)) return *i;
  return opInvalid(fmt::format("couldn't update {} - no <ip> element found in network '{}'", what, def.name));
}

Status sameFamily(const NetIp& ip, const std::string& address, const char* what) {
  auto a = parseIp(address);
  auto net = parseIp(ip.address);
  if (a && net && a->v6 != net->v6)
    return opInvalid(fmt::format("the address family of a {} must match the address family of the dhcp element's "
                                 "parent",
                                 what));
  return okStatus();
}

// libvirt allows DHCP on one <ip> per family.
Status checkMultiDhcp(const NetworkDef& def, std::size_t idx) {
  bool v6 = def.ips[idx].isV6();
  for (std::size_t i = 0; i < def.ips.size(); ++i)
    if (i != idx && def.ips[i].isV6() == v6 && (!def.ips[i].ranges.empty() || !def.ips[i].hosts.empty()))
      return opInvalid(
          fmt::format("dhcp is supported only for a single {} address on each network", v6 ? "IPv6" : "IPv4"));
  return okStatus();
}

// ---- sections ----

Status updateDhcpHost(NetworkDef& def, Command cmd, int parentIndex, Fragment f) {
  LeafExtras rel;
  DhcpHost h = parseDhcpHost(f.elem, f.net, cmd == Command::Delete, rel);
  STRATUS_TRY(f.status());
  auto matchesAny = [&](const DhcpHost& o) {
    return (!h.mac.empty() && h.mac == o.mac) || (!h.name.empty() && h.name == o.name) ||
           (!h.ip.empty() && h.ip == o.ip);
  };
  // A delete template matches when every attribute it gives matches.
  auto matchesAll = [&](const DhcpHost& o) {
    return (h.mac.empty() || o.mac.empty() || h.mac == o.mac) && (h.name.empty() || h.name == o.name) &&
           (h.ip.empty() || h.ip == o.ip);
  };
  auto holds = [&](const NetIp& ip) {
    if (cmd == Command::Delete) return std::any_of(ip.hosts.begin(), ip.hosts.end(), matchesAll);
    return std::any_of(ip.hosts.begin(), ip.hosts.end(), matchesAny);
  };
  auto idx = pickIp(def, parentIndex, h.ip, "dhcp host entry", holds);
  if (!idx) return std::move(idx).error();
  NetIp& ip = def.ips[*idx];
  const std::string listKey = fmt::format("ip#{}/dhcp/host", *idx);
  if (cmd != Command::Delete) STRATUS_TRY(sameFamily(ip, h.ip, "host entry IP"));
  auto show = [&](const std::string& v) { return v.empty() ? std::string("unknown") : v; };

  if (cmd == Command::Modify) {
    auto it = std::find_if(ip.hosts.begin(), ip.hosts.end(), matchesAny);
    if (it == ip.hosts.end())
      return opInvalid(fmt::format(
          "couldn't locate an existing dhcp host entry with \"mac='{}'\" \"name='{}'\" \"ip='{}'\" in network '{}'",
          show(h.mac), h.name, show(h.ip), def.name));
    std::size_t i = static_cast<std::size_t>(it - ip.hosts.begin());
    *it = std::move(h);
    shiftLeaf(def.leaf, listKey, i, -1);
    shiftLeaf(def.leaf, listKey, i, +1);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, i), rel);
  } else if (isAdd(cmd)) {
    STRATUS_TRY(checkMultiDhcp(def, *idx));
    if (std::any_of(ip.hosts.begin(), ip.hosts.end(), matchesAny))
      return opInvalid(fmt::format(
          "there is an existing dhcp host entry in network '{}' that matches \"<host mac='{}' name='{}' ip='{}'/>\"",
          def.name, show(h.mac), h.name, show(h.ip)));
    std::size_t at = cmd == Command::AddFirst ? 0 : ip.hosts.size();
    shiftLeaf(def.leaf, listKey, at, +1);
    insertItem(ip.hosts, std::move(h), cmd);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, at), rel);
    ip.hasDhcp = true;
  } else {
    auto it = std::find_if(ip.hosts.begin(), ip.hosts.end(), matchesAll);
    if (it == ip.hosts.end())
      return opInvalid(fmt::format("couldn't locate a matching dhcp host entry in network '{}'", def.name));
    std::size_t i = static_cast<std::size_t>(it - ip.hosts.begin());
    ip.hosts.erase(it);
    shiftLeaf(def.leaf, listKey, i, -1);
  }
  return okStatus();
}

Status updateDhcpRange(NetworkDef& def, Command cmd, int parentIndex, Fragment f) {
  if (cmd == Command::Modify) return unsupported("dhcp ranges cannot be modified, only added or deleted");
  LeafExtras rel;
  NetRange r = parseDhcpRange(f.elem, f.net, rel);
  STRATUS_TRY(f.status());
  auto idx = pickIp(def, parentIndex, r.start, "dhcp range entry", nullptr);
  if (!idx) return std::move(idx).error();
  NetIp& ip = def.ips[*idx];
  const std::string listKey = fmt::format("ip#{}/dhcp/range", *idx);
  STRATUS_TRY(sameFamily(ip, r.start, "dhcp range"));
  auto it = std::find_if(ip.ranges.begin(), ip.ranges.end(),
                         [&](const NetRange& o) { return o.start == r.start && o.end == r.end; });
  if (isAdd(cmd)) {
    STRATUS_TRY(checkMultiDhcp(def, *idx));
    if (it != ip.ranges.end())
      return opInvalid(fmt::format(
          "there is an existing dhcp range entry in network '{}' that matches \"<range start='{}' end='{}'/>\"",
          def.name, r.start, r.end));
    std::size_t at = cmd == Command::AddFirst ? 0 : ip.ranges.size();
    shiftLeaf(def.leaf, listKey, at, +1);
    insertItem(ip.ranges, std::move(r), cmd);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, at), rel);
    ip.hasDhcp = true;
  } else {
    if (it == ip.ranges.end())
      return opInvalid(fmt::format("couldn't locate a matching dhcp range entry in network '{}'", def.name));
    std::size_t i = static_cast<std::size_t>(it - ip.ranges.begin());
    ip.ranges.erase(it);
    shiftLeaf(def.leaf, listKey, i, -1);
  }
  return okStatus();
}

Status updateForwardInterface(NetworkDef& def, Command cmd, Fragment f) {
  if (cmd == Command::Modify)
    return unsupported("forward interface entries cannot be modified, only added or deleted");
  LeafExtras rel;
  std::string dev = parseForwardInterface(f.elem, f.net, rel);
  STRATUS_TRY(f.status());
  auto& ifs = def.forward.interfaces;
  auto it = std::find(ifs.begin(), ifs.end(), dev);
  const std::string listKey = "forward/interface";
  if (isAdd(cmd)) {
    if (it != ifs.end())
      return opInvalid(fmt::format(
          "there is an existing interface entry in network '{}' that matches \"<interface dev='{}'>\"", def.name, dev));
    std::size_t at = cmd == Command::AddFirst ? 0 : ifs.size();
    shiftLeaf(def.leaf, listKey, at, +1);
    insertItem(ifs, dev, cmd);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, at), rel);
  } else {
    if (it == ifs.end())
      return opInvalid(fmt::format("couldn't find an interface entry in network '{}' matching <interface dev='{}'>",
                                   def.name, dev));
    std::size_t i = static_cast<std::size_t>(it - ifs.begin());
    ifs.erase(it);
    shiftLeaf(def.leaf, listKey, i, -1);
  }
  // <forward dev> is the pool's first entry (see fillNetworkDefaults).
  def.forward.dev = ifs.empty() ? std::string() : ifs.front();
  return okStatus();
}

Status updatePortgroup(NetworkDef& def, Command cmd, Fragment f) {
  NetPortgroup p = parsePortgroup(f.elem, f.net);
  STRATUS_TRY(f.status());
  auto& groups = def.portgroups;
  auto named = std::find_if(groups.begin(), groups.end(), [&](const NetPortgroup& o) { return o.name == p.name; });
  auto dflt = std::find_if(groups.begin(), groups.end(), [](const NetPortgroup& o) { return o.isDefault; });
  if (named == groups.end() && !isAdd(cmd))
    return opInvalid(fmt::format("couldn't find a portgroup entry in network '{}' matching <portgroup name='{}'>",
                                 def.name, p.name));
  if (named != groups.end() && isAdd(cmd))
    return opInvalid(fmt::format(
        "there is an existing portgroup entry in network '{}' that matches \"<portgroup name='{}'>\"", def.name,
        p.name));
  if (cmd != Command::Delete && p.isDefault && dflt != groups.end() && dflt != named)
    return opInvalid(fmt::format(
        "a different portgroup entry in network '{}' is already set as the default. Only one default is allowed.",
        def.name));
  if (cmd == Command::Modify) *named = std::move(p);
  else if (isAdd(cmd)) insertItem(groups, std::move(p), cmd);
  else groups.erase(named);
  return okStatus();
}

Status updateDnsHost(NetworkDef& def, Command cmd, Fragment f) {
  if (cmd == Command::Modify) return unsupported("DNS HOST records cannot be modified, only added or deleted");
  LeafExtras rel;
  DnsHost h = parseDnsHost(f.elem, f.net, !isAdd(cmd), rel);
  STRATUS_TRY(f.status());
  auto& hosts = def.dns.hosts;
  // Adding checks the address only: one name on several addresses is a
  // legitimate configuration. Deleting matches the address or any name.
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    bool match = !h.ip.empty() && h.ip == hosts[i].ip;
    if (!isAdd(cmd))
      for (const auto& n : h.hostnames)
        match |= std::find(hosts[i].hostnames.begin(), hosts[i].hostnames.end(), n) != hosts[i].hostnames.end();
    if (match) found.push_back(i);
  }
  const std::string listKey = "dns/host";
  if (isAdd(cmd)) {
    if (!found.empty())
      return opInvalid(fmt::format(
          "there is already at least one DNS HOST record with a matching field in network {}", def.name));
    std::size_t at = cmd == Command::AddFirst ? 0 : hosts.size();
    shiftLeaf(def.leaf, listKey, at, +1);
    insertItem(hosts, std::move(h), cmd);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, at), rel);
  } else {
    if (found.empty()) return opInvalid(fmt::format("couldn't locate a matching DNS HOST record in network {}", def.name));
    if (found.size() > 1)
      return opInvalid(fmt::format("multiple matching DNS HOST records were found in network {}", def.name));
    hosts.erase(hosts.begin() + static_cast<std::ptrdiff_t>(found[0]));
    shiftLeaf(def.leaf, listKey, found[0], -1);
  }
  return okStatus();
}

Status updateDnsTxt(NetworkDef& def, Command cmd, Fragment f) {
  if (cmd == Command::Modify) return unsupported("DNS TXT records cannot be modified, only added or deleted");
  LeafExtras rel;
  DnsTxt t = parseDnsTxt(f.elem, f.net, !isAdd(cmd), rel);
  STRATUS_TRY(f.status());
  auto& txts = def.dns.txts;
  auto it = std::find_if(txts.begin(), txts.end(), [&](const DnsTxt& o) { return o.name == t.name; });
  const std::string listKey = "dns/txt";
  if (isAdd(cmd)) {
    if (it != txts.end())
      return opInvalid(fmt::format("there is already a DNS TXT record with name '{}' in network {}", t.name, def.name));
    std::size_t at = cmd == Command::AddFirst ? 0 : txts.size();
    shiftLeaf(def.leaf, listKey, at, +1);
    insertItem(txts, std::move(t), cmd);
    mergeLeaf(def.leaf, fmt::format("{}#{}", listKey, at), rel);
  } else {
    if (it == txts.end()) return opInvalid(fmt::format("couldn't locate a matching DNS TXT record in network {}", def.name));
    std::size_t i = static_cast<std::size_t>(it - txts.begin());
    txts.erase(it);
    shiftLeaf(def.leaf, listKey, i, -1);
  }
  return okStatus();
}

Status updateDnsSrv(NetworkDef& def, Command cmd, Fragment f) {
  if (cmd == Command::Modify) return unsupported("DNS SRV records cannot be modified, only added or deleted");
  DnsSrv s = parseDnsSrv(f.elem, f.net, !isAdd(cmd));
  STRATUS_TRY(f.status());
  auto& srvs = def.dns.srvs;
  auto eq = [](const std::string& want, const std::string& have) { return want.empty() || want == have; };
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < srvs.size(); ++i)
    if (eq(s.domain, srvs[i].domain) && eq(s.service, srvs[i].service) && eq(s.protocol, srvs[i].protocol) &&
        eq(s.target, srvs[i].target))
      found.push_back(i);
  if (isAdd(cmd)) {
    if (!found.empty())
      return opInvalid(fmt::format(
          "there is already at least one DNS SRV record matching all specified fields in network {}", def.name));
    insertItem(srvs, std::move(s), cmd);
  } else {
    if (found.empty()) return opInvalid(fmt::format("couldn't locate a matching DNS SRV record in network {}", def.name));
    if (found.size() > 1)
      return opInvalid(fmt::format("multiple DNS SRV records matching all specified fields were found in network {}",
                                   def.name));
    srvs.erase(srvs.begin() + static_cast<std::ptrdiff_t>(found[0]));
  }
  return okStatus();
}

std::optional<Command> commandFromName(std::string_view name) {
  if (name == "add" || name == "add-last") return Command::AddLast;
  if (name == "add-first") return Command::AddFirst;
  if (name == "delete") return Command::Delete;
  if (name == "modify") return Command::Modify;
  return std::nullopt;
}

// The element each section holds.
const char* sectionElement(std::string_view section) {
  if (section == "ip-dhcp-host" || section == "dns-host") return "host";
  if (section == "ip-dhcp-range") return "range";
  if (section == "dns-txt") return "txt";
  if (section == "dns-srv") return "srv";
  if (section == "portgroup") return "portgroup";
  if (section == "forward-interface") return "interface";
  return nullptr;
}

}  // namespace

Status applyNetworkUpdate(NetworkDef& def, std::string_view command, std::string_view section, std::string_view xml,
                          int parentIndex, const std::string& sourceName) {
  auto cmd = commandFromName(command);
  if (!cmd) return Error(ErrorCode::InvalidArgument, fmt::format("unrecognized command name '{}'", command));
  const char* element = sectionElement(section);
  if (!element) {
    // Sections libvirt names but cannot update either.
    if (section == "bridge" || section == "domain" || section == "ip" || section == "forward" ||
        section == "forward-pf")
      return unsupported(fmt::format("can't update '{}' section of network '{}'",
                                     section == "forward-pf" ? "forward pf" : section, def.name));
    return Error(ErrorCode::InvalidArgument, fmt::format("unrecognized section name '{}'", section));
  }

  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  auto root = doc.document_element();
  for (auto n = root.next_sibling(); n; n = n.next_sibling())
    if (n.type() == pugi::node_element)
      return Error(ErrorCode::XmlSyntax,
                   fmt::format("extra content after the <{}> element: net-update takes one element", root.name()),
                   ErrorLocation{sourceName, ParseCtx(xml, sourceName, nullptr).lineOf(n), ""});
  if (std::string_view(root.name()) != element)
    return Error(ErrorCode::XmlInvalid,
                 fmt::format("unexpected element <{}>, expecting <{}>, while updating network '{}'", root.name(),
                             element, def.name),
                 ErrorLocation{sourceName, 0, ""});
  std::vector<Warning> warnings;  // unknown attributes are kept verbatim; net-update has no channel for warnings
  ParseCtx ctx(xml, sourceName, &warnings);
  Elem elem(ctx, root, element);
  NetworkDef next = def;
  Fragment f{ctx, elem, def.name};

  Status st;
  if (section == "ip-dhcp-host") st = updateDhcpHost(next, *cmd, parentIndex, f);
  else if (section == "ip-dhcp-range") st = updateDhcpRange(next, *cmd, parentIndex, f);
  else if (section == "forward-interface") st = updateForwardInterface(next, *cmd, f);
  else if (section == "portgroup") st = updatePortgroup(next, *cmd, f);
  else if (section == "dns-host") st = updateDnsHost(next, *cmd, f);
  else if (section == "dns-txt") st = updateDnsTxt(next, *cmd, f);
  else st = updateDnsSrv(next, *cmd, f);
  STRATUS_TRY(std::move(st));
  STRATUS_TRY(validateNetworkDef(next, sourceName, {}));
  def = std::move(next);
  return okStatus();
}

}  // namespace stratus::conf
