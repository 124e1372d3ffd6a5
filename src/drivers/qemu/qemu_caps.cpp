#include "drivers/qemu/qemu_caps.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include "util/process.h"

namespace stratus::drivers::qemu {

std::string QemuCaps::resolveMachine(const std::string& m) const {
  if (m.empty()) return defaultMachine;
  if (auto it = machineAliases.find(m); it != machineAliases.end()) return it->second;
  if (machines.count(m)) return m;
  return {};
}

void parseMachineHelp(const std::string& text, QemuCaps& caps) {
  // Lines: "NAME   Description [(alias of TARGET)] [(default)]"
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("Supported machines", 0) == 0) continue;
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string name = line.substr(0, sp);
    if (name == "none") continue;
    const std::string aliasTag = "(alias of ";
    if (auto a = line.find(aliasTag); a != std::string::npos) {
      auto end = line.find(')', a);
      caps.machineAliases[name] = line.substr(a + aliasTag.size(), end - a - aliasTag.size());
      continue;
    }
    caps.machines.insert(name);
    if (line.find("(default)") != std::string::npos) caps.defaultMachine = name;
  }
}

void parseDeviceHelp(const std::string& text, QemuCaps& caps) {
  // Lines: name "virtio-blk-pci", bus PCI, alias "virtio-blk"
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("name \"", 0) != 0) continue;
    auto end = line.find('"', 6);
    if (end == std::string::npos) continue;
    caps.devices.insert(line.substr(6, end - 6));
    const std::string aliasTag = "alias \"";
    if (auto a = line.find(aliasTag); a != std::string::npos) {
      auto e2 = line.find('"', a + aliasTag.size());
      if (e2 != std::string::npos) caps.devices.insert(line.substr(a + aliasTag.size(), e2 - a - aliasTag.size()));
    }
  }
}

bool parseVersion(const std::string& text, QemuCaps& caps) {
  // "QEMU emulator version 7.2.22 (Debian ...)"
  const std::string tag = "version ";
  auto p = text.find(tag);
  if (p == std::string::npos) return false;
  p += tag.size();
  auto e = text.find_first_of(" \n(", p);
  caps.version = text.substr(p, e - p);
  unsigned major = 0, minor = 0, micro = 0;
  if (std::sscanf(caps.version.c_str(), "%u.%u.%u", &major, &minor, &micro) < 2) return false;
  caps.versionNum = major * 1000000 + minor * 1000 + micro;
  return true;
}

Result<QemuCaps> QemuCapsCache::get(const std::string& binary) {
  struct stat st {};
  if (::stat(binary.c_str(), &st) != 0)
    return Error(ErrorCode::OperationFailed, "cannot find emulator '" + binary + "': " + std::strerror(errno));
  long long stamp = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  {
    std::lock_guard lk(mu_);
    if (auto it = cache_.find(binary); it != cache_.end() && it->second.first == stamp) return it->second.second;
  }
  QemuCaps caps;
  caps.binary = binary;
  auto ver = runCapture({binary, "--version"});
  if (!ver) return std::move(ver).error();
  if (!parseVersion(*ver, caps))
    return Error(ErrorCode::OperationFailed, "cannot parse the version of " + binary + ": " + *ver);
  auto mach = runCapture({binary, "-machine", "help"});
  if (!mach) return std::move(mach).error();
  parseMachineHelp(*mach, caps);
  auto dev = runCapture({binary, "-device", "help"});
  if (!dev) return std::move(dev).error();
  parseDeviceHelp(*dev, caps);
  // SPICE lives in a loadable module in Debian's build.
  caps.spice = ::access("/usr/lib/x86_64-linux-gnu/qemu/ui-spice-core.so", R_OK) == 0;
  std::lock_guard lk(mu_);
  cache_[binary] = {stamp, caps};
  return caps;
}

}  // namespace stratus::drivers::qemu
