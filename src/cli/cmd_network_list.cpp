// net-list, net-dhcp-leases, net-port-list: filters, virsh's tables (or
// --name/--uuid lines) and --json.
#include <strings.h>

#include <algorithm>
#include <ctime>

#include "cli/handlers.h"
#include "cli/table.h"

namespace stratus::cli {

namespace {
struct NetFilter {
  bool active = true, inactive = false;
  bool persistent = false, transient = false;
  bool autostart = false, noAutostart = false;

  bool match(const daemon::NetworkSummary& n) const {
    if (n.active ? !active : !inactive) return false;
    if ((persistent || transient) && !(persistent && n.persistent) && !(transient && !n.persistent)) return false;
    if ((autostart || noAutostart) && !(autostart && n.autostart) && !(noAutostart && !n.autostart)) return false;
    return true;
  }
};

std::string lowered(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "%Y-%m-%d %H:%M:%S" in local time, as virsh prints a lease's expiry.
std::string localTime(std::int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!localtime_r(&t, &tm)) return "-";
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) == 0) return "-";
  return buf;
}

std::string orMinus(const std::string& s) { return s.empty() ? "-" : s; }
}  // namespace

bool cmdNetList(Ctl& ctl, const ParsedCmd& pc) {
  if (pc.has("table") + pc.has("name") + pc.has("uuid") > 1) {
    ctl.error("Only one argument from --table, --name and --uuid may be specified.");
    return false;
  }
  NetFilter f;
  if (pc.has("inactive")) {
    f.active = false;
    f.inactive = true;
  }
  if (pc.has("all")) f.active = f.inactive = true;
  f.persistent = pc.has("persistent");
  f.transient = pc.has("transient");
  f.autostart = pc.has("autostart");
  f.noAutostart = pc.has("no-autostart");

  auto all = ctl.conn()->listNetworks();
  if (!all) return fail(ctl, "Failed to list networks", all.error());
  std::vector<const daemon::NetworkSummary*> nets;
  for (const auto& n : *all)
    if (f.match(n)) nets.push_back(&n);
  std::stable_sort(nets.begin(), nets.end(),
                   [](const auto* a, const auto* b) { return strcasecmp(a->name.c_str(), b->name.c_str()) < 0; });

  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto* n : nets) arr.push_back(networkJson(*n));
    return printJson(ctl, arr);
  }
  if (pc.has("name") || pc.has("uuid")) {
    for (const auto* n : nets) ctl.printf("{}\n", pc.has("uuid") ? n->uuid : n->name);
    return true;
  }
  Table t({"Name", "State", "Autostart", "Persistent"});
  t.reserve(nets.size());
  for (const auto* n : nets)
    t.addRow({n->name, n->active ? "active" : "inactive", n->autostart ? "yes" : "no", n->persistent ? "yes" : "no"});
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdNetDhcpLeases(Ctl& ctl, const ParsedCmd& pc) {
  auto mac = pc.find("mac");
  if (mac && mac->empty()) {
    ctl.error("Failed to get option 'mac': Option argument is empty");
    return false;
  }
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  auto leases = ctl.conn()->networkDhcpLeases(n->uuid, mac.value_or(""));
  if (!leases) return fail(ctl, fmt::format("Failed to get leases info for {}", pc.get("network")), leases.error());
  std::stable_sort(leases->begin(), leases->end(),
                   [](const auto& a, const auto& b) { return strcasecmp(a.mac.c_str(), b.mac.c_str()) < 0; });
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& l : *leases)
      arr.push_back({{"expiryTime", l.expiryTime},
                     {"mac", l.mac},
                     {"type", l.type},
                     {"ipaddr", l.ipaddr},
                     {"prefix", l.prefix},
                     {"hostname", l.hostname},
                     {"clientId", l.clientId},
                     {"iface", l.iface}});
    return printJson(ctl, arr);
  }
  Table t({"Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID"});
  t.reserve(leases->size());
  for (const auto& l : *leases)
    t.addRow({localTime(l.expiryTime), orMinus(l.mac), orMinus(l.type), fmt::format("{}/{}", l.ipaddr, l.prefix),
              orMinus(l.hostname), orMinus(l.clientId)});
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdNetPortList(Ctl& ctl, const ParsedCmd& pc) {
  if (pc.has("table") && pc.has("uuid")) {
    ctl.error("Only one argument from --table and --uuid may be specified.");
    return false;
  }
  auto n = lookupNetwork(ctl, pc);
  if (!n) return false;
  auto ports = ctl.conn()->listNetworkPorts(n->uuid);
  if (!ports) return fail(ctl, ports.error());
  // By UUID, as virsh sorts the 16 bytes.
  std::stable_sort(ports->begin(), ports->end(),
                   [](const auto& a, const auto& b) { return lowered(a.uuid) < lowered(b.uuid); });
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : *ports)
      arr.push_back({{"uuid", p.uuid},
                     {"ownerName", p.ownerName},
                     {"ownerUuid", p.ownerUuid},
                     {"mac", p.mac},
                     {"tapName", p.tapName}});
    return printJson(ctl, arr);
  }
  if (pc.has("uuid")) {
    for (const auto& p : *ports) ctl.printf("{}\n", p.uuid);
    return true;
  }
  Table t({"UUID"});
  t.reserve(ports->size());
  for (const auto& p : *ports) t.addRow({p.uuid});
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

}  // namespace stratus::cli
