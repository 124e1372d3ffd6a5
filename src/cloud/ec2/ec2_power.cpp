// TerminateInstances, StopInstances, StartInstances, RebootInstances and
// GetConsoleOutput: the service's verbs on each instance named.
#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/ec2/ec2_context.h"

namespace stratus::cloud::ec2 {

namespace {

// The instances named by InstanceId.N: each must be the user's (all are
// checked before anything is done).
Result<std::vector<InstanceView>> namedInstances(Ctx& c) {
  auto ids = c.p.list("InstanceId");
  if (ids.empty()) return ec2Error("MissingParameter", "The request must contain the parameter InstanceId");
  for (const auto& id : ids) STRATUS_TRY(handleOf(id));
  auto views = instanceViews(c);
  if (!views) return std::move(views).error();
  std::vector<InstanceView> out;
  for (const auto& id : ids) {
    auto it = std::find_if(views->begin(), views->end(), [&](const InstanceView& v) { return v.instanceId == id; });
    if (it == views->end()) return ec2Error("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
    out.push_back(*it);
  }
  return out;
}

Error stateError(const Error& e) {
  if (e.where) return e;
  if (e.code == ErrorCode::OperationInvalid) return ec2Error("IncorrectInstanceState", e.message);
  return e;
}

// An instancesSet of state changes: currentState after the verb, previousState before.
using Verb = Status (*)(Ctx&, const InstanceView&);

Status changeStates(Ctx& c, Verb verb) {
  auto named = namedInstances(c);
  if (!named) return std::move(named).error();
  auto set = c.root.append_child("instancesSet");
  for (const auto& v : *named) {
    auto before = ec2State(v.instance.state);
    if (auto s = verb(c, v); !s) return stateError(s.error());
    auto now = c.s.store.instance(v.instance.handle);
    auto after = now ? ec2State(now->state) : InstanceState{48, "terminated"};
    auto item = set.append_child("item");
    addText(item, "instanceId", v.instanceId);
    auto cur = item.append_child("currentState");
    addInt(cur, "code", after.code);
    addText(cur, "name", after.name);
    auto prev = item.append_child("previousState");
    addInt(prev, "code", before.code);
    addText(prev, "name", before.name);
  }
  return okStatus();
}

}  // namespace

Status terminateInstances(Ctx& c) {
  return changeStates(c, [](Ctx& c, const InstanceView& v) -> Status {
    if (ec2State(v.instance.state).code == 48) return okStatus();  // terminating twice is fine in EC2
    return c.s.service.terminate(c.user, v.instance.handle);
  });
}

Status stopInstances(Ctx& c) {
  return changeStates(c, [](Ctx& c, const InstanceView& v) -> Status {
    bool force = c.p.value("Force") == "true";
    return c.s.service.stop(c.user, v.instance.handle, force, c.s.opts.stopGraceSeconds);
  });
}

Status startInstances(Ctx& c) {
  return changeStates(c, [](Ctx& c, const InstanceView& v) { return c.s.service.start(c.user, v.instance.handle); });
}

Status rebootInstances(Ctx& c) {
  auto named = namedInstances(c);
  if (!named) return std::move(named).error();
  for (const auto& v : *named)
    if (auto s = c.s.service.reboot(c.user, v.instance.handle); !s) return stateError(s.error());
  addBool(c.root, "return", true);
  return okStatus();
}

Status getConsoleOutput(Ctx& c) {
  auto id = c.p.required("InstanceId");
  if (!id) return std::move(id).error();
  auto handle = handleOf(*id);
  if (!handle) return std::move(handle).error();
  auto views = instanceViews(c);
  if (!views) return std::move(views).error();
  auto it = std::find_if(views->begin(), views->end(), [&](const InstanceView& v) { return v.instanceId == *id; });
  if (it == views->end()) return ec2Error("InvalidInstanceID.NotFound", "The instance ID '" + *id + "' does not exist");
  auto text = c.s.service.consoleOutput(c.user, it->instance.handle, 64 * 1024);
  if (!text) return stateError(text.error());
  addText(c.root, "instanceId", *id);
  addText(c.root, "timestamp", aws::formatIsoDate(c.s.now()));
  addText(c.root, "output", aws::base64Encode(*text));
  return okStatus();
}

}  // namespace stratus::cloud::ec2
