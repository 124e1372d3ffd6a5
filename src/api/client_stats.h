// The statistics and tuning verbs of NodeClient (docs/api.md), over the
// client's HttpConnection. NodeClient forwards its NodeService overrides here.
#pragma once

#include <nlohmann/json.hpp>

#include "api/client.h"
#include "daemon/stats_types.h"

namespace stratus::api {

class StatsClient {
 public:
  explicit StatsClient(HttpConnection& conn) : conn_(conn) {}

  Result<daemon::NodeCpuMap> nodeCpuMap();
  Result<daemon::NodeCpuStats> nodeCpuStats(int cpu);
  Result<daemon::NodeMemoryStats> nodeMemoryStats(int cell);
  Result<std::vector<daemon::MemoryStat>> domainMemoryStats(const std::string& key);
  Status setMemoryStatsPeriod(const std::string& key, int seconds, const daemon::ModifyScope& scope);
  Result<daemon::MemoryTune> memoryTune(const std::string& key, const daemon::ModifyScope& scope);
  Status setMemoryTune(const std::string& key, const daemon::MemoryTuneUpdate& u, const daemon::ModifyScope& scope);
  Result<std::vector<daemon::VcpuInfo>> vcpuInfo(const std::string& key);
  Result<daemon::VcpuPinInfo> vcpuPinInfo(const std::string& key, const daemon::ModifyScope& scope);
  Status pinVcpu(const std::string& key, unsigned vcpu, const std::string& cpuset, const daemon::ModifyScope& scope);
  Result<std::string> emulatorPinInfo(const std::string& key, const daemon::ModifyScope& scope);
  Status pinEmulator(const std::string& key, const std::string& cpuset, const daemon::ModifyScope& scope);
  Result<daemon::BlockStats> blockStats(const std::string& key, const std::string& device);
  Result<daemon::BlockInfo> blockInfo(const std::string& key, const std::string& device);
  Result<daemon::InterfaceStats> interfaceStats(const std::string& key, const std::string& device);
  Result<std::vector<daemon::InterfaceAddresses>> interfaceAddresses(const std::string& key,
                                                                     daemon::AddressSource source);
  Result<std::vector<daemon::DomainStatsRecord>> domainStats(const std::vector<std::string>& keys,
                                                             const daemon::DomainStatsQuery& query);

 private:
  Result<nlohmann::json> call(std::string_view method, const std::string& target,
                              const nlohmann::json* body = nullptr);
  template <class T>
  Result<T> get(const std::string& target, const char* member = nullptr);
  Status post(const std::string& target, const nlohmann::json& body);

  HttpConnection& conn_;
};

}  // namespace stratus::api
