#include "daemon/transitions.h"

#include <initializer_list>

namespace stratus::daemon {

using S = conf::DomainState;

namespace {

// NotRunningTestWords: libvirt's test driver answers these verbs with its own
// words ("internal error: domain 'x' not running"); the others it words as
// the QEMU driver does.
enum class Refusal { NotRunning, NotRunningTestWords, AlreadyRunning, NotPaused, RenameActive };

struct Rule {
  Verb verb;
  std::initializer_list<S> allowed;
  Refusal refusal;
};

// Running-like states: Running, Blocked (idle), Paused, Shutdown (in progress), PmSuspended.
constexpr std::initializer_list<S> kActive = {S::Running, S::Blocked, S::Paused, S::Shutdown, S::PmSuspended, S::Crashed};

const Rule kRules[] = {
    {Verb::Start, {S::Shutoff, S::NoState}, Refusal::AlreadyRunning},
    {Verb::Shutdown, {S::Running, S::Blocked, S::Paused, S::Shutdown, S::PmSuspended}, Refusal::NotRunningTestWords},
    {Verb::Destroy, kActive, Refusal::NotRunning},
    // Suspending a paused guest is a no-op, as with libvirt's QEMU driver.
    {Verb::Suspend, {S::Running, S::Blocked, S::Paused}, Refusal::NotRunningTestWords},
    {Verb::Resume, {S::Paused}, Refusal::NotPaused},
    {Verb::Reboot, {S::Running, S::Blocked, S::Paused}, Refusal::NotRunning},
    {Verb::Reset, {S::Running, S::Blocked, S::Paused, S::Crashed}, Refusal::NotRunning},
    {Verb::Save, {S::Running, S::Blocked, S::Paused}, Refusal::NotRunning},
    {Verb::Rename, {S::Shutoff, S::NoState}, Refusal::RenameActive},
    {Verb::ChangeLive, {S::Running, S::Blocked, S::Paused}, Refusal::NotRunning},
};

Error refuse(Refusal r, S state, const std::string& name, bool testWording) {
  const std::string invalid = "Requested operation is not valid: ";
  switch (r) {
    case Refusal::AlreadyRunning:
      return Error(ErrorCode::OperationInvalid, invalid + "domain is already running");
    case Refusal::RenameActive:
      return Error(ErrorCode::OperationInvalid, invalid + "cannot rename active domain");
    case Refusal::NotPaused:
      if (testWording) return Error(ErrorCode::OperationInvalid, "internal error: domain '" + name + "' not paused");
      if (state == S::Shutoff) return Error(ErrorCode::OperationInvalid, invalid + "domain is not running");
      return Error(ErrorCode::OperationInvalid, invalid + "domain is not paused");
    case Refusal::NotRunning:
      return Error(ErrorCode::OperationInvalid, invalid + "domain is not running");
    case Refusal::NotRunningTestWords:
      break;
  }
  if (testWording) return Error(ErrorCode::OperationInvalid, "internal error: domain '" + name + "' not running");
  return Error(ErrorCode::OperationInvalid, invalid + "domain is not running");
}

}  // namespace

Status checkTransition(Verb verb, S state, const std::string& name, bool testWording) {
  for (const auto& rule : kRules) {
    if (rule.verb != verb) continue;
    for (S s : rule.allowed)
      if (s == state) return okStatus();
    return refuse(rule.refusal, state, name, testWording);
  }
  return Error(ErrorCode::InternalError, std::string("no transition rule for ") + verbName(verb));
}

const char* verbName(Verb verb) {
  switch (verb) {
    case Verb::Start: return "start";
    case Verb::Shutdown: return "shutdown";
    case Verb::Destroy: return "destroy";
    case Verb::Suspend: return "suspend";
    case Verb::Resume: return "resume";
    case Verb::Reboot: return "reboot";
    case Verb::Reset: return "reset";
    case Verb::Save: return "save";
    case Verb::Rename: return "rename";
    case Verb::ChangeLive: return "change the running guest";
  }
  return "?";
}

}  // namespace stratus::daemon
