// Ctrl-C while a command waits (event --loop, a save or restore): the
// command notices and ends its work itself instead of the process dying.
#pragma once

#include <csignal>

namespace stratus::cli {

// SIGINT sets a flag for the lifetime of this object; the previous handler
// comes back afterwards. Only one may be alive at a time (the flag is the
// one piece of state a signal handler may touch).
class SigintScope {
 public:
  SigintScope();
  ~SigintScope();
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;
  bool interrupted() const;

 private:
  struct sigaction old_ {};
};

}  // namespace stratus::cli
