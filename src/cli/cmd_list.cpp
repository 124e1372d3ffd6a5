// list: filters, the table (or --name/--uuid/--id lines) and --json.
#include <strings.h>

#include <algorithm>

#include "cli/handlers.h"
#include "cli/table.h"

namespace stratus::cli {

namespace {
struct ListFilter {
  bool active = true, inactive = false;
  bool anyState = false, running = false, paused = false, shutoff = false, other = false;
  bool persistent = false, transient = false;
  bool autostart = false, noAutostart = false;
  bool withSave = false, withoutSave = false;

  bool match(const daemon::DomainSummary& d) const {
    bool isActive = d.id >= 0 || conf::isActive(d.state);
    if (anyState) {
      bool st = (running && d.state == conf::DomainState::Running) ||
                (paused && d.state == conf::DomainState::Paused) ||
                (shutoff && d.state == conf::DomainState::Shutoff) ||
                (other && d.state != conf::DomainState::Running && d.state != conf::DomainState::Paused &&
                 d.state != conf::DomainState::Shutoff);
      if (!st) return false;
    }
    if (isActive ? !active : !inactive) return false;
    if ((persistent || transient) && !(persistent && d.persistent) && !(transient && !d.persistent)) return false;
    if ((autostart || noAutostart) && !(autostart && d.autostart) && !(noAutostart && !d.autostart)) return false;
    if ((withSave || withoutSave) && !(withSave && d.managedSave) && !(withoutSave && !d.managedSave)) return false;
    return true;
  }
};

std::string idText(const daemon::DomainSummary& d) { return d.id >= 0 ? std::to_string(d.id) : "-"; }
}  // namespace

bool cmdList(Ctl& ctl, const ParsedCmd& pc) {
  for (std::string_view o : {"name", "uuid"})
    if (pc.has("table") && pc.has(o)) {
      ctl.error(fmt::format("Options --table and --{} are mutually exclusive", o));
      return false;
    }
  ListFilter f;
  f.inactive = pc.has("inactive") || pc.has("all");
  f.active = !pc.has("inactive") || pc.has("all");
  f.running = pc.has("state-running");
  f.paused = pc.has("state-paused");
  f.shutoff = pc.has("state-shutoff");
  f.other = pc.has("state-other");
  f.anyState = f.running || f.paused || f.shutoff || f.other;
  if (f.anyState) f.active = f.inactive = true;
  f.persistent = pc.has("persistent");
  f.transient = pc.has("transient");
  f.autostart = pc.has("autostart");
  f.noAutostart = pc.has("no-autostart");
  f.withSave = pc.has("with-managed-save");
  f.withoutSave = pc.has("without-managed-save");

  auto all = ctl.conn()->listDomains();
  if (!all) return fail(ctl, "Failed to list domains", all.error());
  std::vector<const daemon::DomainSummary*> doms;
  doms.reserve(all->size());
  for (const auto& d : *all)
    if (f.match(d)) doms.push_back(&d);
  // Running domains by id, then inactive ones by name.
  std::sort(doms.begin(), doms.end(), [](const auto* a, const auto* b) {
    bool aa = a->id >= 0, ba = b->id >= 0;
    if (aa != ba) return aa;
    if (aa) return a->id < b->id;
    return strcasecmp(a->name.c_str(), b->name.c_str()) < 0;
  });

  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto* d : doms) arr.push_back(summaryJson(*d));
    return printJson(ctl, arr);
  }

  bool byId = pc.has("id"), byUuid = pc.has("uuid"), byName = pc.has("name");
  std::string& out = ctl.outBuffer();
  if (byId || byUuid || byName) {
    for (const auto* d : doms) {
      if (byId && !byUuid && !byName && d->id < 0) continue;
      std::string line;
      if (byId) line = idText(*d);
      if (byUuid) line += (line.empty() ? "" : " ") + d->uuid;
      if (byName) line += (line.empty() ? "" : " ") + d->name;
      out += line;
      out += '\n';
    }
    return true;
  }

  bool title = pc.has("title"), markSaved = pc.has("managed-save");
  std::vector<std::string> header = {"Id", "Name", "State"};
  if (title) header.emplace_back("Title");
  Table t(std::move(header));
  t.reserve(doms.size());
  for (const auto* d : doms) {
    std::string state = (markSaved && d->managedSave && d->id < 0) ? "saved" : std::string(conf::stateName(d->state));
    if (title)
      t.addRow({idText(*d), d->name, std::move(state), d->title});
    else
      t.addRow({idText(*d), d->name, std::move(state)});
  }
  t.render(out, !ctl.quiet);
  return true;
}

}  // namespace stratus::cli
