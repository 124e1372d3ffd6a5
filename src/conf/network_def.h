// The typed virtual network model (libvirt's <network> document,
// formatnetwork). Same pipeline as domains: parse -> defaults -> validate ->
// format, unknown XML kept verbatim (Extra) with a warning.
//
// Contract used by the layers above (daemon, network runtime, cli): the
// field names below keep their meaning. Addresses are kept as text in the
// canonical form the parser produced (dotted quad / compressed IPv6); the
// helpers at the end turn them into numbers where the runtime needs them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_def.h"  // Warning, FormatOptions-like flags
#include "conf/xml_element.h"
#include "util/error.h"
#include "util/uuid.h"

namespace stratus::conf {

// <forward mode=...>. None = no <forward> element = isolated network.
enum class ForwardMode { None, Nat, Route, Open, Bridge, Private, Vepa, Passthrough, Hostdev };
std::string_view forwardModeName(ForwardMode m);  // "nat", ... ("" for None)

struct NetRange {  // <range start end/> (v4 or v6) and <nat><address>/<port>
  std::string start, end;
  std::optional<std::uint64_t> leaseSeconds;  // <range><lease expiry unit/>; 0 = infinite
  std::string leaseUnit;  // seconds|minutes|hours: how the lease is written back ("" = best fit)
  Extra extra;
  friend bool operator==(const NetRange&, const NetRange&) = default;
};

struct NetForward {
  ForwardMode mode = ForwardMode::None;
  std::string dev;                  // <forward dev=>
  std::vector<std::string> interfaces;  // <interface dev=> (bridge/direct modes)
  // <nat>
  std::optional<NetRange> natAddress;  // <address start end/>
  unsigned natPortStart = 0, natPortEnd = 0;  // <port start end/>; 0 = unset
  std::string natIpv6;                        // <nat ipv6='yes'>
  Extra extra;
  friend bool operator==(const NetForward&, const NetForward&) = default;
};

struct NetBridge {
  std::string name;  // virbr0 ... (generated "virbrN" when absent and the mode needs one)
  std::optional<bool> stp;           // stp='on|off' (libvirt default on)
  std::optional<unsigned> delay;     // forward delay seconds (default 0)
  std::string macTableManager;       // kernel|libvirt
  std::string zone;                  // firewalld zone (kept, unused)
  Extra extra;
  friend bool operator==(const NetBridge&, const NetBridge&) = default;
};

struct DnsHost {  // <dns><host ip><hostname/>...</host>
  std::string ip;
  std::vector<std::string> hostnames;
  Extra extra;
  friend bool operator==(const DnsHost&, const DnsHost&) = default;
};
struct DnsSrv {
  std::string service, protocol, domain, target;
  std::optional<unsigned> port, priority, weight;
  Extra extra;
  friend bool operator==(const DnsSrv&, const DnsSrv&) = default;
};
struct DnsTxt {
  std::string name, value;
  friend bool operator==(const DnsTxt&, const DnsTxt&) = default;
};
struct DnsForwarder {
  std::string addr, domain;
  friend bool operator==(const DnsForwarder&, const DnsForwarder&) = default;
};
struct NetDns {
  std::optional<bool> enable;             // enable='yes|no'
  std::optional<bool> forwardPlainNames;  // forwardPlainNames='yes|no'
  std::vector<DnsForwarder> forwarders;
  std::vector<DnsTxt> txts;
  std::vector<DnsHost> hosts;
  std::vector<DnsSrv> srvs;
  Extra extra;
  bool empty() const {
    return !enable && !forwardPlainNames && forwarders.empty() && txts.empty() && hosts.empty() &&
           srvs.empty() && extra.empty();
  }
  friend bool operator==(const NetDns&, const NetDns&) = default;
};

struct DhcpHost {  // <host mac|id name ip/>; at least one of mac/id/name, plus ip
  std::string mac;   // lower case
  std::string id;    // IPv6 DUID / client id
  std::string name;
  std::string ip;
  std::optional<std::uint64_t> leaseSeconds;
  std::string leaseUnit;  // as for NetRange
  Extra extra;
  friend bool operator==(const DhcpHost&, const DhcpHost&) = default;
};

struct NetIp {
  std::string family;   // "" (ipv4 implied) | "ipv4" | "ipv6" as written
  std::string address;  // the host's address on the bridge
  std::string netmask;  // as written (IPv4 only)
  std::optional<unsigned> prefix;  // as written
  std::string localPtr;            // yes|no
  // <dhcp>
  bool hasDhcp = false;
  std::vector<NetRange> ranges;
  std::vector<DhcpHost> hosts;
  std::string bootpFile, bootpServer;
  Extra dhcpExtra;
  std::string tftpRoot;
  Extra extra;
  bool isV6() const { return family == "ipv6"; }
  // The prefix length, from prefix= or netmask= (or the class default).
  unsigned prefixLength() const;
  friend bool operator==(const NetIp&, const NetIp&) = default;
};

struct NetRoute {  // <route family address prefix|netmask gateway metric/>
  std::string family, address, netmask, gateway;
  std::optional<unsigned> prefix, metric;
  friend bool operator==(const NetRoute&, const NetRoute&) = default;
};

struct NetPortgroup {
  std::string name;
  bool isDefault = false;
  std::string virtualportType;  // <virtualport type=...> inside the portgroup
  Extra virtualportExtra;
  Extra extra;  // bandwidth, vlan, ...
  friend bool operator==(const NetPortgroup&, const NetPortgroup&) = default;
};

struct NetworkDef {
  std::string name;
  Uuid uuid;  // generated when absent
  std::string title, description;
  NetForward forward;
  NetBridge bridge;
  std::optional<unsigned> mtu;  // <mtu size=>
  std::string mac;              // <mac address=> of the bridge; generated for nat/route/none/open
  std::string domainName;       // <domain name=>
  std::string domainLocalOnly;  // <domain localOnly=>
  NetDns dns;
  std::vector<NetIp> ips;
  std::vector<NetRoute> routes;
  std::string virtualportType;  // <virtualport type='openvswitch'/>
  Extra virtualportExtra;
  std::vector<NetPortgroup> portgroups;
  std::string ipv6Attr;                 // <network ipv6='yes'>
  std::string trustGuestRxFilters;      // <network trustGuestRxFilters=>
  // metadata, bandwidth, vlan, dnsmasq:options, unknown: verbatim, in order.
  std::vector<XmlElement> otherElements;
  std::vector<std::pair<std::string, std::string>> otherAttrs;  // of <network>
  LeafExtras leaf;

