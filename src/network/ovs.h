// Open vSwitch ports for guest taps (<virtualport type='openvswitch'/>),
// through ovs-vsctl, as libvirt does.
#pragma once

#include <string>

#include "util/error.h"

namespace stratus::network {

// Adds `tap` to OVS bridge `bridge`, tagged with the guest's MAC and
// interface id so controllers can find it. A clear error when Open vSwitch
// is not installed or not running.
Status addOvsPort(const std::string& bridge, const std::string& tap, const std::string& mac,
                  const std::string& interfaceId, const std::string& vmUuid);
// Whether Open vSwitch runs here and has bridge `bridge`: a clear error
// when it is not installed, not running, or lacks the bridge.
Status checkOvsBridge(const std::string& bridge);
// Removes the port (no error when it is already gone).
Status deleteOvsPort(const std::string& tap);

}  // namespace stratus::network
