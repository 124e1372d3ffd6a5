#include "network/ovs.h"

#include <unistd.h>

#include "util/process.h"

namespace stratus::network {

namespace {
using namespace std::chrono_literals;

Status ovsVsctl(std::vector<std::string> args, const std::string& what) {
  if (::access("/usr/bin/ovs-vsctl", X_OK) != 0 && ::access("/usr/sbin/ovs-vsctl", X_OK) != 0)
    return Error(ErrorCode::Unsupported, what + ": Open vSwitch is not installed on this host (no ovs-vsctl)");
  args.insert(args.begin(), {"ovs-vsctl", "--timeout=5"});
  auto r = runCapture(args, 10s);
  if (!r) return Error(ErrorCode::OperationFailed, what + ": " + r.error().message);
  return {};
}
}  // namespace

Status addOvsPort(const std::string& bridge, const std::string& tap, const std::string& mac,
                  const std::string& interfaceId, const std::string& vmUuid) {
  return ovsVsctl({"--", "--may-exist", "add-port", bridge, tap, "--", "set", "Interface", tap,
                   "external-ids:attached-mac=" + mac, "external-ids:iface-id=" + interfaceId,
                   "external-ids:vm-id=" + vmUuid, "external-ids:iface-status=active"},
                  "cannot add port " + tap + " to Open vSwitch bridge " + bridge);
}

Status checkOvsBridge(const std::string& bridge) {
  return ovsVsctl({"br-exists", bridge}, "Open vSwitch bridge '" + bridge + "' is not available");
}

Status deleteOvsPort(const std::string& tap) {
  return ovsVsctl({"--", "--if-exists", "del-port", tap}, "cannot remove Open vSwitch port " + tap);
}

}  // namespace stratus::network
