// pool-define, pool-create, pool-define-as, pool-create-as, pool-build,
// pool-start, pool-destroy, pool-delete, pool-undefine, pool-refresh,
// pool-autostart, pool-dumpxml, pool-edit, pool-name, pool-uuid,
// find-storage-pool-sources(-as). Messages are virsh's: they name the pool
// as the user typed it.
#include "cli/handlers.h"
#include "cli/storage_cli.h"
#include "cli/xpath.h"

namespace stratus::cli {

namespace {

// Look up, run `op` on the pool's name, print "Pool KEY <done>" or "<failed> KEY".
template <class Op>
bool simpleVerb(Ctl& ctl, const ParsedCmd& pc, std::string_view failed, std::string_view done, Op op) {
  const std::string& key = pc.get("pool");
  auto p = lookupPool(ctl, key);
  if (!p) return false;
  Status r = op(p->name);
  if (!r) return fail(ctl, fmt::format("{} {}", failed, key), r.error());
  ctl.printExtra(fmt::format("Pool {} {}\n", key, done));
  return true;
}

daemon::PoolBuildOptions buildOptions(const ParsedCmd& pc) {
  daemon::PoolBuildOptions o;
  o.overwrite = pc.has("overwrite");
  o.noOverwrite = pc.has("no-overwrite");
  return o;
}

daemon::PoolStartOptions startOptions(const ParsedCmd& pc) {
  daemon::PoolStartOptions o;
  o.build = pc.has("build");
  o.overwrite = pc.has("overwrite");
  o.noOverwrite = pc.has("no-overwrite");
  return o;
}

bool printXml(Ctl& ctl, const ParsedCmd& pc, const std::string& xml) {
  if (auto expr = pc.find("xpath")) {
    auto text = xpathDump(xml, *expr, pc.has("wrap"));
    if (!text) return fail(ctl, text.error());
    ctl.print(*text);
    return true;
  }
  ctl.print(xml);
  if (!xml.empty() && xml.back() != '\n') ctl.print("\n");
  return true;
}

}  // namespace

bool cmdPoolDefine(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->definePool(xml, file);
  if (!r) return fail(ctl, fmt::format("Failed to define pool from {}", file), r.error());
  printStorageWarnings(r->warnings);
  ctl.printExtra(fmt::format("Pool {} defined from {}\n", r->pool.name, file));
  return true;
}

bool cmdPoolCreate(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->createPool(xml, file, startOptions(pc));
  if (!r) return fail(ctl, fmt::format("Failed to create pool from {}", file), r.error());
  printStorageWarnings(r->warnings);
  ctl.printExtra(fmt::format("Pool {} created from {}\n", r->pool.name, file));
  return true;
}

bool cmdPoolDefineAs(Ctl& ctl, const ParsedCmd& pc) {
  auto args = poolAsArgs(pc);
  std::string xml = buildPoolXml(args);
  if (pc.has("print-xml")) {
    ctl.print(xml);
    return true;
  }
  auto r = ctl.conn()->definePool(xml, "<pool-define-as>");
  if (!r) return fail(ctl, fmt::format("Failed to define pool {}", args.name), r.error());
  printStorageWarnings(r->warnings);
  ctl.printExtra(fmt::format("Pool {} defined\n", r->pool.name));
  return true;
}

bool cmdPoolCreateAs(Ctl& ctl, const ParsedCmd& pc) {
  auto args = poolAsArgs(pc);
  std::string xml = buildPoolXml(args);
  if (pc.has("print-xml")) {
    ctl.print(xml);
    return true;
  }
  auto r = ctl.conn()->createPool(xml, "<pool-create-as>", startOptions(pc));
  if (!r) return fail(ctl, fmt::format("Failed to create pool {}", args.name), r.error());
  printStorageWarnings(r->warnings);
  ctl.printExtra(fmt::format("Pool {} created\n", r->pool.name));
  return true;
}

bool cmdPoolBuild(Ctl& ctl, const ParsedCmd& pc) {
  auto o = buildOptions(pc);
  return simpleVerb(ctl, pc, "Failed to build pool", "built",
                    [&](const std::string& name) { return ctl.conn()->buildPool(name, o); });
}

bool cmdPoolStart(Ctl& ctl, const ParsedCmd& pc) {
  auto o = startOptions(pc);
  return simpleVerb(ctl, pc, "Failed to start pool", "started",
                    [&](const std::string& name) { return ctl.conn()->startPool(name, o); });
}

bool cmdPoolDestroy(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to destroy pool", "destroyed",
                    [&](const std::string& name) { return ctl.conn()->destroyPool(name); });
}

