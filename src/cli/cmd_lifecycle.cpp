// start, create, shutdown, destroy, suspend, resume, reboot, reset.
#include "cli/handlers.h"

namespace stratus::cli {

namespace {
// Look up, run `op`, print "Domain 'X' <done>" or "Failed to <verb> domain 'X'".
template <class Op>
bool simpleVerb(Ctl& ctl, const ParsedCmd& pc, std::string_view verb, std::string_view done, Op op) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  Status r = op(d->uuid);
  if (!r) return fail(ctl, fmt::format("Failed to {} domain '{}'", verb, d->name), r.error());
  ctl.printExtra(fmt::format("Domain '{}' {}\n", d->name, done));
  return true;
}

std::optional<std::string> checkMode(Ctl& ctl, const ParsedCmd& pc) {
  std::string mode = pc.get("mode");
  // virsh accepts a comma separated list; each must be known.
  for (const auto& m : splitList(mode, ',')) {
    if (m != "acpi" && m != "agent" && m != "initctl" && m != "signal" && m != "paravirt") {
      ctl.error(fmt::format("Unknown mode {} value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'", m));
      return std::nullopt;
    }
  }
  return mode;
}
}  // namespace

bool cmdStart(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (d->id >= 0) {
    ctl.error("Domain is already active");
    return false;
  }
  daemon::StartOptions o;
  o.paused = pc.has("paused");
  o.autodestroy = pc.has("autodestroy");
  o.bypassCache = pc.has("bypass-cache");
  o.forceBoot = pc.has("force-boot");
  auto r = ctl.conn()->startDomain(d->uuid, o);
  if (!r) return fail(ctl, fmt::format("Failed to start domain '{}'", d->name), r.error());
  ctl.printExtra(fmt::format("Domain '{}' started\n", d->name));
  if (pc.has("console")) return attachConsole(ctl, d->name);
  return true;
}

bool cmdCreate(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  daemon::StartOptions o;
  o.paused = pc.has("paused");
  o.autodestroy = pc.has("autodestroy");
  auto r = ctl.conn()->createDomain(xml, file, o);
  if (!r) return fail(ctl, fmt::format("Failed to create domain from {}", file), r.error());
  ctl.printExtra(fmt::format("Domain '{}' created from {}\n", r->domain.name, file));
  if (pc.has("console")) return attachConsole(ctl, r->domain.name);
  return true;
}

bool cmdShutdown(Ctl& ctl, const ParsedCmd& pc) {
  auto mode = checkMode(ctl, pc);
  if (!mode) return false;
  return simpleVerb(ctl, pc, "shutdown", "is being shutdown", [&](const std::string& k) {
    daemon::ShutdownOptions o;
    o.mode = *mode;
    return ctl.conn()->shutdownDomain(k, o);
  });
}

bool cmdDestroy(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "destroy", "destroyed", [&](const std::string& k) {
    daemon::DestroyOptions o;
    o.graceful = pc.has("graceful");
    return ctl.conn()->destroyDomain(k, o);
  });
}

bool cmdSuspend(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "suspend", "suspended",
                    [&](const std::string& k) { return ctl.conn()->suspendDomain(k); });
}

bool cmdResume(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "resume", "resumed", [&](const std::string& k) { return ctl.conn()->resumeDomain(k); });
}

bool cmdReboot(Ctl& ctl, const ParsedCmd& pc) {
  if (!checkMode(ctl, pc)) return false;
  return simpleVerb(ctl, pc, "reboot", "is being rebooted",
                    [&](const std::string& k) { return ctl.conn()->rebootDomain(k); });
}

// virsh prints nothing when the NMI was sent.
bool cmdInjectNmi(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->injectNmi(d->uuid);
  if (!r) return fail(ctl, r.error());
  return true;
}

bool cmdReset(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "reset", "was reset", [&](const std::string& k) { return ctl.conn()->resetDomain(k); });
}

}  // namespace stratus::cli
