// Handlers of the statistics, tuning and device commands, and helpers they
// share (cmd_stats.cpp, cmd_vcpu.cpp, cmd_devices.cpp).
#pragma once

#include <optional>
#include <string>

#include "cli/handlers.h"

namespace stratus::cli {

// cmd_stats.cpp
bool cmdDommemstat(Ctl&, const ParsedCmd&);
bool cmdMemtune(Ctl&, const ParsedCmd&);
bool cmdDomstats(Ctl&, const ParsedCmd&);
bool cmdNodecpustats(Ctl&, const ParsedCmd&);
bool cmdNodememstats(Ctl&, const ParsedCmd&);
bool cmdNodecpumap(Ctl&, const ParsedCmd&);
// cmd_vcpu.cpp
bool cmdVcpuinfo(Ctl&, const ParsedCmd&);
bool cmdVcpupin(Ctl&, const ParsedCmd&);
bool cmdEmulatorpin(Ctl&, const ParsedCmd&);
// cmd_devices.cpp
bool cmdDomblklist(Ctl&, const ParsedCmd&);
bool cmdDomblkinfo(Ctl&, const ParsedCmd&);
bool cmdDomblkstat(Ctl&, const ParsedCmd&);
bool cmdDomiflist(Ctl&, const ParsedCmd&);
bool cmdDomifstat(Ctl&, const ParsedCmd&);
bool cmdDomifaddr(Ctl&, const ParsedCmd&);

// A signed number option as virsh reads it (vshCommandOptInt): nullopt and
// "Numeric value 'X' for <NAME> option is malformed or out of range" when
// malformed; `absent` says whether it was given at all.
std::optional<long long> intOption(Ctl& ctl, const ParsedCmd& pc, std::string_view name, long long min,
                                   long long max, bool& absent);

}  // namespace stratus::cli
