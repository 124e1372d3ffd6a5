// Domain model -> QEMU command line (modern -blockdev/-device, started paused
// with -S, monitor on a socket we pass in). Golden tests keep it honest:
// tests/data/qemu/*.xml -> *.args.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conf/domain_def.h"
#include "drivers/qemu/qemu_caps.h"
#include "util/error.h"

namespace stratus::drivers::qemu {

// What the launcher prepared before building the command line.
struct CommandContext {
  std::string emulator;                 // the binary to run (resolved)
  int monitorFd = -1;                   // listening QMP socket passed to QEMU; -1: use monitorPath
  std::string monitorPath;              // used when monitorFd < 0 (tests)
  std::map<std::size_t, int> tapFds;    // interface index -> tap fd passed to QEMU
  std::optional<int> vncDisplay;        // display number chosen for autoport VNC (port - 5900)
  std::optional<int> spicePort;         // port chosen for autoport SPICE
  bool kvm = false;                     // accelerate with KVM (type='kvm' and /dev/kvm present)
};

struct QemuCommand {
  std::vector<std::string> argv;  // argv[0] is the emulator
  std::vector<std::string> notes; // things worth a line in the domain log
};

// Give every device a stable alias (virtio-disk0, net0, serial0, ...) as
// libvirt does in live XML; hot-plug and stats find devices by them.
void assignAliases(conf::DomainDef& def);

// Fails with Unsupported naming the device when something cannot be honoured;
// nothing is silently dropped.
Result<QemuCommand> buildCommand(const conf::DomainDef& def, const QemuCaps& caps,
                                 const CommandContext& ctx);

// QEMU option values double their commas.
std::string qemuEscape(const std::string& s);

}  // namespace stratus::drivers::qemu
