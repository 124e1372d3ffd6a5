// Wire forms (JSON) of the statistics and tuning types (daemon/stats_types.h).
// docs/api.md documents every field.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/stats_types.h"
#include "util/error.h"

namespace stratus::daemon {

void to_json(nlohmann::json& j, const MemoryStat& v);
void from_json(const nlohmann::json& j, MemoryStat& v);
void to_json(nlohmann::json& j, const MemoryTune& v);
void from_json(const nlohmann::json& j, MemoryTune& v);
void to_json(nlohmann::json& j, const MemoryTuneUpdate& v);
void from_json(const nlohmann::json& j, MemoryTuneUpdate& v);
void to_json(nlohmann::json& j, const NodeCpuMap& v);
void from_json(const nlohmann::json& j, NodeCpuMap& v);
void to_json(nlohmann::json& j, const NodeCpuStats& v);
void from_json(const nlohmann::json& j, NodeCpuStats& v);
void to_json(nlohmann::json& j, const NodeMemoryStats& v);
void from_json(const nlohmann::json& j, NodeMemoryStats& v);
void to_json(nlohmann::json& j, const VcpuInfo& v);
void from_json(const nlohmann::json& j, VcpuInfo& v);
void to_json(nlohmann::json& j, const VcpuPinInfo& v);
void from_json(const nlohmann::json& j, VcpuPinInfo& v);
void to_json(nlohmann::json& j, const BlockStats& v);
void from_json(const nlohmann::json& j, BlockStats& v);
void to_json(nlohmann::json& j, const BlockInfo& v);
void from_json(const nlohmann::json& j, BlockInfo& v);
void to_json(nlohmann::json& j, const InterfaceStats& v);
void from_json(const nlohmann::json& j, InterfaceStats& v);
void to_json(nlohmann::json& j, const IpAddress& v);
void from_json(const nlohmann::json& j, IpAddress& v);
void to_json(nlohmann::json& j, const InterfaceAddresses& v);
void from_json(const nlohmann::json& j, InterfaceAddresses& v);
void to_json(nlohmann::json& j, const DomainStatsQuery& v);
void from_json(const nlohmann::json& j, DomainStatsQuery& v);
void to_json(nlohmann::json& j, const TypedParam& v);
void from_json(const nlohmann::json& j, TypedParam& v);
void to_json(nlohmann::json& j, const DomainStatsRecord& v);
void from_json(const nlohmann::json& j, DomainStatsRecord& v);

}  // namespace stratus::daemon

namespace stratus::api {

// domifaddr's --source names: "lease", "agent", "arp".
std::string_view addressSourceName(daemon::AddressSource s);
std::optional<daemon::AddressSource> addressSourceFromName(std::string_view name);

// domstats group names ("state", "cpu-total", "balloon", "vcpu",
// "interface", "block", "perf", "iothread", "memory", "dirtyrate", "vm").
std::string_view statsGroupName(daemon::StatsGroup g);
std::optional<daemon::StatsGroup> statsGroupFromName(std::string_view name);

}  // namespace stratus::api
