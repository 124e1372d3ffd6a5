// The tuning of a running migration: migrate-setmaxdowntime,
// migrate-getmaxdowntime, migrate-setspeed, migrate-getspeed,
// migrate-postcopy. Values print as virsh prints them (a bare number).
#include <charconv>

#include "cli/handlers.h"

namespace stratus::cli {

namespace {

bool malformed(Ctl& ctl, std::string_view opt, const std::string& value) {
  ctl.error(fmt::format("Numeric value '{}' for <{}> option is malformed or out of range", value, opt));
  return false;
}

// virsh reads the bandwidth "with wrap": -1 is the largest value.
std::optional<std::uint64_t> parseWrapped(const std::string& text) {
  if (!text.starts_with('-')) return parseUnsigned(text);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

// The post-copy phase's own bandwidth (virsh --postcopy) is not kept apart.
Error noPostcopyBandwidth() {
  return Error(ErrorCode::Unsupported, "argument unsupported: a separate post-copy bandwidth is not supported");
}

}  // namespace

bool cmdMigrateSetMaxDowntime(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto ms = parseUnsigned(pc.get("downtime"));
  if (!ms) return malformed(ctl, "downtime", pc.get("downtime"));
  if (*ms < 1) {
    ctl.error("migrate: Invalid downtime");
    return false;
  }
  auto r = ctl.conn()->migrateSetMaxDowntime(d->uuid, *ms);
  if (!r) return fail(ctl, r.error());
  return true;
}

bool cmdMigrateGetMaxDowntime(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto ms = ctl.conn()->migrateGetMaxDowntime(d->uuid);
  if (!ms) return fail(ctl, ms.error());
  ctl.printf("{}\n", *ms);
  return true;
}

bool cmdMigrateSetSpeed(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto bw = parseWrapped(pc.get("bandwidth"));
  if (!bw) return malformed(ctl, "bandwidth", pc.get("bandwidth"));
  if (pc.has("postcopy")) return fail(ctl, noPostcopyBandwidth());
  auto r = ctl.conn()->migrateSetSpeed(d->uuid, *bw);
  if (!r) return fail(ctl, r.error());
  return true;
}

bool cmdMigrateGetSpeed(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (pc.has("postcopy")) return fail(ctl, noPostcopyBandwidth());
  auto bw = ctl.conn()->migrateGetSpeed(d->uuid);
  if (!bw) return fail(ctl, bw.error());
  ctl.printf("{}\n", *bw);
  return true;
}

bool cmdMigratePostcopy(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->migrateStartPostcopy(d->uuid);
  if (!r) return fail(ctl, r.error());
  return true;
}

}  // namespace stratus::cli
