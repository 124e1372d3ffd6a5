// save, restore, managedsave, managedsave-remove.
#include "cli/handlers.h"

namespace stratus::cli {

namespace {
std::optional<daemon::SaveOptions> saveOptions(Ctl& ctl, const ParsedCmd& pc) {
  daemon::SaveOptions o;
  o.running = pc.has("running");
  o.paused = pc.has("paused");
  o.bypassCache = pc.has("bypass-cache");
  o.format = pc.get("image-format");
  if (o.running && o.paused) {
    ctl.error("Options --running and --paused are mutually exclusive");
    return std::nullopt;
  }
  if (auto xml = pc.find("xml"); xml && !readFile(ctl, *xml, o.xml)) return std::nullopt;
  return o;
}
}  // namespace

bool cmdSave(Ctl& ctl, const ParsedCmd& pc) {
  auto o = saveOptions(ctl, pc);
  if (!o) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  const std::string& file = pc.get("file");
  auto* conn = ctl.conn();
  auto r = watchJob(ctl, "Save", d->uuid, pc.has("verbose"), [&] { return conn->saveDomain(d->uuid, file, *o); });
  if (!r) return fail(ctl, fmt::format("Failed to save domain '{}' to {}", d->name, file), r.error());
  ctl.printExtra(fmt::format("\nDomain '{}' saved to {}\n", d->name, file));
  return true;
}

bool cmdRestore(Ctl& ctl, const ParsedCmd& pc) {
  auto o = saveOptions(ctl, pc);
  if (!o) return false;
  const std::string& file = pc.get("file");
  auto* conn = ctl.conn();
  if (!conn) return false;
  // The progress (and Ctrl-C) of a restore is the job of the domain inside
  // the image.
  bool verbose = pc.has("verbose");
  std::string name = saveImageDomainName(ctl, file);
  Result<daemon::DomainSummary> restored = Error(ErrorCode::InternalError, "not run");
  auto r = watchJob(ctl, "Restore", name, verbose, [&]() -> Status {
    restored = conn->restoreDomain(file, *o);
    if (!restored) return restored.error();
    return okStatus();
  });
  if (verbose && !name.empty() && r) ctl.progress("\n");
  if (!r) return fail(ctl, fmt::format("Failed to restore domain from {}", file), r.error());
  ctl.printExtra(fmt::format("Domain restored from {}\n", file));
  return true;
}

bool cmdManagedsave(Ctl& ctl, const ParsedCmd& pc) {
  auto o = saveOptions(ctl, pc);
  if (!o) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto* conn = ctl.conn();
  auto r = watchJob(ctl, "Managedsave", d->uuid, pc.has("verbose"), [&] { return conn->managedSave(d->uuid, *o); });
  if (!r) return fail(ctl, fmt::format("Failed to save domain '{}' state", d->name), r.error());
  // virsh's wording, kept for scripts that match on it.
  ctl.printExtra(fmt::format("\nDomain '{}' state saved by libvirt\n", d->name));
  return true;
}

bool cmdManagedsaveRemove(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (!d->managedSave) {
    ctl.printExtra(fmt::format("Domain '{}' has no manage save image; removal skipped\n", d->name));
    return true;
  }
  auto r = ctl.conn()->managedSaveRemove(d->uuid);
  if (!r) return fail(ctl, fmt::format("Failed to remove managed save image for domain '{}'", d->name), r.error());
  ctl.printExtra(fmt::format("Removed managedsave image for domain '{}'\n", d->name));
  return true;
}

}  // namespace stratus::cli
