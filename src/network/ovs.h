// Open vSwitch ports for guest taps (<virtualport type='openvswitch'/>),
// through ovs-vsctl, as libvirt does.
//
// ovs-vsctl finds ovsdb-server as Open vSwitch's own tools do: at
// unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR defaulting to /var/run/openvswitch.
// stratusd passes its environment on, so an Open vSwitch with a private run
// directory (tests/e2e/networks_ovs.sh) is reached by starting stratusd with
// that OVS_RUNDIR.
#pragma once

#include <string>

#include "conf/xml_element.h"
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

// The OVS interface id (external_ids:iface-id) of a port with this
// <virtualport type='openvswitch'>: its <parameters interfaceid='...'/> when
// given, else a new UUID, written there so the guest's live XML shows it (as
// libvirt's does).
std::string ovsInterfaceId(conf::XmlElement& virtualport);
// What a failed ovs-vsctl means, for the user; `failure` is runCapture's
// error ("ovs-vsctl failed (exit code 1): what it printed").
std::string explainOvsVsctlFailure(const std::string& failure);

}  // namespace stratus::network
