#include "network/bridge.h"

#include <fmt/format.h>

#include "network/tap.h"
#include "util/process.h"

namespace stratus::network {

namespace {
Status ip(const std::vector<std::string>& args, const std::string& what) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = runCapture(argv, std::chrono::seconds(10));
  if (!r) return Error(ErrorCode::OperationFailed, what + ": " + r.error().message);
  return {};
}
}  // namespace

Status createBridge(const BridgeSpec& spec) {
  if (interfaceExists(spec.name))
    return Error(ErrorCode::OperationFailed,
                 "cannot create bridge '" + spec.name + "': an interface of that name already exists");
  // The kernel keeps forward_delay in centiseconds.
  STRATUS_TRY(ip({"link", "add", spec.name, "type", "bridge", "stp_state", spec.stp ? "1" : "0",
                  "forward_delay", std::to_string(spec.delaySeconds * 100)},
                 "cannot create bridge '" + spec.name + "'"));
  auto undoOnError = [&](Status st) -> Status {
    if (!st) (void)deleteBridge(spec.name);
    return st;
  };
  if (!spec.mac.empty())
    STRATUS_TRY(undoOnError(ip({"link", "set", spec.name, "address", spec.mac}, "cannot set the MAC of " + spec.name)));
  if (spec.mtu)
    STRATUS_TRY(undoOnError(ip({"link", "set", spec.name, "mtu", std::to_string(spec.mtu)}, "cannot set the MTU of " + spec.name)));
  for (const auto& a : spec.addresses)
    STRATUS_TRY(undoOnError(ip({"addr", "add", a, "dev", spec.name}, "cannot add address " + a + " to " + spec.name)));
  STRATUS_TRY(undoOnError(ip({"link", "set", spec.name, "up"}, "cannot bring up " + spec.name)));
  return {};
}

Status deleteBridge(const std::string& name) {
  if (!interfaceExists(name)) return {};
  return ip({"link", "del", name}, "cannot delete bridge '" + name + "'");
}

bool isBridge(const std::string& name) {
  auto r = runCapture({"ip", "-d", "-o", "link", "show", "dev", name}, std::chrono::seconds(10));
  return r && r->find(" bridge ") != std::string::npos;
}

}  // namespace stratus::network
