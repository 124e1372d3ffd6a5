// The stages behind parseNetworkXml, separately callable, and the item
// parsers that net-update shares with the document parser:
//   parseNetworkDocument  (network_parse.cpp)       XML -> NetworkDef, syntax + per-field checks
//   item parsers          (network_parse_items.cpp) <ip>, <dhcp> hosts/ranges, <dns> records, <portgroup>
//   fillNetworkDefaults   (network_defaults.cpp)    uuid, bridge name/stp/delay/MAC
//   validateNetworkDef    (network_validate*.cpp)   cross-field rules
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_xml_io.h"
#include "conf/network_def.h"

namespace stratus::conf {

Result<NetworkDef> parseNetworkDocument(std::string_view xml, const std::string& sourceName,
                                        std::vector<Warning>& warnings, SourceMap& lines);

void fillNetworkDefaults(NetworkDef& def);

// "nat" -> ForwardMode::Nat; nullopt for names libvirt does not know.
std::optional<ForwardMode> forwardModeFromName(std::string_view name);

// `lines` (may be empty) maps keys such as "network/ip#0/dhcp/host#2" to the
// lines errors should name.
Status validateNetworkDef(const NetworkDef& def, const std::string& sourceName, const SourceMap& lines);
// The <ip>/<dhcp>/<route> part of validateNetworkDef (network_validate_ip.cpp).
Status validateNetworkAddressing(const NetworkDef& def, const std::string& sourceName, const SourceMap& lines);

// ---- item parsers ----
// `net` names the network in messages (libvirt's wording). `leaf` receives
// what the item's sub-elements carried beyond the model, keyed relative to
// the item's own element ("" = the element itself, "lease", "hostname#1").
// `partial`: the element is a template that selects existing entries (a
// net-update delete), so only the identifying fields are required.
// `lineKey`: SourceMap key prefix under which nested items record lines.
NetIp parseNetIp(Elem& e, const std::string& net, LeafExtras& leaf, const std::string& lineKey);
NetRange parseDhcpRange(Elem& e, const std::string& net, LeafExtras& leaf);
DhcpHost parseDhcpHost(Elem& e, const std::string& net, bool partial, LeafExtras& leaf);
NetDns parseDns(Elem& e, const std::string& net, LeafExtras& leaf, const std::string& lineKey);
DnsHost parseDnsHost(Elem& e, const std::string& net, bool partial, LeafExtras& leaf);
DnsTxt parseDnsTxt(Elem& e, const std::string& net, bool partial, LeafExtras& leaf);
DnsSrv parseDnsSrv(Elem& e, const std::string& net, bool partial);
NetPortgroup parsePortgroup(Elem& e, const std::string& net);
std::string parseForwardInterface(Elem& e, const std::string& net, LeafExtras& leaf);

// ---- leaf extras of list items ----
// Adds `src` (keyed relative to an item) under `prefix` ("dns/txt#2").
void mergeLeaf(LeafExtras& dst, const std::string& prefix, const LeafExtras& src);
// Keeps the extras of the items of list `listKey` ("ip#0/dhcp/host") with
// their items when an item is inserted at `at` (delta +1) or removed from
// `at` (delta -1; its extras are dropped).
void shiftLeaf(LeafExtras& leaf, const std::string& listKey, std::size_t at, int delta);

// Seconds per <lease unit=...> ("" counts as minutes, libvirt's default); 0 when unknown.
std::uint64_t leaseUnitSeconds(std::string_view unit);

}  // namespace stratus::conf
