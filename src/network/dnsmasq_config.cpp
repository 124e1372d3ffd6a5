#include "network/dnsmasq_config.h"

#include <fmt/format.h>

namespace stratus::network {

DnsmasqPaths DnsmasqPaths::under(const std::string& dir, const std::string& network) {
  std::string base = dir + "/" + network;
  return {base + ".conf", base + ".pid", base + ".leases", base + ".hostsfile", base + ".addnhosts"};
}

bool needsDnsmasq(const conf::NetworkDef& def) {
  if (def.forward.mode != conf::ForwardMode::None && def.forward.mode != conf::ForwardMode::Nat &&
      def.forward.mode != conf::ForwardMode::Route && def.forward.mode != conf::ForwardMode::Open)
    return false;  // bridge/macvtap modes: the LAN's own DHCP serves guests
  return !def.ips.empty();
}

namespace {

// dnsmasq reads these files line by line: a newline inside a value would
// inject an option. The validated model never has one; drop it defensively.
std::string oneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string leaseTime(const std::optional<std::uint64_t>& secs) {
  if (!secs) return "";
  return *secs == 0 ? ",infinite" : fmt::format(",{}", *secs);
}

std::uint64_t rangeSize(const conf::NetRange& r) {
  auto a = conf::parseIpv4(r.start), b = conf::parseIpv4(r.end);
  return a && b && *b >= *a ? *b - *a + 1 : 0;
}

}  // namespace

DnsmasqFiles buildDnsmasqFiles(const conf::NetworkDef& def, const std::string& bridge,
                               const DnsmasqPaths& paths) {
  DnsmasqFiles out;
  std::string& c = out.conf;
  c += "# Written by stratusd for network '" + oneLine(def.name) + "'; rewritten on every start.\n";
  c += "strict-order\n";
  c += "pid-file=" + paths.pid + "\n";
  // Bound to the network's bridge only (bind-dynamic: addresses may come
  // later), never to loopback: the host's own resolver keeps port 53 there.
  c += "except-interface=lo\nbind-dynamic\ninterface=" + bridge + "\n";
  // Runs as root like libvirt's (it writes the lease file in our run dir).
  c += "user=root\n";
  const bool isolated = def.forward.mode == conf::ForwardMode::None;
  if (def.dns.enable && !*def.dns.enable) {
    c += "port=0\n";
  } else {
    if (isolated || !def.dns.forwarders.empty()) c += "no-resolv\n";
    if (!def.domainName.empty()) {
      c += "domain=" + oneLine(def.domainName) + "\nexpand-hosts\n";
      if (def.domainLocalOnly == "yes") c += "local=/" + oneLine(def.domainName) + "/\n";
    }
    if (def.dns.forwardPlainNames && !*def.dns.forwardPlainNames) c += "domain-needed\n";
    for (const auto& f : def.dns.forwarders) {
      if (f.domain.empty()) c += "server=" + oneLine(f.addr) + "\n";
      else c += "server=/" + oneLine(f.domain) + "/" + (f.addr.empty() ? "#" : oneLine(f.addr)) + "\n";
    }
    for (const auto& t : def.dns.txts) c += "txt-record=" + oneLine(t.name) + "," + oneLine(t.value) + "\n";
    for (const auto& s : def.dns.srvs) {
      std::string name = "_" + s.service + "._" + s.protocol;
      if (!s.domain.empty()) name += "." + s.domain;
      std::string line = "srv-host=" + oneLine(name);
      if (!s.target.empty()) {
        line += "," + oneLine(s.target);
        if (s.port) line += fmt::format(",{}", *s.port);
        if (s.priority) line += fmt::format(",{}", *s.priority);
        if (s.weight) line += fmt::format(",{}", *s.weight);
      }
      c += line + "\n";
    }
    c += "addn-hosts=" + paths.addnHosts + "\n";
  }
  std::uint64_t leaseMax = 0;
  bool dhcp = false, ra = false;
  for (const auto& ip : def.ips) {
    if (ip.isV6()) ra = true;
    if (!ip.hasDhcp) continue;
    dhcp = true;
    for (const auto& r : ip.ranges) {
      if (ip.isV6())
        c += fmt::format("dhcp-range={},{},{}{}\n", r.start, r.end, ip.prefixLength(), leaseTime(r.leaseSeconds));
      else
        c += fmt::format("dhcp-range={},{},{}{}\n", r.start, r.end, conf::prefixToNetmask(ip.prefixLength()),
                         leaseTime(r.leaseSeconds));
      leaseMax += rangeSize(r);
    }
    // Hosts only (no range): dnsmasq needs a static range to serve them.
    if (ip.ranges.empty() && !ip.hosts.empty()) {
      if (ip.isV6()) c += fmt::format("dhcp-range={},static,{}\n", ip.address, ip.prefixLength());
      else c += fmt::format("dhcp-range={},static,{}\n", ip.address, conf::prefixToNetmask(ip.prefixLength()));
    }
    if (!ip.bootpFile.empty())
      c += "dhcp-boot=" + oneLine(ip.bootpFile) + (ip.bootpServer.empty() ? "" : ",," + oneLine(ip.bootpServer)) + "\n";
    if (!ip.tftpRoot.empty()) c += "enable-tftp\ntftp-root=" + oneLine(ip.tftpRoot) + "\n";
    for (const auto& h : ip.hosts) {
      std::string line;
      if (!h.mac.empty()) line = h.mac;
      else if (!h.id.empty()) line = "id:" + h.id;
      if (!h.ip.empty()) line += (line.empty() ? "" : ",") + (ip.isV6() ? "[" + h.ip + "]" : h.ip);
      if (!h.name.empty()) line += (line.empty() ? "" : ",") + h.name;
      if (h.leaseSeconds) line += leaseTime(h.leaseSeconds);
      out.hostsFile += oneLine(line) + "\n";
    }
  }
  if (dhcp) {
    c += "dhcp-no-override\ndhcp-authoritative\n";
    if (leaseMax > 0) c += fmt::format("dhcp-lease-max={}\n", leaseMax);
    c += "dhcp-leasefile=" + paths.leases + "\n";
    c += "dhcp-hostsfile=" + paths.hostsFile + "\n";
    // Isolated networks have no router: guests must not get a default route.
    if (isolated) c += "dhcp-option=3\n";
  }
  if (ra) c += "enable-ra\n";
  for (const auto& h : def.dns.hosts) {
    std::string line = h.ip;
    for (const auto& n : h.hostnames) line += " " + n;
    out.addnHosts += oneLine(line) + "\n";
  }
  return out;
}

}  // namespace stratus::network
