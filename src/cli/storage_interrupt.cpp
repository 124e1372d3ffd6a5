#include "cli/storage_interrupt.h"

namespace stratus::cli {

namespace {
// The one piece of state a signal handler may touch.
volatile std::sig_atomic_t sigintSeen = 0;
extern "C" void noteSigint(int) { sigintSeen = 1; }
}  // namespace

StorageInterrupt::StorageInterrupt() {
  sigintSeen = 0;
  struct sigaction sa {};
  sa.sa_handler = noteSigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &previous_);
}

StorageInterrupt::~StorageInterrupt() { ::sigaction(SIGINT, &previous_, nullptr); }

bool StorageInterrupt::raised() const { return sigintSeen != 0; }

}  // namespace stratus::cli
