// domblklist, domblkinfo, domblkstat, domiflist, domifstat, domifaddr.
// The lists read the domain's XML, as virsh does.
#include <pugixml.hpp>

#include <array>

#include "cli/handlers_stats.h"
#include "cli/table.h"

namespace stratus::cli {

namespace {

// The domain's XML (live unless --inactive), parsed; nullopt with the error printed.
std::optional<pugi::xml_document> domainDocument(Ctl& ctl, const daemon::DomainSummary& d, bool inactive) {
  daemon::XmlOptions o;
  o.inactive = inactive;
  auto xml = ctl.conn()->domainXml(d.uuid, o);
  if (!xml) {
    fail(ctl, xml.error());
    return std::nullopt;
  }
  std::optional<pugi::xml_document> doc(std::in_place);
  if (!doc->load_buffer(xml->data(), xml->size())) {
    ctl.error("Couldn't parse domain XML");
    return std::nullopt;
  }
  return doc;
}

// The first of `names` that `e` carries, in the element's attribute order
// (XPath's string(./@a|./@b)); "" when none.
std::string firstAttr(pugi::xml_node e, std::initializer_list<std::string_view> names) {
  for (auto a : e.attributes())
    for (auto n : names)
      if (n == a.name()) return a.value();
  return "";
}

std::string orMinus(std::string s) { return s.empty() ? "-" : s; }

// virsh's vshPrettyCapacity with "%.3lf %s".
std::string pretty(std::uint64_t v) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double limit = 1024;
  for (int i = 0; i < 6; ++i) {
    if (static_cast<double>(v) < limit) return fmt::format("{:.3f} {}", static_cast<double>(v) / (limit / 1024), kUnits[i]);
    limit *= 1024;
  }
  return fmt::format("{:.3f} {}", static_cast<double>(v) / (limit / 1024), kUnits[6]);
}

std::array<std::string, 3> blockInfoCells(const daemon::BlockInfo& i, bool human) {
  if (i.capacity == 0 && i.allocation == 0 && i.physical == 0) return {"-", "-", "-"};
  if (human) return {pretty(i.capacity), pretty(i.allocation), pretty(i.physical)};
  return {std::to_string(i.capacity), std::to_string(i.allocation), std::to_string(i.physical)};
}

nlohmann::json blockInfoJson(const daemon::BlockInfo& i) {
  return {{"capacity", i.capacity}, {"allocation", i.allocation}, {"physical", i.physical}};
}

}  // namespace

