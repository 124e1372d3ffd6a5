#include "network/ovs.h"

#include <unistd.h>

#include <sstream>

#include "util/process.h"
#include "util/uuid.h"

namespace stratus::network {

namespace {
using namespace std::chrono_literals;

constexpr int kVsctlTimeoutSeconds = 5;

bool vsctlInstalled() {
  return ::access("/usr/bin/ovs-vsctl", X_OK) == 0 || ::access("/usr/sbin/ovs-vsctl", X_OK) == 0;
}

Result<std::string> ovsVsctl(std::vector<std::string> args, const std::string& what) {
  if (!vsctlInstalled())
    return Error(ErrorCode::Unsupported, what + ": Open vSwitch is not installed on this host (no ovs-vsctl)");
  args.insert(args.begin(), {"ovs-vsctl", "--timeout=" + std::to_string(kVsctlTimeoutSeconds)});
  auto r = runCapture(args, 10s);
  if (!r) return Error(ErrorCode::OperationFailed, what + ": " + explainOvsVsctlFailure(r.error().message));
  return r;
}
}  // namespace

std::string explainOvsVsctlFailure(const std::string& failure) {
  if (failure.find("database connection failed") != std::string::npos)
    return "Open vSwitch is not running (" + failure +
           "; ovs-vsctl looks for ovsdb-server at unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR defaulting to "
           "/var/run/openvswitch)";
  // ovs-vsctl waits for ovs-vswitchd to apply a change; its --timeout ends
  // it with SIGALRM when nothing does.
  if (failure.find("signal 14") != std::string::npos || failure.find("timeout expired") != std::string::npos)
    return "Open vSwitch did not apply the change within " + std::to_string(kVsctlTimeoutSeconds) +
           " s; is ovs-vswitchd running? (" + failure + ")";
  return failure;
}

Status addOvsPort(const std::string& bridge, const std::string& tap, const std::string& mac,
                  const std::string& interfaceId, const std::string& vmUuid) {
  auto r = ovsVsctl({"--", "--may-exist", "add-port", bridge, tap, "--", "set", "Interface", tap,
                     "external-ids:attached-mac=" + mac, "external-ids:iface-id=" + interfaceId,
                     "external-ids:vm-id=" + vmUuid, "external-ids:iface-status=active"},
                    "cannot add port " + tap + " to Open vSwitch bridge " + bridge);
  if (!r) return std::move(r).error();
  return {};
}

Status checkOvsBridge(const std::string& bridge) {
  const std::string what = "Open vSwitch bridge '" + bridge + "' is not available";
  auto r = ovsVsctl({"list-br"}, what);
  if (!r) return std::move(r).error();
  std::istringstream in(*r);
  std::string names;
  for (std::string line; std::getline(in, line);) {
    if (line == bridge) return {};
    names += (names.empty() ? "" : ", ") + line;
  }
  return Error(ErrorCode::OperationFailed,
               what + ": Open vSwitch has no such bridge (" + (names.empty() ? "it has none" : "it has " + names) + ")");
}

Status deleteOvsPort(const std::string& tap) {
  auto r = ovsVsctl({"--", "--if-exists", "del-port", tap}, "cannot remove Open vSwitch port " + tap);
  if (!r) return std::move(r).error();
  return {};
}

std::string ovsInterfaceId(conf::XmlElement& virtualport) {
  conf::XmlElement* params = nullptr;
  for (auto& c : virtualport.children)
    if (c.name == "parameters") params = &c;
  if (params)
    if (const std::string* id = params->attr("interfaceid"); id && !id->empty()) return *id;
  if (!params) params = &virtualport.add("parameters");
  std::string id = Uuid::generate().str();
  params->set("interfaceid", id);
  return id;
}

}  // namespace stratus::network
