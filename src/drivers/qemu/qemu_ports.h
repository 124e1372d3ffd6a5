// Ports for VNC/SPICE autoport, handed out once and checked free on the host.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "util/error.h"

namespace stratus::drivers::qemu {

class PortAllocator {
 public:
  // First port in [from, to] that no guest holds and nothing listens on.
  Result<int> reserve(int from, int to, const std::string& listenAddress);
  void release(int port);

 private:
  std::mutex mu_;
  std::set<int> used_;
};

}  // namespace stratus::drivers::qemu
