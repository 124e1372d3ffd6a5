// Small single-purpose devices: <memballoon>, <rng>, <watchdog>, <panic>.
#pragma once

#include <optional>
#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct MemballoonDef {
  std::string model;  // virtio, virtio-transitional, xen, none
  std::string autodeflate, freePageReporting;
  std::optional<unsigned> statsPeriod;
  LeafExtras leaf;
  DeviceInfo info;
  Extra extra;
  friend bool operator==(const MemballoonDef&, const MemballoonDef&) = default;
};

struct RngDef {
  std::string model;         // virtio
  std::string backendModel;  // random, egd, builtin
  std::string backendPath;   // random: /dev/urandom
  Extra backendExtra;        // egd: type + <source>/<protocol>
  DeviceInfo info;
  Extra extra;  // <rate>, <driver>
  friend bool operator==(const RngDef&, const RngDef&) = default;
};

struct WatchdogDef {
  std::string model;   // i6300esb, ib700, diag288, itco
  std::string action;  // reset (default), shutdown, poweroff, pause, none, dump, inject-nmi
  DeviceInfo info;
  Extra extra;
  friend bool operator==(const WatchdogDef&, const WatchdogDef&) = default;
};

struct PanicDef {
  std::string model;  // isa, pseries, hyperv, s390, pvpanic
  DeviceInfo info;
  Extra extra;
  friend bool operator==(const PanicDef&, const PanicDef&) = default;
};

MemballoonDef parseMemballoon(Elem& e);
void formatMemballoon(XmlElement& devices, const MemballoonDef& m, const FormatOptions& opts);
RngDef parseRng(Elem& e);
void formatRng(XmlElement& devices, const RngDef& r, const FormatOptions& opts);
WatchdogDef parseWatchdog(Elem& e);
void formatWatchdog(XmlElement& devices, const WatchdogDef& w, const FormatOptions& opts);
PanicDef parsePanic(Elem& e);
void formatPanic(XmlElement& devices, const PanicDef& p, const FormatOptions& opts);

}  // namespace stratus::conf
