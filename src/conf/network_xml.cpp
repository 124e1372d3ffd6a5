// parseNetworkXml (the three stages in order) and the small model helpers
// declared in network_def.h / network_stages.h.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "conf/network_address.h"
#include "conf/network_stages.h"

namespace stratus::conf {

namespace {

constexpr std::array<std::string_view, 9> kForwardModeNames = {"",     "nat",     "route",       "open",   "bridge",
                                                               "private", "vepa", "passthrough", "hostdev"};

}  // namespace

std::string_view forwardModeName(ForwardMode m) {
  auto i = static_cast<std::size_t>(m);
  return i < kForwardModeNames.size() ? kForwardModeNames[i] : std::string_view();
}

std::optional<ForwardMode> forwardModeFromName(std::string_view name) {
  for (std::size_t i = 1; i < kForwardModeNames.size(); ++i)
    if (kForwardModeNames[i] == name) return static_cast<ForwardMode>(i);
  return std::nullopt;
}

unsigned NetIp::prefixLength() const { return ipPrefix(address, netmask, prefix).value_or(0); }

const NetIp* NetworkDef::ipv4() const {
  for (const auto& ip : ips)
    if (!ip.isV6()) return &ip;
  return nullptr;
}

const NetIp* NetworkDef::ipv6() const {
  for (const auto& ip : ips)
    if (ip.isV6()) return &ip;
  return nullptr;
}

bool NetworkDef::needsBridge() const {
  switch (forward.mode) {
    case ForwardMode::None:
    case ForwardMode::Nat:
    case ForwardMode::Route:
    case ForwardMode::Open:
      return true;
    default:
      return false;
  }
}

std::uint64_t leaseUnitSeconds(std::string_view unit) {
  if (unit == "seconds") return 1;
  if (unit == "minutes" || unit.empty()) return 60;
  if (unit == "hours") return 3600;
  return 0;
}

void mergeLeaf(LeafExtras& dst, const std::string& prefix, const LeafExtras& src) {
  for (const auto& [key, extra] : src) dst[key.empty() ? prefix : prefix + "/" + key] = extra;
}

void shiftLeaf(LeafExtras& leaf, const std::string& listKey, std::size_t at, int delta) {
  const std::string head = listKey + "#";
  LeafExtras moved;
  for (auto it = leaf.begin(); it != leaf.end();) {
    const std::string& key = it->first;
    if (!key.starts_with(head)) {
      ++it;
      continue;
    }
    std::size_t end = key.find('/', head.size());
    std::uint64_t index = 0;
    if (!parseUInt(std::string_view(key).substr(head.size(), end - head.size()), index)) {
      ++it;
      continue;
    }
    if (index < at) {
      ++it;
      continue;
    }
    if (delta < 0 && index == at) {  // the removed item's extras go with it
      it = leaf.erase(it);
      continue;
    }
    std::uint64_t newIndex = delta > 0 ? index + 1 : index - 1;
    std::string rest = end == std::string::npos ? std::string() : key.substr(end);
    moved[fmt::format("{}{}{}", head, newIndex, rest)] = std::move(it->second);
    it = leaf.erase(it);
  }
  for (auto& [k, v] : moved) leaf[k] = std::move(v);
}

Result<ParsedNetwork> parseNetworkXml(std::string_view xml, const std::string& sourceName,
                                      const NetworkParseOptions& opts) {
  ParsedNetwork out;
  SourceMap lines;
  auto def = parseNetworkDocument(xml, sourceName, out.warnings, lines);
  if (!def) return std::move(def).error();
  out.def = std::move(def.value());
  std::stable_sort(out.warnings.begin(), out.warnings.end(),
                   [](const Warning& a, const Warning& b) { return a.where.line < b.where.line; });
  const bool hadMac = !out.def.mac.empty();
  fillNetworkDefaults(out.def);
  if (!opts.generateBridgeMac && !hadMac) out.def.mac.clear();
  STRATUS_TRY(validateNetworkDef(out.def, sourceName, lines));
  return out;
}

}  // namespace stratus::conf
