// The simulated hypervisor behind test:///: guests are state only, every
// lifecycle call succeeds instantly, like libvirt's test driver. It is the
// engine for control-plane tests and scale benchmarks, never a stand-in for a
// QEMU test of the same feature.
#pragma once

#include <memory>

#include "drivers/driver.h"

namespace stratus::drivers {

// The host of libvirt's test:///default (16 i686 CPUs, 3 GiB).
daemon::NodeInfo defaultTestHost();
std::unique_ptr<HypervisorDriver> makeTestDriver(daemon::NodeInfo host = defaultTestHost());

}  // namespace stratus::drivers
