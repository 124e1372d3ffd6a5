// The libvirt domain XML an instance runs as on its node: the image's
// volume as its disk, one NIC per leased network slot (the slot's MAC, on
// the node's virtual network of the pool's name, whose DHCP has a host
// entry for that MAC), a serial console logged to a file on the node.
#pragma once

#include <string>

#include "cloud/cloud_types.h"

namespace stratus::cloud {

struct DomainPlan {
  std::string pool = "default";  // the node's storage pool for the instance's disk
  std::string volume;            // the disk's volume in it
  std::string format = "qcow2";
  std::string type = "qemu";     // kvm where the node has it
  std::string consoleLog;        // path on the node; "" for a pty console
  // The cloud-init seed ISO's volume in the same pool ("" none): a
  // read-only IDE CD-ROM, so guests without virtio drivers read it too.
  std::string seedVolume;
};

std::string instanceDomainXml(const Instance& instance, const DomainPlan& plan);

// The node network's DHCP host entry for a NIC (net-update ip-dhcp-host).
std::string dhcpHostXml(const Instance::Nic& nic);

}  // namespace stratus::cloud
