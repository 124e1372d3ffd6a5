#include "daemon/config_store.h"

#include <pugixml.hpp>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

namespace {
std::string join(const std::string& a, const std::string& b) {
  if (a.empty() || a.back() == '/') return a + b;
  return a + "/" + b;
}
bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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
  std::string link = join(autostartDir_, name + ".xml");
  if (!on) return removeFileDurable(link);
  ::unlink(link.c_str());
  if (::symlink(("../" + name + ".xml").c_str(), link.c_str()) != 0)
    return systemError("cannot create autostart link " + link, errno);
  return syncDir(autostartDir_);
}

Status ConfigStore::saveStatus(const StoredStatus& st) {
  pugi::xml_document doc;
  auto root = doc.append_child("domstatus");
  root.append_attribute("state") = std::string(conf::stateName(st.state)).c_str();
  root.append_attribute("reason") = st.reason;
  root.append_attribute("id") = st.id;
  root.append_child("driverstate").text().set(st.driverState.c_str());
  conf::FormatOptions fo;
  fo.securityInfo = true;
  pugi::xml_document dom;
  std::string xml = conf::formatDomainXml(st.live, fo);
  if (!dom.load_string(xml.c_str()))
    return Error(ErrorCode::InternalError, "formatted domain XML does not parse back");
  root.append_copy(dom.document_element());
  std::ostringstream ss;
  doc.save(ss, "  ", pugi::format_indent | pugi::format_no_declaration);
  return writeFileAtomic(join(statusDir_, st.live.name + ".xml"), ss.str());
}

Status ConfigStore::removeStatus(const std::string& name) {
  return removeFileDurable(join(statusDir_, name + ".xml"));
}

std::vector<StoredDomain> ConfigStore::loadConfigs(std::vector<LoadProblem>& problems) const {
  std::vector<StoredDomain> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(configDir_, ec)) {
    std::string path = e.path().string();
    // Temp files of interrupted writes end in ".xml.XXXXXX": not ours to load.
    if (!e.is_regular_file() || !endsWith(path, ".xml")) continue;
    auto text = readFile(path);
    if (!text) {
      problems.push_back({path, text.error().describe()});
      continue;
    }
    auto parsed = conf::parseDomainXml(*text, path);
    if (!parsed) {
      problems.push_back({path, parsed.error().describe()});
      continue;
    }
    StoredDomain sd;
    sd.file = path;
    sd.def = std::move(parsed->def);
    if (sd.def.name + ".xml" != e.path().filename().string()) {
      problems.push_back({path, "file name does not match domain name '" + sd.def.name + "'"});
      continue;
    }
    sd.autostart = fs::exists(join(autostartDir_, sd.def.name + ".xml"));
    out.push_back(std::move(sd));
  }
  return out;
}

std::vector<StoredStatus> ConfigStore::loadStatuses(std::vector<LoadProblem>& problems) const {
  std::vector<StoredStatus> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(statusDir_, ec)) {
    std::string path = e.path().string();
    if (!e.is_regular_file() || !endsWith(path, ".xml")) continue;
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) {
      problems.push_back({path, "unreadable status file"});
      continue;
    }
    auto root = doc.child("domstatus");
    StoredStatus st;
    st.file = path;
    st.state = conf::stateFromName(root.attribute("state").as_string()).value_or(conf::DomainState::Running);
    st.reason = root.attribute("reason").as_int();
    st.id = root.attribute("id").as_int();
    st.driverState = root.child_value("driverstate");
    std::ostringstream ss;
    root.child("domain").print(ss, "  ");
    auto parsed = conf::parseDomainXml(ss.str(), path);
    if (!parsed) {
      problems.push_back({path, parsed.error().describe()});
      continue;
    }
    st.live = std::move(parsed->def);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace stratus::daemon
