// The network-only parts of a disk's <source> (protocol options libvirt
// models for nbd, iscsi, rbd, gluster, nfs, http(s), ftp(s), ssh) and <auth>:
// parse, generic defaults, format in libvirt's order.
#include <fmt/format.h>

#include "conf/disk.h"
#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

namespace {

// A child read into one typed attribute; whatever else it carries is kept
// as the disk's leaf extras under "source/NAME".
std::string leafAttr(Elem& s, const char* child, const char* attr, LeafExtras& leaf) {
  auto c = s.child(child);
  if (!c) return {};
  std::string v = c->attrOr(attr);
  if (v.empty()) c->failAttr(attr, fmt::format("<{}> needs a {} attribute", child, attr));
  Extra kept;
  c->finish(kept);
  if (!kept.empty()) leaf[std::string("source/") + child] = std::move(kept);
  return v;
}

std::optional<std::uint64_t> leafUInt(Elem& s, const char* child, const char* attr, LeafExtras& leaf) {
  auto c = s.child(child);
  if (!c) return std::nullopt;
  auto v = c->attrUInt(attr);
  if (!v) c->failAttr(attr, fmt::format("<{}> needs a {} attribute (a number)", child, attr));
  Extra kept;
  c->finish(kept);
  if (!kept.empty()) leaf[std::string("source/") + child] = std::move(kept);
  return v;
}

}  // namespace

std::string defaultNetworkPort(const std::string& protocol) {
  if (protocol == "nbd") return "10809";
  if (protocol == "iscsi") return "3260";
  if (protocol == "gluster") return "24007";
  if (protocol == "http") return "80";
  if (protocol == "https") return "443";
  if (protocol == "ftp") return "21";
  if (protocol == "ftps") return "990";
  if (protocol == "tftp") return "69";
  if (protocol == "ssh") return "22";
  if (protocol == "sheepdog") return "7000";
  return {};  // rbd, nfs, vxhs: no default (libvirt writes none)
}

void parseDiskNetSource(Elem& s, DiskDef& d) {
  auto& n = d.net;
  n.query = s.attrOr("query");
  n.tls = s.attrEnum("tls", {"yes", "no"});
  n.tlsHostname = s.attrOr("tlsHostname");
  n.snapshot = leafAttr(s, "snapshot", "name", d.leaf);
  n.configFile = leafAttr(s, "config", "file", d.leaf);
  if (auto in = s.child("initiator")) {
    if (auto iqn = in->child("iqn")) {
      n.initiatorIqn = iqn->attrOr("name");
      if (n.initiatorIqn.empty()) iqn->failAttr("name", "<initiator><iqn> needs a name");
      Extra kept;
      iqn->finish(kept);
      if (!kept.empty()) d.leaf["source/initiator/iqn"] = std::move(kept);
    } else {
      in->fail("<initiator> needs an <iqn name=...>");
    }
    Extra kept;
    in->finish(kept);
    if (!kept.empty()) d.leaf["source/initiator"] = std::move(kept);
  }
  if (auto ssl = s.child("ssl")) {
    n.sslVerify = ssl->attrEnum("verify", {"yes", "no"});
    Extra kept;
    ssl->finish(kept);
    if (!kept.empty()) d.leaf["source/ssl"] = std::move(kept);
  }
  if (auto cs = s.child("cookies")) {
    for (auto& c : cs->children("cookie")) {
      DiskCookie k{c.attrOr("name"), c.text()};
      if (k.name.empty()) c.failAttr("name", "a <cookie> needs a name");
      // Cookies travel in an HTTP header: no separators or line breaks.
      if (k.name.find_first_of("=;, \t\r\n") != std::string::npos || k.value.find_first_of(";\r\n") != std::string::npos)
        c.fail(fmt::format("cookie '{}' has a character an HTTP cookie cannot carry", k.name));
      Extra kept;
      c.finish(kept);
      n.cookies.push_back(std::move(k));
    }
    Extra kept;
    cs->finish(kept);
  }
  n.readahead = leafUInt(s, "readahead", "size", d.leaf);
  n.timeout = leafUInt(s, "timeout", "seconds", d.leaf);
  n.reconnectDelay = leafUInt(s, "reconnect", "delay", d.leaf);
  if (auto id = s.child("identity")) {
    n.identityUser = id->attrOr("user");
    n.identityGroup = id->attrOr("group");
    Extra kept;
    id->finish(kept);
    if (!kept.empty()) d.leaf["source/identity"] = std::move(kept);
  }
  if (auto a = s.child("auth")) d.auth = parseDiskAuth(*a, true, d.leaf);
}

