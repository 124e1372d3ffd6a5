#include "cli/migrate_args.h"

#include <fmt/format.h>

namespace stratus::cli {

namespace {

Error invalid(std::string msg) { return Error(ErrorCode::InvalidArgument, std::move(msg)); }

Error malformedNumber(std::string_view opt, const std::string& value) {
  return invalid(fmt::format("Numeric value '{}' for <{}> option is malformed or out of range", value, opt));
}

}  // namespace

Status checkMigrateOptionPairs(const ParsedCmd& pc) {
  auto exclusive = [&](std::string_view a, std::string_view b) -> Status {
    if (pc.has(a) && pc.has(b)) return invalid(fmt::format("Options --{} and --{} are mutually exclusive", a, b));
    return okStatus();
  };
  auto requires_ = [&](std::string_view opt, std::string_view needed) -> Status {
    if (pc.has(opt) && !pc.has(needed))
      return invalid(fmt::format("Option --{} is required by option --{}", needed, opt));
    return okStatus();
  };
  STRATUS_TRY(exclusive("live", "offline"));
  STRATUS_TRY(exclusive("timeout-suspend", "timeout-postcopy"));
  STRATUS_TRY(requires_("postcopy-after-precopy", "postcopy"));
  STRATUS_TRY(requires_("timeout-postcopy", "postcopy"));
  return okStatus();
}

Result<MigrateTimeout> migrateTimeoutFrom(const ParsedCmd& pc) {
  MigrateTimeout t;
  if (auto v = pc.find("timeout")) {
    auto n = parseUnsigned(*v);
    if (!n || *n > 0x7fffffff) return malformedNumber("timeout", *v);
    t.seconds = static_cast<unsigned>(*n);
    // A timeout suspends or switches a guest that runs while it moves.
    if (t.seconds > 0 && !pc.has("live")) return invalid("migrate: Unexpected timeout for offline migration");
  }
  bool actionGiven = pc.has("timeout-suspend") || pc.has("timeout-postcopy");
  if (pc.has("timeout-postcopy")) t.action = daemon::MigrateOptions::TimeoutAction::Postcopy;
  if (t.seconds == 0 && actionGiven) return invalid("migrate: Unexpected --timeout-* option without --timeout");
  return t;
}

Result<daemon::MigrateOptions> migrateOptionsFrom(const ParsedCmd& pc, const MigrateTimeout& timeout) {
  daemon::MigrateOptions o;
  o.live = pc.has("live");
  o.offline = pc.has("offline");
  o.persistent = pc.has("persistent");
  o.undefineSource = pc.has("undefinesource");
  o.suspend = pc.has("suspend");
  // checkMigrateFlags has refused both copy flags together.
  if (pc.has("copy-storage-all"))
    o.copyStorage = daemon::MigrateOptions::Storage::All;
  else if (pc.has("copy-storage-inc"))
    o.copyStorage = daemon::MigrateOptions::Storage::Incremental;
  o.tunnelled = pc.has("tunnelled");
  o.p2p = pc.has("p2p");
  o.compressed = pc.has("compressed");
  o.postcopy = pc.has("postcopy");
  o.autoConverge = pc.has("auto-converge");
  o.unsafe = pc.has("unsafe");
  o.timeoutSeconds = timeout.seconds;
  o.timeoutAction = timeout.action;
  o.migrateUri = pc.get("migrateuri");
  o.listenAddress = pc.get("listen-address");
  o.destName = pc.get("dname");
  if (auto disks = pc.find("migrate-disks")) o.migrateDisks = splitDiskList(*disks);
  if (auto bw = pc.find("bandwidth")) {
    auto n = parseUnsigned(*bw);
    if (!n) return malformedNumber("bandwidth", *bw);
    o.bandwidthMiB = *n;
  }
  return o;
}

Status checkMigrateFlags(const ParsedCmd& pc) {
  if (pc.has("copy-storage-all") && pc.has("copy-storage-inc"))
    return invalid("Flags 'VIR_MIGRATE_NON_SHARED_DISK' and 'VIR_MIGRATE_NON_SHARED_INC' are mutually exclusive");
  if (pc.has("tunnelled") && !pc.has("p2p"))
    return invalid("cannot perform tunnelled migration without using peer2peer flag");
  return okStatus();
}

std::vector<std::string> splitDiskList(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace stratus::cli
