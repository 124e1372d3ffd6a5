// Helpers shared by the node's statistics files (node_stats.cpp,
// node_devstats.cpp, node_domstats.cpp).
#pragma once

#include "daemon/node_impl.h"

namespace stratus::daemon {

// What a query of a running guest needs, copied under the registry lock so
// the hypervisor is asked without holding it.
struct RunningDomain {
  std::shared_ptr<drivers::Instance> instance;
  conf::DomainDef live;
  int id = -1;
  std::string name;
};
// NoDomain, or OperationInvalid "domain is not running".
Result<RunningDomain> runningDomain(Node::Impl& impl, const std::string& key);

// The length of the host's CPU maps (nodecpumap's "CPUs present").
unsigned hostCpuCount(Node::Impl& impl);

// The disk whose target (vda) or source path is `device`; nullptr if none.
const conf::DiskDef* findDisk(const conf::DomainDef& def, const std::string& device);
// The interface whose host device (vnet0) or MAC address is `device`.
const conf::InterfaceDef* findInterface(const conf::DomainDef& def, const std::string& device);

// domifaddr's view of the node's virtual networks.
drivers::AddressLookup addressLookup(Node::Impl& impl);

}  // namespace stratus::daemon
