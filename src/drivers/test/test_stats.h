// The simulated hypervisor's statistics: libvirt's test driver's fixed and
// clock-derived numbers, so `stratus -c test:///default` prints what
// `virsh -c test:///default` prints.
#pragma once

#include <vector>

#include "drivers/driver.h"

namespace stratus::drivers::teststats {

// dommemstat of a guest with a balloon and `currentKiB` of memory.
std::vector<daemon::MemoryStat> memoryStats(std::uint64_t currentKiB);
// Every online vCPU on the last CPU of its pinning (all `hostCpus` when
// unpinned), its CPU time following the clock.
std::vector<daemon::VcpuInfo> vcpuInfo(const conf::DomainDef& live, unsigned hostCpus);
daemon::BlockStats blockStats();            // of one disk; follows the clock
daemon::BlockInfo blockInfo();              // of any disk with a source
daemon::InterfaceStats interfaceStats();    // follows the clock
// Made-up addresses: a NIC on a virtual network gets one after the start of
// the network's first DHCP range (20 per domain id), other NICs 192.168.0.N.
std::vector<daemon::InterfaceAddresses> interfaceAddresses(const conf::DomainDef& live, int domainId,
                                                           const AddressLookup& lookup);
daemon::NodeCpuMap cpuMap();      // 8 CPUs, 0, 2 and 4 online
daemon::NodeCpuStats cpuStats();  // fixed numbers

}  // namespace stratus::drivers::teststats
