// virsh net-update on the typed model (libvirt's virNetworkDefUpdateSection).
#pragma once

#include <string>
#include <string_view>

#include "conf/network_def.h"

namespace stratus::conf {

// Applies one net-update to `def`.
//   command: add (= add-last) | add-first | add-last | delete | modify
//   section: ip-dhcp-host | ip-dhcp-range | dns-host | dns-txt | dns-srv |
//            portgroup | forward-interface
//   xml:     the one element the section holds (<host>, <range>, <txt>, ...);
//            for delete only the identifying attributes are needed.
//   parentIndex: for the ip-dhcp-* sections, which <ip> (0-based); -1 picks
//            the <ip> whose subnet holds the entry's address (for a delete
//            without an address: the one holding a matching entry), then
//            libvirt's choice (the <ip> that has DHCP, else the first IPv4,
//            else the first IPv6). Ignored by the other sections.
// The changed definition must pass validateNetworkDef; on any error `def` is
// left unchanged. Error codes: InvalidArgument (unknown command/section
// name), Unsupported (a section or command libvirt cannot update either),
// XmlSyntax/XmlInvalid (the fragment), OperationInvalid (entry exists / not
// found / ambiguous).
Status applyNetworkUpdate(NetworkDef& def, std::string_view command, std::string_view section, std::string_view xml,
                          int parentIndex, const std::string& sourceName);

}  // namespace stratus::conf
