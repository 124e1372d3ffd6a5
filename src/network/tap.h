// Tap devices for guest NICs, optionally enslaved to a bridge. The tap is not
// persistent: it disappears when the last file descriptor (QEMU's) closes.
#pragma once

#include <string>

#include "util/error.h"

namespace stratus::network {

struct TapDevice {
  int fd = -1;       // hand this to QEMU (-netdev tap,fd=N)
  std::string name;  // "vnet0"
};

// Creates a tap (name from `nameTemplate`, "vnet%d" lets the kernel pick),
// gives it a MAC derived from the guest's (first byte 0xfe, so the bridge never
// adopts the tap's address), brings it up, and enslaves it to `bridge` when
// that is not empty. The fd is close-on-exec; pass it on explicitly.
Result<TapDevice> createTap(const std::string& nameTemplate, const std::string& guestMac, const std::string& bridge);

bool interfaceExists(const std::string& name);

}  // namespace stratus::network
