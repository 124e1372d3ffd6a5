// Device commands (cmd_devices.cpp, cmd_device_xml.cpp) and vcpucount
// (cmd_vcpus.cpp): their handlers and their rows of the command table.
#pragma once

#include <vector>

#include "cli/ctl.h"

namespace stratus::cli {

bool cmdAttachDevice(Ctl&, const ParsedCmd&);
bool cmdDetachDevice(Ctl&, const ParsedCmd&);
bool cmdUpdateDevice(Ctl&, const ParsedCmd&);
bool cmdAttachDisk(Ctl&, const ParsedCmd&);
bool cmdDetachDisk(Ctl&, const ParsedCmd&);
bool cmdAttachInterface(Ctl&, const ParsedCmd&);
bool cmdDetachInterface(Ctl&, const ParsedCmd&);
bool cmdChangeMedia(Ctl&, const ParsedCmd&);
bool cmdBlockresize(Ctl&, const ParsedCmd&);
bool cmdVcpucount(Ctl&, const ParsedCmd&);

// The rows of these commands.
std::vector<CmdDef> deviceCommands();

// `table` with `extra` merged in, each after the last row of its group whose
// name sorts before it (the table lists a group's commands alphabetically).
std::vector<CmdDef> mergeCommands(std::vector<CmdDef> table, const std::vector<CmdDef>& extra);

}  // namespace stratus::cli
