#include "cli/interrupt.h"

#include <csignal>

namespace stratus::cli {

namespace {
// A signal handler can only reach static storage; this flag is all it sets.
volatile std::sig_atomic_t interruptedFlag = 0;
void onSigint(int) { interruptedFlag = 1; }
}  // namespace

SigintScope::SigintScope() {
  interruptedFlag = 0;
  struct sigaction sa {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_);
}

SigintScope::~SigintScope() {
  sigaction(SIGINT, &old_, nullptr);
}

bool SigintScope::interrupted() const { return interruptedFlag != 0; }

}  // namespace stratus::cli
