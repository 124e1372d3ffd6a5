#include "daemon/network_store.h"

#include <pugixml.hpp>

#include <filesystem>

#include "daemon/store_files.h"
#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

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
  return setAutostartLink(autostartDir_, name, on);
}

Status NetworkStore::saveStatus(const StoredNetworkStatus& st) {
  pugi::xml_document doc;
  auto root = doc.append_child("networkstatus");
  root.append_attribute("bridge") = st.running.bridge.c_str();
  root.append_attribute("createdBridge") = st.running.createdBridge ? "yes" : "no";
  root.append_attribute("dnsmasqPid") = st.running.dnsmasqPid;
  root.append_attribute("firewall") = st.running.firewall ? "yes" : "no";
  root.append_attribute("persistent") = st.persistent ? "yes" : "no";
  return writeStatusDocument(runDir_ + "/" + st.live.name + ".xml", doc, root, conf::formatNetworkXml(st.live));
}

Status NetworkStore::removeStatus(const std::string& name) { return removeFileDurable(runDir_ + "/" + name + ".xml"); }

std::vector<StoredNetwork> NetworkStore::loadConfigs(std::vector<LoadProblem>& problems) const {
  std::vector<StoredNetwork> out;
  forEachXmlFile(configDir_, [&](const std::string& path) {
    auto text = readFile(path);
    if (!text) return problems.push_back({path, text.error().describe()});
    auto parsed = conf::parseNetworkXml(*text, path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    if (parsed->def.name + ".xml" != fs::path(path).filename().string())
      return problems.push_back({path, "file name does not match network name '" + parsed->def.name + "'"});
    StoredNetwork sn{path, std::move(parsed->def), false};
    sn.autostart = fs::exists(autostartDir_ + "/" + sn.def.name + ".xml");
    out.push_back(std::move(sn));
  });
  return out;
}

std::vector<StoredNetworkStatus> NetworkStore::loadStatuses(std::vector<LoadProblem>& problems) const {
  std::vector<StoredNetworkStatus> out;
  forEachXmlFile(runDir_, [&](const std::string& path) {
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) return problems.push_back({path, "unreadable status file"});
    auto root = doc.child("networkstatus");
    StoredNetworkStatus st;
    st.file = path;
    st.running.bridge = root.attribute("bridge").as_string();
    st.running.createdBridge = std::string(root.attribute("createdBridge").as_string()) == "yes";
    st.running.dnsmasqPid = root.attribute("dnsmasqPid").as_int();
    st.running.firewall = std::string(root.attribute("firewall").as_string()) == "yes";
    st.persistent = std::string(root.attribute("persistent").as_string("yes")) == "yes";
    auto parsed = conf::parseNetworkXml(childXml(root, "network"), path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    st.live = std::move(parsed->def);
    out.push_back(std::move(st));
  });
  return out;
}

}  // namespace stratus::daemon
