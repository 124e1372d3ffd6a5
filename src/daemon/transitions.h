// Which verbs a domain accepts in which power state, in one table (the
// per-domain job lock serialises the verbs themselves). Every refusal comes
// from here, worded as virsh users know it.
#pragma once

#include <string>

#include "conf/domain_state.h"
#include "util/error.h"

namespace stratus::daemon {

enum class Verb { Start, Shutdown, Destroy, Suspend, Resume, Reboot, Reset, Save, Rename, ChangeLive };

// `name` is the domain's name; `testWording` selects the words libvirt's
// test driver uses for the same refusals (test:/// URIs).
Status checkTransition(Verb verb, conf::DomainState state, const std::string& name, bool testWording);

const char* verbName(Verb verb);

}  // namespace stratus::daemon
