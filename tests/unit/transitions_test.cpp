// The power-state transition table: every verb in every state.
#include <gtest/gtest.h>

#include "daemon/transitions.h"

using namespace stratus;
using namespace stratus::daemon;
using S = conf::DomainState;

TEST(Transitions, AllowedMovesMatchLibvirt) {
  struct Case {
    Verb verb;
    S state;
    bool ok;
  };
  const Case cases[] = {
      {Verb::Start, S::Shutoff, true},     {Verb::Start, S::Running, false},   {Verb::Start, S::Paused, false},
      {Verb::Shutdown, S::Running, true},  {Verb::Shutdown, S::Shutoff, false}, {Verb::Shutdown, S::Paused, true},
      {Verb::Destroy, S::Running, true},   {Verb::Destroy, S::Crashed, true},   {Verb::Destroy, S::Shutoff, false},
      {Verb::Suspend, S::Running, true},   {Verb::Suspend, S::Paused, true},    {Verb::Suspend, S::Shutoff, false},
      {Verb::Resume, S::Paused, true},     {Verb::Resume, S::Running, false},   {Verb::Resume, S::Shutoff, false},
      {Verb::Reboot, S::Running, true},    {Verb::Reboot, S::Shutoff, false},   {Verb::Reset, S::Crashed, true},
      {Verb::Save, S::Paused, true},       {Verb::Save, S::Shutoff, false},     {Verb::Rename, S::Shutoff, true},
      {Verb::Rename, S::Running, false},   {Verb::ChangeLive, S::Shutoff, false},
  };
  for (const auto& c : cases) {
    auto st = checkTransition(c.verb, c.state, "vm", false);
    EXPECT_EQ(st.ok(), c.ok) << verbName(c.verb) << " in " << conf::stateName(c.state);
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, ErrorCode::OperationInvalid);
    }
  }
}

TEST(Transitions, RefusalsUseVirshWords) {
  EXPECT_EQ(checkTransition(Verb::Start, S::Running, "vm", false).error().message,
            "Requested operation is not valid: domain is already running");
  EXPECT_EQ(checkTransition(Verb::Destroy, S::Shutoff, "vm", false).error().message,
            "Requested operation is not valid: domain is not running");
  EXPECT_EQ(checkTransition(Verb::Resume, S::Running, "vm", false).error().message,
            "Requested operation is not valid: domain is not paused");
  // libvirt's test driver words these its own way; test:/// users see those.
  EXPECT_EQ(checkTransition(Verb::Suspend, S::Shutoff, "vm", true).error().message, "internal error: domain 'vm' not running");
  EXPECT_EQ(checkTransition(Verb::Resume, S::Running, "vm", true).error().message, "internal error: domain 'vm' not paused");
  EXPECT_EQ(checkTransition(Verb::Destroy, S::Shutoff, "vm", true).error().message,
            "Requested operation is not valid: domain is not running");
}
