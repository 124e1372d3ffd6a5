// net-define, net-create, net-undefine, net-start, net-destroy,
// net-autostart, net-info, net-uuid, net-name, net-dumpxml, net-edit,
// net-update. Messages are virsh's: most name the network as the user typed
// it, net-update and net-edit by its name.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "cli/handlers.h"
#include "cli/xpath.h"

namespace stratus::cli {

namespace {
bool sameUuid(std::string_view key, std::string_view uuid) {
  return key.size() == uuid.size() && std::equal(key.begin(), key.end(), uuid.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

void printWarnings(const std::vector<conf::Warning>& warnings) {
  for (const auto& w : warnings) {
    Error e(ErrorCode::XmlInvalid, w.message, w.where);
    std::fprintf(stderr, "warning: %s\n", e.describe().c_str());
  }
}

// Look up, run `op` on the UUID, print "Network KEY <done>" or "<failed> KEY".
template <class Op>
bool simpleVerb(Ctl& ctl, const ParsedCmd& pc, std::string_view failed, std::string_view done, Op op) {
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  const std::string& key = pc.get("network");
  Status r = op(n->uuid);
  if (!r) return fail(ctl, fmt::format("{} {}", failed, key), r.error());
  ctl.printExtra(fmt::format("Network {} {}\n", key, done));
  return true;
}

constexpr std::array<std::string_view, 4> kUpdateCommands = {"modify", "delete", "add-last", "add-first"};
constexpr std::array<std::string_view, 12> kUpdateSections = {
    "bridge",     "domain",    "ip",       "ip-dhcp-host", "ip-dhcp-range", "forward", "forward-interface",
    "forward-pf", "portgroup", "dns-host", "dns-txt",      "dns-srv"};

template <std::size_t N>
bool known(const std::array<std::string_view, N>& names, std::string_view s) {
  return std::find(names.begin(), names.end(), s) != names.end();
}
}  // namespace

std::optional<daemon::NetworkSummary> lookupNetwork(Ctl& ctl, const ParsedCmd& pc, unsigned by) {
  const std::string& key = pc.get("network");
  bool asUuid = (by & NetByUuid) && key.size() == 36;
  if (asUuid || (by & NetByName)) {
    auto r = ctl.conn()->lookupNetwork(key);
    if (r && ((asUuid && sameUuid(key, r->uuid)) || ((by & NetByName) && r->name == key))) return std::move(r).value();
    ctl.error(fmt::format("failed to get network '{}'", key));
    // virsh reports the last lookup it tried: by name unless only UUIDs count.
    if (!r && r.error().code != ErrorCode::NoNetwork)
      ctl.error(r.error());
    else
      ctl.error(Error(ErrorCode::NoNetwork, fmt::format("Network not found: no network with matching {} '{}'",
                                                        (by & NetByName) ? "name" : "uuid", key)));
    return std::nullopt;
  }
  ctl.error(fmt::format("failed to get network '{}'", key));
  return std::nullopt;
}

nlohmann::json networkJson(const daemon::NetworkSummary& n) {
  return {{"name", n.name},           {"uuid", n.uuid},    {"active", n.active}, {"persistent", n.persistent},
          {"autostart", n.autostart}, {"bridge", n.bridge}};
}

bool cmdNetDefine(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->defineNetwork(xml, file);
  if (!r) return fail(ctl, fmt::format("Failed to define network from {}", file), r.error());
  printWarnings(r->warnings);
  ctl.printExtra(fmt::format("Network {} defined from {}\n", r->network.name, file));
  return true;
}

bool cmdNetCreate(Ctl& ctl, const ParsedCmd& pc) {
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->createNetwork(xml, file);
  if (!r) return fail(ctl, fmt::format("Failed to create network from {}", file), r.error());
  printWarnings(r->warnings);
  ctl.printExtra(fmt::format("Network {} created from {}\n", r->network.name, file));
  return true;
}

bool cmdNetUndefine(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to undefine network", "has been undefined",
                    [&](const std::string& uuid) { return ctl.conn()->undefineNetwork(uuid); });
}

bool cmdNetStart(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to start network", "started",
                    [&](const std::string& uuid) { return ctl.conn()->startNetwork(uuid); });
}

bool cmdNetDestroy(Ctl& ctl, const ParsedCmd& pc) {
  return simpleVerb(ctl, pc, "Failed to destroy network", "destroyed",
                    [&](const std::string& uuid) { return ctl.conn()->destroyNetwork(uuid); });
}

bool cmdNetAutostart(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  const std::string& key = pc.get("network");
  bool enable = !pc.has("disable");
  auto r = ctl.conn()->setNetworkAutostart(n->uuid, enable);
  if (!r)
    return fail(ctl, fmt::format("failed to {}mark network {} as autostarted", enable ? "" : "un", key), r.error());
  ctl.printExtra(fmt::format("Network {} {}marked as autostarted\n", key, enable ? "" : "un"));
  return true;
}

bool cmdNetInfo(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  if (pc.has("json")) return printJson(ctl, networkJson(*n));
  auto line = [&](std::string_view label, std::string_view value) { ctl.printf("{:<15} {}\n", label, value); };
  line("Name:", n->name);
  line("UUID:", n->uuid);
  line("Active:", n->active ? "yes" : "no");
  line("Persistent:", n->persistent ? "yes" : "no");
  line("Autostart:", n->autostart ? "yes" : "no");
  if (!n->bridge.empty()) line("Bridge:", n->bridge);
  return true;
}

bool cmdNetUuid(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc, NetByName);
  if (!n) return false;
  if (pc.has("json")) return printJson(ctl, {{"uuid", n->uuid}});
  ctl.printf("{}\n", n->uuid);
  return true;
}