  // The first IPv4 / IPv6 <ip>, or nullptr.
  const NetIp* ipv4() const;
  const NetIp* ipv6() const;
  bool needsBridge() const;  // nat, route, open, none: we create the bridge
};

struct ParsedNetwork {
  NetworkDef def;
  std::vector<Warning> warnings;
};

// Parse -> defaults -> validate. Errors carry file, line and field.
// Defaults: uuid, bridge name "virbr%d" (left as template; the daemon picks
// the number), stp on / delay 0 where a bridge is created, bridge MAC.
struct NetworkParseOptions {
  // Generate the bridge's MAC when absent. libvirt's network driver does;
  // its test driver (simulated networks, no bridge) does not.
  bool generateBridgeMac = true;
};
Result<ParsedNetwork> parseNetworkXml(std::string_view xml, const std::string& sourceName,
                                      const NetworkParseOptions& opts = {});

struct NetworkFormatOptions {
  bool inactive = false;          // --inactive: no live-only data
  std::optional<unsigned> connections;  // running: <network connections='N'>
};

// Canonical XML in libvirt's order and style.
std::string formatNetworkXml(const NetworkDef& def, const NetworkFormatOptions& opts = {});

// Network names follow domain names' rules.
Status validateNetworkName(std::string_view name);

// ---- address helpers (runtime needs numbers) ----
std::optional<std::uint32_t> parseIpv4(std::string_view s);
std::string formatIpv4(std::uint32_t a);
// "255.255.255.0" -> 24; nullopt when not a contiguous mask.
std::optional<unsigned> netmaskToPrefix(std::string_view mask);
std::string prefixToNetmask(unsigned prefix);
// True when `s` is a valid IPv6 address (inet_pton).
bool isIpv6(std::string_view s);

}  // namespace stratus::conf
