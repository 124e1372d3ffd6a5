// Ctrl-C during a volume copy, upload or download: the command notices,
// cancels its work and cleans up instead of the process dying half way.
// (A stand-in for the lead's cli/interrupt.h SigintScope, which is not on
// this branch yet; the two can become one when merged.)
#pragma once

#include <csignal>

namespace stratus::cli {

// While alive, SIGINT only raises a flag; the previous disposition returns
// with its end. One at a time (a signal handler can only reach one flag).
class StorageInterrupt {
 public:
  StorageInterrupt();
  ~StorageInterrupt();
  StorageInterrupt(const StorageInterrupt&) = delete;
  StorageInterrupt& operator=(const StorageInterrupt&) = delete;
  bool raised() const;

 private:
  struct sigaction previous_ {};
};

}  // namespace stratus::cli