bool cmdNetName(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc, NetByUuid);
  if (!n) return false;
  if (pc.has("json")) return printJson(ctl, {{"name", n->name}});
  ctl.printf("{}\n", n->name);
  return true;
}

bool cmdNetDumpxml(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  daemon::NetworkXmlOptions o;
  o.inactive = pc.has("inactive");
  auto xml = ctl.conn()->networkXml(n->uuid, o);
  if (!xml) return fail(ctl, xml.error());
  if (auto expr = pc.find("xpath")) {
    auto text = xpathDump(*xml, *expr, pc.has("wrap"));
    if (!text) return fail(ctl, text.error());
    ctl.print(*text);
    return true;
  }
  ctl.print(*xml);
  if (!xml->empty() && xml->back() != '\n') ctl.print("\n");
  return true;
}

bool cmdNetEdit(Ctl& ctl, const ParsedCmd& pc) {
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  auto* conn = ctl.conn();
  // The persistent definition; like virsh, the live one when the node
  // refuses --inactive.
  auto orig = conn->networkXml(n->uuid, daemon::NetworkXmlOptions{true});
  if (!orig && orig.error().code == ErrorCode::InvalidArgument) orig = conn->networkXml(n->uuid, {});
  if (!orig) return fail(ctl, orig.error());
  return editDefinition(
      ctl, *orig, fmt::format("Network {} XML configuration not changed.\n", n->name),
      [&](const std::string& xml) -> Result<std::string> {
        auto r = conn->defineNetwork(xml, "<edit>");
        if (!r) return std::move(r).error();
        printWarnings(r->warnings);
        return r->network.name;
      },
      [](const std::string& name) { return fmt::format("Network {} XML configuration edited.\n", name); });
}

bool cmdNetUpdate(Ctl& ctl, const ParsedCmd& pc) {
  auto scope = modifyScope(ctl, pc);
  if (!scope) return false;
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  daemon::NetworkUpdate u;
  u.command = pc.get("command");
  if (u.command == "add") u.command = "add-last";  // virsh: "add" is "add-last"
  if (!known(kUpdateCommands, u.command)) {
    ctl.error(fmt::format("unrecognized command name '{}'", pc.get("command")));
    return false;
  }
  u.section = pc.get("section");
  if (!known(kUpdateSections, u.section)) {
    ctl.error(fmt::format("unrecognized section name '{}'", u.section));
    return false;
  }
  if (auto idx = pc.find("parent-index")) {
    int v = 0;
    auto [p, ec] = std::from_chars(idx->data(), idx->data() + idx->size(), v);
    if (idx->empty() || ec != std::errc() || p != idx->data() + idx->size()) {
      ctl.error(fmt::format("Numeric value '{}' for <parent-index> option is malformed or out of range", *idx));
      return false;
    }
    u.parentIndex = v;
  }
  // XML, or (not starting with '<') the name of a file holding it.
  u.xml = pc.get("xml");
  if (u.xml.empty() || u.xml.front() != '<') {
    std::string path = u.xml;
    if (!readFile(ctl, path, u.xml)) return false;
  }
  auto* conn = ctl.conn();
  auto r = conn->updateNetwork(n->uuid, u, *scope);
  if (!r) return fail(ctl, fmt::format("Failed to update network {}", n->name), r.error());
  std::string_view affected;
  if (scope->config)
    affected = scope->live ? "persistent config and live state" : "persistent config";
  else if (scope->live)
    affected = "live state";
  else {
    auto now = conn->lookupNetwork(n->uuid);
    affected = (now ? now->active : n->active) ? "live state" : "persistent config";
  }
  // No newline: virsh's blank line after the command ends the line.
  ctl.printExtra(fmt::format("Updated network {} {}", n->name, affected));
  return true;
}

}  // namespace stratus::cli
