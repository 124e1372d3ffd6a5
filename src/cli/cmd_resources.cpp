// setmem, setmaxmem, setvcpus.
#include "cli/handlers.h"

namespace stratus::cli {

namespace {
std::optional<std::uint64_t> sizeArg(Ctl& ctl, const ParsedCmd& pc) {
  auto v = parseScaledKiB(pc.get("size"));
  if (!v) ctl.error(fmt::format("Scaled numeric value '{}' for <size> option is malformed or out of range", pc.get("size")));
  return v;
}
}  // namespace

bool cmdSetmem(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto kib = sizeArg(ctl, pc);
  if (!kib) return false;
  auto r = ctl.conn()->setMemory(d->uuid, *kib, *scope);
  if (!r) return fail(ctl, r.error());
  return true;
}

bool cmdSetmaxmem(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto kib = sizeArg(ctl, pc);
  if (!kib) return false;
  auto r = ctl.conn()->setMaxMemory(d->uuid, *kib, *scope);
  if (!r) return fail(ctl, "Unable to change MaxMemorySize", r.error());
  return true;
}

bool cmdSetvcpus(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  bool maximum = pc.has("maximum");
  if (maximum && !scope->config) {
    ctl.error("Option --config is required by option --maximum");
    return false;
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto count = parseUnsigned(pc.get("count"));
  if (!count || *count > 0xffffffffu) {
    ctl.error(fmt::format("Numeric value '{}' for <count> option is malformed or out of range", pc.get("count")));
    return false;
  }
  auto r = ctl.conn()->setVcpus(d->uuid, static_cast<unsigned>(*count), *scope, maximum);
  if (!r) return fail(ctl, r.error());
  return true;
}

}  // namespace stratus::cli
