// vcpucount: maximum/current x config/live, from the domain's XML.
#include <pugixml.hpp>

#include "cli/cmd_devices.h"
#include "cli/handlers.h"

namespace stratus::cli {

namespace {

struct Counts {
  unsigned maximum = 0, current = 0;
};

// <vcpu current='C'>M</vcpu> of the live or the persistent XML.
Result<Counts> counts(Ctl& ctl, const daemon::DomainSummary& d, bool live) {
  if (live && !conf::isActive(d.state))
    return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: domain is not running");
  if (!live && !d.persistent)
    return Error(ErrorCode::OperationInvalid,
                 "Requested operation is not valid: transient domains do not have any persistent config");
  daemon::XmlOptions o;
  o.inactive = !live;
  auto xml = ctl.conn()->domainXml(d.uuid, o);
  if (!xml) return std::move(xml).error();
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) return Error(ErrorCode::XmlSyntax, "malformed domain XML");
  auto vcpu = doc.child("domain").child("vcpu");
  Counts c;
  c.maximum = vcpu.text().as_uint(1);
  c.current = vcpu.attribute("current").as_uint(c.maximum);
  return c;
}

}  // namespace

bool cmdVcpucount(Ctl& ctl, const ParsedCmd& pc) {
  bool maximum = pc.has("maximum"), active = pc.has("active"), live = pc.has("live"), config = pc.has("config"),
       current = pc.has("current"), guest = pc.has("guest");
  for (auto [a, b, both] : {std::tuple{"active", "maximum", active && maximum}, {"live", "config", live && config},
                            {"guest", "config", guest && config}}) {
    if (both) {
      ctl.error(fmt::format("Options --{} and --{} are mutually exclusive", a, b));
      return false;
    }
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (guest) {
    ctl.error("Failed to retrieve vCPU count from the guest");
    ctl.error(Error(ErrorCode::Unsupported, "Operation not supported: counting the guest's vCPUs needs a guest agent"));
    return false;
  }
  if (!maximum && !active && !live && !config && !current) {
    // The table: every count the domain has (an inactive one has no live ones).
    auto cfg = counts(ctl, *d, false);
    auto run = counts(ctl, *d, true);
    if (cfg) ctl.printf("{:<12} {:<12} {:3}\n", "maximum", "config", cfg->maximum);
    if (run) ctl.printf("{:<12} {:<12} {:3}\n", "maximum", "live", run->maximum);
    if (cfg) ctl.printf("{:<12} {:<12} {:3}\n", "current", "config", cfg->current);
    if (run) ctl.printf("{:<12} {:<12} {:3}\n", "current", "live", run->current);
    if (!cfg && !run) return fail(ctl, run.error());
    return true;
  }
  bool fromLive = live || (!config && conf::isActive(d->state));
  auto c = counts(ctl, *d, fromLive);
  if (!c) return fail(ctl, c.error());
  ctl.printf("{}\n", maximum ? c->maximum : c->current);
  return true;
}

}  // namespace stratus::cli