DiskAuth parseDiskAuth(Elem& e, bool inSource, LeafExtras& leaf) {
  DiskAuth a;
  a.inSource = inSource;
  std::string base = inSource ? "source/auth" : "auth";
  a.username = e.attrOr("username");
  if (a.username.empty()) e.failAttr("username", "<auth> needs a username");
  if (auto s = e.child("secret")) {
    a.hasSecret = true;
    a.secretType = s->attrEnum("type", {"iscsi", "ceph"});
    a.secretUsage = s->attrOr("usage");
    a.secretUuid = s->attrOr("uuid");
    if (a.secretUsage.empty() == a.secretUuid.empty())
      s->fail("an <auth><secret> names its secret by exactly one of usage or uuid");
    Extra kept;
    s->finish(kept);
    if (!kept.empty()) leaf[base + "/secret"] = std::move(kept);
  } else {
    e.fail("Missing <secret> element in auth");
  }
  Extra kept;
  e.finish(kept);
  if (!kept.empty()) leaf[base] = std::move(kept);
  return a;
}

void diskNetworkDefaults(DiskDef& d) {
  if (d.type != "network") return;
  std::string port = defaultNetworkPort(d.sourceProtocol);
  for (auto& h : d.sourceHosts)
    if (h.port.empty() && !port.empty() && (h.transport.empty() || h.transport == "tcp")) h.port = port;
  // An iSCSI name without "/LUN" means LUN 0 (virDomainPostParseCheckISCSIPath).
  if (d.sourceProtocol == "iscsi" && !d.sourceName.empty() && d.sourceName.find('/') == std::string::npos)
    d.sourceName += "/0";
}

void formatDiskAuth(XmlElement& parent, const DiskAuth& a) {
  auto& x = parent.add("auth");
  x.set("username", a.username);
  if (a.hasSecret) {
    auto& s = x.add("secret");
    s.setIf("type", a.secretType);
    s.setIf("usage", a.secretUsage);
    s.setIf("uuid", a.secretUuid);
  }
}

// Children in libvirt's order (virDomainDiskSourceFormatNetwork, then the
// generic <source> children); the hosts are already there.
void formatDiskNetSource(XmlElement& s, const DiskDef& d, const FormatOptions& opts) {
  const auto& n = d.net;
  s.setIf("query", n.query);
  s.setIf("tls", n.tls);
  s.setIf("tlsHostname", n.tlsHostname);
  if (!n.snapshot.empty()) s.add("snapshot").set("name", n.snapshot);
  if (!n.configFile.empty()) s.add("config").set("file", n.configFile);
  if (!n.initiatorIqn.empty()) s.add("initiator").add("iqn").set("name", n.initiatorIqn);
  if (!n.sslVerify.empty()) s.add("ssl").set("verify", n.sslVerify);
  // Cookies are credentials: libvirt writes them only with --security-info.
  if (!n.cookies.empty() && opts.securityInfo) {
    auto& cs = s.add("cookies");
    for (const auto& c : n.cookies) {
      auto& x = cs.add("cookie");
      x.set("name", c.name);
      x.text = c.value;
    }
  }
  if (n.readahead) s.add("readahead").set("size", std::to_string(*n.readahead));
  if (n.timeout) s.add("timeout").set("seconds", std::to_string(*n.timeout));
  if (n.reconnectDelay) s.add("reconnect").set("delay", std::to_string(*n.reconnectDelay));
  if (!n.identityUser.empty() || !n.identityGroup.empty()) {
    auto& id = s.add("identity");
    id.setIf("user", n.identityUser);
    id.setIf("group", n.identityGroup);
  }
  if (d.auth && d.auth->inSource) formatDiskAuth(s, *d.auth);
}

}  // namespace stratus::conf
