// Stage 3: cross-field rules on the defaulted model.
#include <fmt/format.h>

#include <map>
#include <set>

#include "conf/domain_stages.h"

namespace stratus::conf {

namespace {

struct Checker {
  const std::string& file;
  const SourceMap& lines;
  int line(const std::string& key) const {
    auto it = lines.find(key);
    if (it == lines.end()) it = lines.find("domain");
    return it == lines.end() ? 0 : it->second;
  }
  Error err(const std::string& key, std::string field, std::string msg) const {
    return Error(ErrorCode::XmlInvalid, std::move(msg), ErrorLocation{file, line(key), std::move(field)});
  }
};

}  // namespace

Status validateDomainDef(const DomainDef& def, const std::string& file, const SourceMap& lines) {
  Checker c{file, lines};
  if (auto st = validateDomainName(def.name); !st) return c.err("domain/name", "domain/name", st.error().message);
  if (def.title.find('\n') != std::string::npos)
    return c.err("domain/title", "domain/title", "title must not contain newlines");

  if (def.memoryKiB == 0) return c.err("domain/memory", "domain/memory", "memory size must be given and non-zero");
  if (def.currentMemoryKiB > def.memoryKiB)
    return c.err("domain/currentMemory", "domain/currentMemory",
                 fmt::format("currentMemory ({} KiB) must not exceed memory ({} KiB)", def.currentMemoryKiB,
                             def.memoryKiB));
  if (def.maxMemoryKiB > 0 || def.maxMemorySlots > 0) {
    if (def.maxMemoryKiB == 0 || def.maxMemorySlots == 0)
      return c.err("domain/maxMemory", "domain/maxMemory", "maxMemory needs both a size and slots='N' (N >= 1)");
    if (def.maxMemoryKiB < def.memoryKiB)
      return c.err("domain/maxMemory", "domain/maxMemory",
                   fmt::format("maxMemory ({} KiB) must not be less than memory ({} KiB)", def.maxMemoryKiB,
                               def.memoryKiB));
  }

  if (def.vcpus == 0) return c.err("domain/vcpu", "domain/vcpu", "vcpu count must be at least 1");
  if (def.currentVcpus == 0) return c.err("domain/vcpu", "domain/vcpu/@current", "current vcpus must be at least 1");
  if (def.currentVcpus > def.vcpus)
    return c.err("domain/vcpu", "domain/vcpu/@current",
                 fmt::format("current vcpus ({}) must not exceed the maximum ({})", def.currentVcpus, def.vcpus));
  for (std::size_t i = 0; i < def.cputune.vcpupins.size(); ++i) {
    const auto& p = def.cputune.vcpupins[i];
    if (p.vcpu >= def.vcpus)
      return c.err(fmt::format("domain/cputune/vcpupin#{}", i), "domain/cputune/vcpupin/@vcpu",
                   fmt::format("vcpupin for vcpu {} but the domain has {} vcpus", p.vcpu, def.vcpus));
  }
  if (def.cpu && def.cpu->topology) {
    const auto& t = *def.cpu->topology;
    std::uint64_t n = std::uint64_t{t.sockets} * t.dies * t.clusters * t.cores * t.threads;
    if (n != def.vcpus)
      return c.err("domain/cpu", "domain/cpu/topology",
                   fmt::format("CPU topology gives {} vcpus but <vcpu> is {}", n, def.vcpus));
  }

  // devices
  std::map<std::string, int> targets;
  for (std::size_t i = 0; i < def.devices.disks.size(); ++i) {
    const auto& d = def.devices.disks[i];
    std::string key = fmt::format("domain/devices/disk#{}", i);
    if (!targets.emplace(d.targetDev, c.line(key)).second)
      return c.err(key, "domain/devices/disk/target/@dev",
                   fmt::format("target '{}' is already used by the disk at line {}", d.targetDev,
                               targets[d.targetDev]));
  }
  std::map<unsigned, std::string> bootOrders;
  bool deviceBoot = false;
  auto checkBoot = [&](const DeviceInfo& info, const std::string& kind, std::size_t i) -> Status {
    if (!info.bootOrder) return okStatus();
    deviceBoot = true;
    std::string key = fmt::format("domain/devices/{}#{}", kind, i);
    if (!bootOrders.emplace(*info.bootOrder, kind).second)
      return c.err(key, "domain/devices/" + kind + "/boot/@order",
                   fmt::format("boot order {} is used by more than one device", *info.bootOrder));
    return okStatus();
  };
  for (std::size_t i = 0; i < def.devices.disks.size(); ++i) STRATUS_TRY(checkBoot(def.devices.disks[i].info, "disk", i));
  for (std::size_t i = 0; i < def.devices.interfaces.size(); ++i)
    STRATUS_TRY(checkBoot(def.devices.interfaces[i].info, "interface", i));
  for (std::size_t i = 0; i < def.devices.hostdevs.size(); ++i)
    STRATUS_TRY(checkBoot(def.devices.hostdevs[i].info, "hostdev", i));
  for (std::size_t i = 0; i < def.devices.redirdevs.size(); ++i)
    STRATUS_TRY(checkBoot(def.devices.redirdevs[i].info, "redirdev", i));
  if (deviceBoot && !def.os.bootDevs.empty())
    return c.err("domain/os", "domain/os/boot",
                 "per-device <boot order=.../> cannot be combined with <os><boot dev=.../>");
  return okStatus();
}

Status validateDomainName(std::string_view name) {
  if (name.empty()) return Error(ErrorCode::XmlInvalid, "domain name must not be empty");
  if (name.front() == '.') return Error(ErrorCode::XmlInvalid, "domain name must not start with '.'");
  for (char ch : name) {
    if (ch == '/') return Error(ErrorCode::XmlInvalid, "domain name must not contain '/'");
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      return Error(ErrorCode::XmlInvalid, "domain name must not contain control characters");
  }
  return okStatus();
}

}  // namespace stratus::conf
