#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/handlers.h"

namespace stratus::cli {

namespace {
bool matches(const daemon::DomainSummary& d, const std::string& key, unsigned by) {
  if (by & ById) {
    auto id = parseUnsigned(key);
    if (id && d.id >= 0 && static_cast<std::uint64_t>(d.id) == *id) return true;
  }
  if ((by & ByUuid) && key.size() == 36 && d.uuid.size() == 36 &&
      std::equal(key.begin(), key.end(), d.uuid.begin(),
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
    return true;
  return (by & ByName) && d.name == key;
}
}  // namespace

std::optional<daemon::DomainSummary> lookupDomain(Ctl& ctl, const ParsedCmd& pc, std::string_view opt,
                                                  unsigned by) {
  const std::string& key = pc.get(opt);
  auto r = ctl.conn()->lookupDomain(key);
  if (!r || !matches(*r, key, by)) {
    ctl.error(fmt::format("failed to get domain '{}'", key));
    return std::nullopt;
  }
  return std::move(r).value();
}

bool fail(Ctl& ctl, std::string_view what, const Error& e) {
  ctl.error(what);
  ctl.error(e);
  return false;
}

bool fail(Ctl& ctl, const Error& e) {
  ctl.error(e);
  return false;
}

bool printJson(Ctl& ctl, const nlohmann::json& j) {
  ctl.print(j.dump(2));
  ctl.print("\n");
  return true;
}

nlohmann::json summaryJson(const daemon::DomainSummary& d) {
  nlohmann::json j;
  j["id"] = d.id >= 0 ? nlohmann::json(d.id) : nlohmann::json(nullptr);
  j["name"] = d.name;
  j["uuid"] = d.uuid;
  j["state"] = std::string(conf::stateName(d.state));
  j["reason"] = std::string(conf::reasonName(d.state, d.reason));
  j["persistent"] = d.persistent;
  j["autostart"] = d.autostart;
  j["managedSave"] = d.managedSave;
  j["title"] = d.title;
  return j;
}

std::optional<daemon::ModifyScope> modifyScope(Ctl& ctl, const ParsedCmd& pc) {
  daemon::ModifyScope s;
  s.live = pc.has("live");
  s.config = pc.has("config");
  if (pc.has("current") && (s.live || s.config)) {
    ctl.error(fmt::format("Options --current and --{} are mutually exclusive", s.live ? "live" : "config"));
    return std::nullopt;
  }
  return s;
}

bool readFile(Ctl& ctl, const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ctl.error(fmt::format("Failed to open file '{}': {}", path, std::strerror(errno)));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace stratus::cli