bool cmdPoolDelete(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to delete pool", "deleted",
                    [&](const std::string& name) { return ctl.conn()->deletePool(name); });
}

bool cmdPoolUndefine(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to undefine pool", "has been undefined",
                    [&](const std::string& name) { return ctl.conn()->undefinePool(name); });
}

bool cmdPoolRefresh(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to refresh pool", "refreshed",
                    [&](const std::string& name) { return ctl.conn()->refreshPool(name); });
}

bool cmdPoolAutostart(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& key = pc.get("pool");
  auto p = lookupPool(ctl, key);
  if (!p) return false;
  bool enable = !pc.has("disable");
  auto r = ctl.conn()->setPoolAutostart(p->name, enable);
  if (!r) return fail(ctl, fmt::format("failed to {}mark pool {} as autostarted", enable ? "" : "un", key), r.error());
  ctl.printExtra(fmt::format("Pool {} {}marked as autostarted\n", key, enable ? "" : "un"));
  return true;
}

bool cmdPoolDumpxml(Ctl& ctl, const ParsedCmd& pc) {
  auto p = lookupPool(ctl, pc.get("pool"));
  if (!p) return false;
  daemon::PoolXmlOptions o;
  o.inactive = pc.has("inactive");
  auto xml = ctl.conn()->poolXml(p->name, o);
  if (!xml) return fail(ctl, xml.error());
  return printXml(ctl, pc, *xml);
}

bool cmdPoolEdit(Ctl& ctl, const ParsedCmd& pc) {
  auto p = lookupPool(ctl, pc.get("pool"));
  if (!p) return false;
  auto* conn = ctl.conn();
  // The persistent definition; like virsh, the live one when the node
  // refuses --inactive.
  auto orig = conn->poolXml(p->name, daemon::PoolXmlOptions{true});
  if (!orig && (orig.error().code == ErrorCode::InvalidArgument || orig.error().code == ErrorCode::Unsupported))
    orig = conn->poolXml(p->name, {});
  if (!orig) return fail(ctl, orig.error());
  return editDefinition(
      ctl, *orig, fmt::format("Pool {} XML configuration not changed.\n", p->name),
      [&](const std::string& xml) -> Result<std::string> {
        auto r = conn->definePool(xml, "<edit>");
        if (!r) return std::move(r).error();
        printStorageWarnings(r->warnings);
        return r->pool.name;
      },
      [](const std::string& name) { return fmt::format("Pool {} XML configuration edited.\n", name); });
}

bool cmdPoolName(Ctl& ctl, const ParsedCmd& pc) {
  auto p = lookupPool(ctl, pc.get("pool"), PoolByUuid);
  if (!p) return false;
  ctl.printf("{}\n", p->name);
  return true;
}

bool cmdPoolUuid(Ctl& ctl, const ParsedCmd& pc) {
  auto p = lookupPool(ctl, pc.get("pool"), PoolByName);
  if (!p) return false;
  ctl.printf("{}\n", p->uuid);
  return true;
}

bool cmdFindPoolSources(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& type = pc.get("type");
  std::string spec;
  if (auto file = pc.find("srcSpec")) {
    if (!readFile(ctl, *file, spec)) return false;
  }
  auto r = ctl.conn()->findPoolSources(type, spec);
  if (!r) return fail(ctl, fmt::format("Failed to find any {} pool sources", type), r.error());
  ctl.print(*r);
  if (!r->empty() && r->back() != '\n') ctl.print("\n");
  return true;
}

bool cmdFindPoolSourcesAs(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& type = pc.get("type");
  std::string spec = buildSourceSpec(pc.get("host"), pc.get("port"), pc.get("initiator"));
  auto r = ctl.conn()->findPoolSources(type, spec);
  if (!r) return fail(ctl, fmt::format("Failed to find any {} pool sources", type), r.error());
  ctl.print(*r);
  if (!r->empty() && r->back() != '\n') ctl.print("\n");
  return true;
}

}  // namespace stratus::cli
