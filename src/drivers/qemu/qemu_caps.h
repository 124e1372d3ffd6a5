// What a QEMU binary can do, learnt once per binary (and its mtime) from
// `--version`, `-machine help` and `-device help` (~100 ms in all), never by
// probing CPU features over QMP (that costs libvirt ~600 ms per start).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "util/error.h"

namespace stratus::drivers::qemu {

struct QemuCaps {
  std::string binary;
  std::string version;        // "7.2.22"
  unsigned versionNum = 0;    // 7002022
  std::string defaultMachine; // "pc-i440fx-7.2"
  std::map<std::string, std::string> machineAliases;  // "pc" -> "pc-i440fx-7.2"
  std::set<std::string> machines;                      // every concrete machine type
  std::set<std::string> devices;                       // -device names ("virtio-blk-pci", "qxl-vga")
  bool spice = false;  // the SPICE display module is installed

  bool hasDevice(const std::string& d) const { return devices.count(d) != 0; }
  // "pc" -> "pc-i440fx-7.2"; a concrete name stays; empty -> default machine.
  // Unknown -> nullopt-like empty string.
  std::string resolveMachine(const std::string& m) const;
};

// Parsers of QEMU's help texts, separate so unit tests can feed them text.
void parseMachineHelp(const std::string& text, QemuCaps& caps);
void parseDeviceHelp(const std::string& text, QemuCaps& caps);
bool parseVersion(const std::string& text, QemuCaps& caps);

// Caches probes by binary path + mtime; thread-safe.
class QemuCapsCache {
 public:
  Result<QemuCaps> get(const std::string& binary);

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<long long, QemuCaps>> cache_;
};

}  // namespace stratus::drivers::qemu
