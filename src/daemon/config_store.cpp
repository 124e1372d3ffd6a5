#include "daemon/config_store.h"

#include <pugixml.hpp>

#include <cerrno>
#include <filesystem>

#include "daemon/store_files.h"
#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

namespace {
std::string join(const std::string& a, const std::string& b) {
  if (a.empty() || a.back() == '/') return a + b;
  return a + "/" + b;
}
}  // namespace

ConfigStore::ConfigStore(std::string root, std::string driverDir) {
  if (root.empty()) root = "/";
  configDir_ = join(join(root, "etc/stratus"), driverDir);
  autostartDir_ = join(configDir_, "autostart");
  runDir_ = join(root, "run/stratus");
  statusDir_ = join(runDir_, driverDir);
  saveDir_ = join(join(join(root, "var/lib/stratus"), driverDir), "save");
}

Status ConfigStore::prepare() {
  for (const auto& d : {configDir_, autostartDir_, runDir_, statusDir_, saveDir_})
    STRATUS_TRY(makeDirs(d));
  return okStatus();
}

std::string ConfigStore::managedSavePath(const std::string& name) const {
  return join(saveDir_, name + ".save");
}

Status ConfigStore::saveConfig(const conf::DomainDef& def) {
  conf::FormatOptions fo;
  fo.inactive = true;
  fo.securityInfo = true;
  return writeFileAtomic(join(configDir_, def.name + ".xml"), conf::formatDomainXml(def, fo));
}

Status ConfigStore::removeConfig(const std::string& name) {
  STRATUS_TRY(setAutostart(name, false));
  return removeFileDurable(join(configDir_, name + ".xml"));
}

Status ConfigStore::setAutostart(const std::string& name, bool on) {
  return setAutostartLink(autostartDir_, name, on);
}

Status ConfigStore::saveStatus(const StoredStatus& st) {
  pugi::xml_document doc;
  auto root = doc.append_child("domstatus");
  root.append_attribute("state") = std::string(conf::stateName(st.state)).c_str();
  root.append_attribute("reason") = st.reason;
  root.append_attribute("id") = st.id;
  root.append_child("driverstate").text().set(st.driverState.c_str());
  if (!st.migration.empty()) root.append_child("migration").text().set(st.migration.c_str());
  if (!st.savePart.empty()) root.append_child("savepart").text().set(st.savePart.c_str());
  conf::FormatOptions fo;
  fo.securityInfo = true;
  return writeStatusDocument(join(statusDir_, st.live.name + ".xml"), doc, root, conf::formatDomainXml(st.live, fo));
}

Status ConfigStore::removeStatus(const std::string& name) {
  return removeFileDurable(join(statusDir_, name + ".xml"));
}

std::vector<StoredDomain> ConfigStore::loadConfigs(std::vector<LoadProblem>& problems) const {
  std::vector<StoredDomain> out;
  forEachXmlFile(configDir_, [&](const std::string& path) {
    auto text = readFile(path);
    if (!text) return problems.push_back({path, text.error().describe()});
    auto parsed = conf::parseDomainXml(*text, path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    StoredDomain sd;
    sd.file = path;
    sd.def = std::move(parsed->def);
    if (sd.def.name + ".xml" != fs::path(path).filename().string())
      return problems.push_back({path, "file name does not match domain name '" + sd.def.name + "'"});
    sd.autostart = fs::exists(join(autostartDir_, sd.def.name + ".xml"));
    out.push_back(std::move(sd));
  });
  return out;
}

std::vector<StoredStatus> ConfigStore::loadStatuses(std::vector<LoadProblem>& problems) const {
  std::vector<StoredStatus> out;
  forEachXmlFile(statusDir_, [&](const std::string& path) {
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) return problems.push_back({path, "unreadable status file"});
    auto root = doc.child("domstatus");
    StoredStatus st;
    st.file = path;
    st.state = conf::stateFromName(root.attribute("state").as_string()).value_or(conf::DomainState::Running);
    st.reason = root.attribute("reason").as_int();
    st.id = root.attribute("id").as_int();
    st.driverState = root.child_value("driverstate");
    st.migration = root.child_value("migration");
    st.savePart = root.child_value("savepart");
    auto parsed = conf::parseDomainXml(childXml(root, "domain"), path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    st.live = std::move(parsed->def);
    out.push_back(std::move(st));
  });
  return out;
}

}  // namespace stratus::daemon
