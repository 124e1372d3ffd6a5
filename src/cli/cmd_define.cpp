// define, undefine, autostart, desc, domrename.
#include "cli/handlers.h"
#include "cli/undefine_storage.h"

namespace stratus::cli {

bool cmdDefine(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->defineDomain(xml, file);
  if (!r) return fail(ctl, fmt::format("Failed to define domain from {}", file), r.error());
  for (const auto& w : r->warnings) {
    Error e(ErrorCode::XmlInvalid, w.message, w.where);
    std::fprintf(stderr, "warning: %s\n", e.describe().c_str());
  }
  ctl.printExtra(fmt::format("Domain '{}' defined from {}\n", r->domain.name, file));
  return true;
}

bool cmdUndefine(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  daemon::UndefineOptions o;
  o.managedSave = pc.has("managed-save");
  o.removeAllStorage = pc.has("remove-all-storage");
  o.nvram = pc.has("nvram");
  o.keepNvram = pc.has("keep-nvram");
  if (o.nvram && o.keepNvram) {
    ctl.error("Options --nvram and --keep-nvram are mutually exclusive");
    return false;
  }
  auto storage = pc.find("storage");
  if (o.removeAllStorage && storage) {
    ctl.error("Options --remove-all-storage and --storage are mutually exclusive");
    return false;
  }
  // The volumes are worked out before the domain goes (virsh's order).
  std::vector<DomainVolume> volumes;
  if (o.removeAllStorage || storage) {
    std::vector<std::string> wanted;
    if (storage)
      for (auto& s : splitList(*storage, ','))
        if (!s.empty()) wanted.push_back(s);
    auto v = domainVolumes(ctl, *d, o.removeAllStorage, wanted);
    if (!v) return false;
    volumes = std::move(*v);
  }
  auto r = ctl.conn()->undefineDomain(d->uuid, o);
  if (!r) return fail(ctl, fmt::format("Failed to undefine domain '{}'", d->name), r.error());
  ctl.printExtra(fmt::format("Domain '{}' has been undefined\n", d->name));
  return removeDomainVolumes(ctl, volumes, pc.has("wipe-storage"));
}

bool cmdAutostart(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  bool enable = !pc.has("disable");
  auto r = ctl.conn()->setAutostart(d->uuid, enable);
  if (!r)
    return fail(ctl, fmt::format("Failed to {}mark domain '{}' as autostarted", enable ? "" : "un", d->name),
                r.error());
  ctl.printExtra(fmt::format("Domain '{}' {}marked as autostarted\n", d->name, enable ? "" : "un"));
  return true;
}

bool cmdDesc(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  bool title = pc.has("title");
  auto kind = title ? daemon::MetadataKind::Title : daemon::MetadataKind::Description;
  std::string_view what = title ? "title" : "description";
  auto* conn = ctl.conn();
  std::optional<std::string> text = pc.find("new-desc");
  if (pc.has("edit")) {
    auto cur = conn->getMetadata(d->uuid, kind, *scope);
    text = editText(ctl, cur ? *cur : std::string(), ".txt");
    if (!text) return false;
    while (!text->empty() && text->back() == '\n') text->pop_back();
  }
  if (text) {
    auto r = conn->setMetadata(d->uuid, kind, *text, *scope);
    if (!r) return fail(ctl, fmt::format("Failed to set new domain {}", what), r.error());
    ctl.printExtra(fmt::format("Domain {} updated successfully\n", what));
    return true;
  }
  auto cur = conn->getMetadata(d->uuid, kind, *scope);
  if (!cur) return fail(ctl, cur.error());
  if (cur->empty())
    ctl.printExtra(fmt::format("No {} for domain: {}\n", what, d->name));
  else
    ctl.printf("{}\n", *cur);
  return true;
}

bool cmdDomrename(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->renameDomain(d->uuid, pc.get("new-name"));
  if (!r) return fail(ctl, r.error());
  ctl.printExtra("Domain successfully renamed\n");
  return true;
}

}  // namespace stratus::cli
