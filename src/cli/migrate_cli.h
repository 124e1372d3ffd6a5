// The migration commands: their rows in the command table and handlers.
#pragma once

#include <vector>

#include "cli/ctl.h"

namespace stratus::cli {

std::vector<CmdDef> migrateCommands();  // cmd_migrate_table.cpp
// cmd_migrate.cpp
bool cmdMigrate(Ctl&, const ParsedCmd&);
// cmd_migrate_tune.cpp
bool cmdMigrateSetMaxDowntime(Ctl&, const ParsedCmd&);
bool cmdMigrateGetMaxDowntime(Ctl&, const ParsedCmd&);
bool cmdMigrateSetSpeed(Ctl&, const ParsedCmd&);
bool cmdMigrateGetSpeed(Ctl&, const ParsedCmd&);
bool cmdMigratePostcopy(Ctl&, const ParsedCmd&);

}  // namespace stratus::cli
