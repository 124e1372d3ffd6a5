#include "daemon/network_store.h"

#include <pugixml.hpp>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

namespace {
bool isXmlFile(const fs::directory_entry& e) {
  // Temp files of interrupted writes end in ".xml.XXXXXX": not ours to load.
  return e.is_regular_file() && e.path().extension() == ".xml";
}
}  // namespace

NetworkStore::NetworkStore(const std::string& root, const std::string& driverDir) {
  fs::path r = root.empty() ? fs::path("/") : fs::path(root);
  configDir_ = (r / "etc/stratus" / driverDir / "networks").string();
  autostartDir_ = configDir_ + "/autostart";
  runDir_ = (r / "run/stratus/network").string();
}

Status NetworkStore::prepare() {
  firstStart_ = !fs::exists(configDir_);
  for (const auto& d : {configDir_, autostartDir_, runDir_}) STRATUS_TRY(makeDirs(d));
  return okStatus();
}

Status NetworkStore::saveConfig(const conf::NetworkDef& def) {
  conf::NetworkFormatOptions fo;
  fo.inactive = true;
  return writeFileAtomic(configDir_ + "/" + def.name + ".xml", conf::formatNetworkXml(def, fo));
}

Status NetworkStore::removeConfig(const std::string& name) {
  STRATUS_TRY(setAutostart(name, false));
  return removeFileDurable(configDir_ + "/" + name + ".xml");
}

Status NetworkStore::setAutostart(const std::string& name, bool on) {
  std::string link = autostartDir_ + "/" + name + ".xml";
  if (!on) return removeFileDurable(link);
  ::unlink(link.c_str());
  if (::symlink(("../" + name + ".xml").c_str(), link.c_str()) != 0)
    return systemError("cannot create autostart link " + link, errno);
  return syncDir(autostartDir_);
}

Status NetworkStore::saveStatus(const StoredNetworkStatus& st) {
  pugi::xml_document doc;
  auto root = doc.append_child("networkstatus");
  root.append_attribute("bridge") = st.running.bridge.c_str();
  root.append_attribute("createdBridge") = st.running.createdBridge ? "yes" : "no";
  root.append_attribute("dnsmasqPid") = st.running.dnsmasqPid;
  root.append_attribute("firewall") = st.running.firewall ? "yes" : "no";
  root.append_attribute("persistent") = st.persistent ? "yes" : "no";
  pugi::xml_document net;
  std::string xml = conf::formatNetworkXml(st.live);
  if (!net.load_string(xml.c_str()))
    return Error(ErrorCode::InternalError, "formatted network XML does not parse back");
  root.append_copy(net.document_element());
  std::ostringstream ss;
  doc.save(ss, "  ", pugi::format_indent | pugi::format_no_declaration);
  return writeFileAtomic(runDir_ + "/" + st.live.name + ".xml", ss.str());
}

Status NetworkStore::removeStatus(const std::string& name) { return removeFileDurable(runDir_ + "/" + name + ".xml"); }

std::vector<StoredNetwork> NetworkStore::loadConfigs(std::vector<LoadProblem>& problems) const {
  std::vector<StoredNetwork> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(configDir_, ec)) {
    if (!isXmlFile(e)) continue;
    std::string path = e.path().string();
    auto text = readFile(path);
    if (!text) {
      problems.push_back({path, text.error().describe()});
      continue;
    }
    auto parsed = conf::parseNetworkXml(*text, path);
    if (!parsed) {
      problems.push_back({path, parsed.error().describe()});
      continue;
    }
    if (parsed->def.name + ".xml" != e.path().filename().string()) {
      problems.push_back({path, "file name does not match network name '" + parsed->def.name + "'"});
      continue;
    }
    StoredNetwork sn{path, std::move(parsed->def), false};
    sn.autostart = fs::exists(autostartDir_ + "/" + sn.def.name + ".xml");
    out.push_back(std::move(sn));
  }
  return out;
}

std::vector<StoredNetworkStatus> NetworkStore::loadStatuses(std::vector<LoadProblem>& problems) const {
  std::vector<StoredNetworkStatus> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(runDir_, ec)) {
    if (!isXmlFile(e)) continue;
    std::string path = e.path().string();
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) {
      problems.push_back({path, "unreadable status file"});
      continue;
    }
    auto root = doc.child("networkstatus");
    StoredNetworkStatus st;
    st.file = path;
    st.running.bridge = root.attribute("bridge").as_string();
    st.running.createdBridge = std::string(root.attribute("createdBridge").as_string()) == "yes";
    st.running.dnsmasqPid = root.attribute("dnsmasqPid").as_int();
    st.running.firewall = std::string(root.attribute("firewall").as_string()) == "yes";
    st.persistent = std::string(root.attribute("persistent").as_string("yes")) == "yes";
    std::ostringstream ss;
    root.child("network").print(ss, "  ");
    auto parsed = conf::parseNetworkXml(ss.str(), path);
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
