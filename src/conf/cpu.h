// <cpu> (mode, match, model, vendor, topology, features) and
// <vcpu>/<cputune> (placement, pinning, scheduler tunables).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;
struct DomainDef;

struct CpuTopology {
  unsigned sockets = 1, dies = 1, clusters = 1, cores = 1, threads = 1;
  bool hasDies = false, hasClusters = false;
  friend bool operator==(const CpuTopology&, const CpuTopology&) = default;
};

struct CpuFeature {
  std::string policy;  // force, require, optional, disable, forbid
  std::string name;
  friend bool operator==(const CpuFeature&, const CpuFeature&) = default;
};

struct CpuDef {
  std::string mode;  // custom, host-model, host-passthrough, maximum
  std::string match, check, migratable;
  std::string model, modelFallback, modelVendorId;
  std::string vendor;
  std::optional<CpuTopology> topology;
  std::vector<CpuFeature> features;
  LeafExtras leaf;  // extras of <model>, <topology>, <feature>s
  Extra extra;  // <numa>, <cache>, <maxphysaddr>, ...
  friend bool operator==(const CpuDef&, const CpuDef&) = default;
};

struct VcpuPin {
  unsigned vcpu = 0;
  std::string cpuset;
  friend bool operator==(const VcpuPin&, const VcpuPin&) = default;
};

struct CpuTuneDef {
  std::optional<std::uint64_t> shares;
  std::vector<VcpuPin> vcpupins;
  std::string emulatorpin;  // cpuset, empty when absent
  LeafExtras leaf;
  Extra extra;              // quota, period, iothreadpin, vcpusched, ... kept verbatim
  bool empty() const { return !shares && vcpupins.empty() && emulatorpin.empty() && extra.empty() && leaf.empty(); }
  friend bool operator==(const CpuTuneDef&, const CpuTuneDef&) = default;
};

CpuDef parseCpu(Elem& e);
void formatCpu(XmlElement& domain, const CpuDef& c);
// <vcpu placement cpuset current>N</vcpu>
void parseVcpu(Elem& e, DomainDef& def);
void formatVcpu(XmlElement& domain, const DomainDef& def);
CpuTuneDef parseCpuTune(Elem& e);
void formatCpuTune(XmlElement& domain, const CpuTuneDef& t);

// libvirt cpuset syntax: "0-3,^2,8" (true when well-formed).
bool validCpuset(std::string_view s);

}  // namespace stratus::conf
