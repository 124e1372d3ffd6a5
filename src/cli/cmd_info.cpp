// dominfo, domid, domuuid, domname, domstate, dumpxml.
#include "cli/handlers.h"

namespace stratus::cli {

bool cmdDominfo(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->domainInfo(d->uuid);
  if (!r) return fail(ctl, r.error());
  const daemon::DomainInfo& i = *r;
  const daemon::DomainSummary& s = i.summary;
  if (pc.has("json")) {
    nlohmann::json j = summaryJson(s);
    j["osType"] = i.osType;
    j["vcpus"] = i.vcpus;
    j["cpuTimeNs"] = i.cpuTimeNs;
    j["maxMemKiB"] = i.maxMemKiB;
    j["usedMemKiB"] = i.usedMemKiB;
    j["security"] = {{"model", i.securityModel}, {"doi", i.securityDoi}, {"label", i.securityLabel}};
    return printJson(ctl, j);
  }
  auto line = [&](std::string_view label, std::string_view value) { ctl.printf("{:<16}{}\n", label, value); };
  line("Id:", s.id >= 0 ? std::to_string(s.id) : "-");
  line("Name:", s.name);
  line("UUID:", s.uuid);
  line("OS Type:", i.osType);
  line("State:", conf::stateName(s.state));
  line("CPU(s):", std::to_string(i.vcpus));
  if (i.cpuTimeNs != 0) line("CPU time:", fmt::format("{:.1f}s", static_cast<double>(i.cpuTimeNs) / 1e9));
  line("Max memory:", i.maxMemKiB ? fmt::format("{} KiB", i.maxMemKiB) : "no limit");
  line("Used memory:", fmt::format("{} KiB", i.usedMemKiB));
  line("Persistent:", s.persistent ? "yes" : "no");
  line("Autostart:", s.autostart ? "enable" : "disable");
  line("Managed save:", s.managedSave ? "yes" : "no");
  if (!i.securityModel.empty()) {
    line("Security model:", i.securityModel);
    line("Security DOI:", i.securityDoi);
    // Like libvirt: only a running domain has a label.
    if (!i.securityLabel.empty() && s.id >= 0) line("Security label:", i.securityLabel);
  }
  return true;
}

bool cmdDomid(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc, "domain", ByUuid | ByName);
  if (!d) return false;
  if (pc.has("json")) return printJson(ctl, {{"id", d->id >= 0 ? nlohmann::json(d->id) : nlohmann::json()}});
  ctl.printf("{}\n", d->id >= 0 ? std::to_string(d->id) : "-");
  return true;
}

bool cmdDomuuid(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc, "domain", ById | ByName);
  if (!d) return false;
  if (pc.has("json")) return printJson(ctl, {{"uuid", d->uuid}});
  ctl.printf("{}\n", d->uuid);
  return true;
}

bool cmdDomname(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc, "domain", ById | ByUuid);
  if (!d) return false;
  if (pc.has("json")) return printJson(ctl, {{"name", d->name}});
  ctl.printf("{}\n", d->name);
  return true;
}

bool cmdDomstate(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (pc.has("json"))
    return printJson(ctl, {{"state", conf::stateName(d->state)}, {"reason", conf::reasonName(d->state, d->reason)}});
  if (pc.has("reason"))
    ctl.printf("{} ({})\n", conf::stateName(d->state), conf::reasonName(d->state, d->reason));
  else
    ctl.printf("{}\n", conf::stateName(d->state));
  return true;
}

bool cmdDumpxml(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  daemon::XmlOptions o;
  o.inactive = pc.has("inactive");
  o.securityInfo = pc.has("security-info");
  auto xml = ctl.conn()->domainXml(d->uuid, o);
  if (!xml) return fail(ctl, xml.error());
  ctl.print(*xml);
  if (!xml->empty() && xml->back() != '\n') ctl.print("\n");
  return true;
}

}  // namespace stratus::cli
