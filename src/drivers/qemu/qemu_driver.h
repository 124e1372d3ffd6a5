// The QEMU hypervisor driver: turns domain definitions into QEMU processes
// and watches them.
#pragma once

#include <memory>
#include <string>

#include "drivers/driver.h"

namespace stratus::drivers::qemu {

struct QemuDriverConfig {
  std::string runDir;  // ROOT/run/stratus: monitor sockets under qemu/, logs under log/qemu/
  std::string defaultEmulator = "/usr/bin/qemu-system-x86_64";
  std::string kvmDevice = "/dev/kvm";  // tests point it elsewhere to play a host without KVM
};

std::unique_ptr<HypervisorDriver> makeQemuDriver(QemuDriverConfig cfg);

// The host as nodeinfo reports it (from /proc and sysconf).
daemon::NodeInfo hostNodeInfo();

}  // namespace stratus::drivers::qemu
