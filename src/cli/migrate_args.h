// `migrate`'s options as virsh checks them, in virsh's order, apart from the
// command so that each check can be tested alone. Every error is virsh's
// text (without "error: ").
#pragma once

#include <string>
#include <vector>

#include "cli/command.h"
#include "daemon/migration_types.h"
#include "util/error.h"

namespace stratus::cli {

// Before the domain is looked up: options that exclude or require others.
Status checkMigrateOptionPairs(const ParsedCmd& pc);

// After the lookup: --timeout and its action. `seconds` 0: no timeout.
struct MigrateTimeout {
  unsigned seconds = 0;
  daemon::MigrateOptions::TimeoutAction action = daemon::MigrateOptions::TimeoutAction::Suspend;
};
Result<MigrateTimeout> migrateTimeoutFrom(const ParsedCmd& pc);

// Once the destination is open: every option as MigrateOptions (--xml is
// left for the caller to read into destXml).
Result<daemon::MigrateOptions> migrateOptionsFrom(const ParsedCmd& pc, const MigrateTimeout& timeout);

// What libvirt's client library refuses before it asks either host
// (virDomainMigrate3 / virDomainMigrateToURI3), once the destination is open.
Status checkMigrateFlags(const ParsedCmd& pc);

// "vda, vdb" -> {"vda", "vdb"}; empty items dropped.
std::vector<std::string> splitDiskList(const std::string& list);

}  // namespace stratus::cli