bool cmdDomblklist(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto doc = domainDocument(ctl, *d, pc.has("inactive"));
  if (!doc) return false;
  const bool details = pc.has("details");
  Table t(details ? std::vector<std::string>{"Type", "Device", "Target", "Source"}
                  : std::vector<std::string>{"Target", "Source"});
  nlohmann::json arr = nlohmann::json::array();
  for (auto disk : doc->child("domain").child("devices").children("disk")) {
    std::string type = disk.attribute("type").value(), device = disk.attribute("device").value();
    std::string target = disk.child("target").attribute("dev").value();
    std::string source = firstAttr(disk.child("source"), {"file", "dev", "dir", "name", "volume", "path"});
    arr.push_back({{"type", type}, {"device", device}, {"target", target}, {"source", source}});
    if (details) t.addRow({type, device, target, orMinus(source)});
    else t.addRow({target, orMinus(source)});
  }
  if (pc.has("json")) return printJson(ctl, arr);
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdDomiflist(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto doc = domainDocument(ctl, *d, pc.has("inactive"));
  if (!doc) return false;
  Table t({"Interface", "Type", "Source", "Model", "MAC"});
  nlohmann::json arr = nlohmann::json::array();
  for (auto nic : doc->child("domain").child("devices").children("interface")) {
    std::string target = nic.child("target").attribute("dev").value();
    std::string type = nic.attribute("type").value();
    std::string source = firstAttr(nic.child("source"), {"bridge", "dev", "network", "name", "path"});
    std::string model = nic.child("model").attribute("type").value();
    std::string mac = nic.child("mac").attribute("address").value();
    arr.push_back({{"interface", target}, {"type", type}, {"source", source}, {"model", model}, {"mac", mac}});
    t.addRow({orMinus(target), type, orMinus(source), orMinus(model), orMinus(mac)});
  }
  if (pc.has("json")) return printJson(ctl, arr);
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdDomblkinfo(Ctl& ctl, const ParsedCmd& pc) {
  const bool all = pc.has("all"), human = pc.has("human");
  if (all && pc.has("device")) {
    ctl.error("Options --all and --device are mutually exclusive");
    return false;
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  if (!all) {
    auto device = pc.find("device");
    if (!device || device->empty()) {
      ctl.error("command 'domblkinfo' requires <device> option");
      return false;
    }
    auto info = ctl.conn()->blockInfo(d->uuid, *device);
    if (!info) return fail(ctl, info.error());
    if (pc.has("json")) return printJson(ctl, blockInfoJson(*info));
    auto cells = blockInfoCells(*info, human);
    ctl.printf("{:<15} {}\n", "Capacity:", cells[0]);
    ctl.printf("{:<15} {}\n", "Allocation:", cells[1]);
    ctl.printf("{:<15} {}\n", "Physical:", cells[2]);
    return true;
  }
  auto doc = domainDocument(ctl, *d, false);
  if (!doc) return false;
  Table t({"Target", "Capacity", "Allocation", "Physical"});
  nlohmann::json arr = nlohmann::json::array();
  for (auto disk : doc->child("domain").child("devices").children("disk")) {
    std::string target = disk.child("target").attribute("dev").value();
    daemon::BlockInfo info;
    if (disk.child("source")) {
      auto r = ctl.conn()->blockInfo(d->uuid, target);
      if (!r) return fail(ctl, r.error());
      info = *r;
    }
    nlohmann::json j = blockInfoJson(info);
    j["target"] = target;
    arr.push_back(std::move(j));
    auto cells = blockInfoCells(info, human);
    t.addRow({target, cells[0], cells[1], cells[2]});
  }
  if (pc.has("json")) return printJson(ctl, arr);
  t.render(ctl.outBuffer(), !ctl.quiet);
  return true;
}

bool cmdDomblkstat(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  std::string device = pc.get("device");
  auto st = ctl.conn()->blockStats(d->uuid, device);
  if (!st) return fail(ctl, fmt::format("Failed to get block stats {} {}", d->name, device), st.error());
  struct Field {
    const char* name;  // virsh's (legacy) name
    const char* human;
    const std::optional<std::int64_t>* value;
  } fields[] = {{"rd_req", "number of read operations:", &st->rdReq},
                {"rd_bytes", "number of bytes read:", &st->rdBytes},
                {"wr_req", "number of write operations:", &st->wrReq},
                {"wr_bytes", "number of bytes written:", &st->wrBytes},
                {"errs", "error count:", &st->errs},
                {"flush_operations", "number of flush operations:", &st->flushReq},
                {"rd_total_times", "total duration of reads (ns):", &st->rdTotalTimesNs},
                {"wr_total_times", "total duration of writes (ns):", &st->wrTotalTimesNs},
                {"flush_total_times", "total duration of flushes (ns):", &st->flushTotalTimesNs}};
  if (pc.has("json")) {
    nlohmann::json j = {{"device", device}};
    for (const auto& f : fields)
      if (*f.value && **f.value >= 0) j[f.name] = **f.value;
    return printJson(ctl, j);
  }
  const bool human = pc.has("human");
  if (human) {
    ctl.printf("Device: {}\n", device);
    device.clear();
  }
  for (const auto& f : fields) {
    if (!*f.value || **f.value < 0) continue;
    if (human) ctl.printf("{} {:<31} {}\n", device, f.human, **f.value);
    else ctl.printf("{} {} {}\n", device, f.name, **f.value);
  }
  return true;
}

bool cmdDomifstat(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  const std::string& iface = pc.get("interface");
  auto st = ctl.conn()->interfaceStats(d->uuid, iface);
  if (!st) return fail(ctl, fmt::format("Failed to get interface stats {} {}", d->name, iface), st.error());
  std::pair<const char*, std::int64_t> fields[] = {
      {"rx_bytes", st->rxBytes}, {"rx_packets", st->rxPackets}, {"rx_errs", st->rxErrs}, {"rx_drop", st->rxDrop},
      {"tx_bytes", st->txBytes}, {"tx_packets", st->txPackets}, {"tx_errs", st->txErrs}, {"tx_drop", st->txDrop}};
  if (pc.has("json")) {
    nlohmann::json j = {{"interface", iface}};
    for (const auto& [name, v] : fields)
      if (v >= 0) j[name] = v;
    return printJson(ctl, j);
  }
  for (const auto& [name, v] : fields)
    if (v >= 0) ctl.printf("{} {} {}\n", iface, name, v);
  return true;
}

bool cmdDomifaddr(Ctl& ctl, const ParsedCmd& pc) {
  daemon::AddressSource source = daemon::AddressSource::Lease;
  if (auto s = pc.find("source")) {
    if (*s == "lease") source = daemon::AddressSource::Lease;
    else if (*s == "agent") source = daemon::AddressSource::Agent;
    else if (*s == "arp") source = daemon::AddressSource::Arp;
    else {
      ctl.error(fmt::format("Unknown data source '{}'", *s));
      return false;
    }
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto ifaces = ctl.conn()->interfaceAddresses(d->uuid, source);
  if (!ifaces) return fail(ctl, "Failed to query for interfaces addresses", ifaces.error());
  auto only = pc.find("interface");
  if (pc.has("json")) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& i : *ifaces) {
      if (only && *only != i.name) continue;
      nlohmann::json addrs = nlohmann::json::array();
      for (const auto& a : i.addrs) addrs.push_back({{"type", a.type}, {"address", a.addr}, {"prefix", a.prefix}});
      arr.push_back({{"name", i.name}, {"mac", i.hwaddr}, {"addresses", addrs}});
    }
    return printJson(ctl, arr);
  }
  ctl.printExtra(fmt::format(" {:<10} {:<20} {:<8}     {}\n{}{}\n", "Name", "MAC address", "Protocol", "Address",
                             "-------------------------------------------------", "------------------------------"));
  const bool full = pc.has("full");
  for (const auto& i : *ifaces) {
    if (only && *only != i.name) continue;
    if (i.addrs.empty()) {
      ctl.printf(" {:<10} {:<17}    {:<12} {}\n", i.name, i.hwaddr.empty() ? "N/A" : i.hwaddr, "N/A", "N/A");
      continue;
    }
    for (std::size_t j = 0; j < i.addrs.size(); ++j) {
      const auto& a = i.addrs[j];
      std::string addr = fmt::format("{:<12} {}/{}", a.type, a.addr, a.prefix);
      if (full || j == 0) ctl.printf(" {:<10} {:<17}    {}\n", i.name, i.hwaddr, addr);
      else ctl.printf(" {:<10} {:<17}    {}\n", "-", "-", addr);
    }
  }
  return true;
}

}  // namespace stratus::cli
