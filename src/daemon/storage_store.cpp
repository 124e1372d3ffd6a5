#include "daemon/storage_store.h"

#include <pugixml.hpp>

#include <filesystem>

#include "daemon/store_files.h"
#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

StorageStore::StorageStore(const std::string& root) {
  fs::path r = root.empty() ? fs::path("/") : fs::path(root);
  configDir_ = (r / "etc/stratus/storage").string();
  autostartDir_ = configDir_ + "/autostart";
  runDir_ = (r / "run/stratus/storage").string();
  imagesDir_ = (r / "var/lib/stratus/images").string();
}

Status StorageStore::prepare() {
  firstStart_ = !fs::exists(configDir_);
  for (const auto& d : {configDir_, autostartDir_, runDir_}) STRATUS_TRY(makeDirs(d));
  return okStatus();
}

Status StorageStore::saveConfig(const conf::PoolDef& def) {
  // The definition only: capacity and friends are live numbers.
  conf::PoolDef stored = def;
  stored.capacity = stored.allocation = stored.available = 0;
  conf::PoolFormatOptions fo;
  fo.inactive = true;
  return writeFileAtomic(configDir_ + "/" + def.name + ".xml", conf::formatPoolXml(stored, fo));
}

Status StorageStore::removeConfig(const std::string& name) {
  STRATUS_TRY(setAutostart(name, false));
  return removeFileDurable(configDir_ + "/" + name + ".xml");
}

Status StorageStore::setAutostart(const std::string& name, bool on) {
  return setAutostartLink(autostartDir_, name, on);
}

Status StorageStore::saveStatus(const StoredPoolStatus& st) {
  pugi::xml_document doc;
  auto root = doc.append_child("poolstatus");
  root.append_attribute("persistent") = st.persistent ? "yes" : "no";
  return writeStatusDocument(runDir_ + "/" + st.live.name + ".xml", doc, root, conf::formatPoolXml(st.live));
}

Status StorageStore::removeStatus(const std::string& name) {
  return removeFileDurable(runDir_ + "/" + name + ".xml");
}

std::vector<StoredPool> StorageStore::loadConfigs(std::vector<LoadProblem>& problems) const {
  std::vector<StoredPool> out;
  forEachXmlFile(configDir_, [&](const std::string& path) {
    auto text = readFile(path);
    if (!text) return problems.push_back({path, text.error().describe()});
    auto parsed = conf::parsePoolXml(*text, path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    if (parsed->def.name + ".xml" != fs::path(path).filename().string())
      return problems.push_back({path, "file name does not match pool name '" + parsed->def.name + "'"});
    StoredPool sp{path, std::move(parsed->def), false};
    sp.autostart = fs::exists(autostartDir_ + "/" + sp.def.name + ".xml");
    out.push_back(std::move(sp));
  });
  return out;
}

std::vector<StoredPoolStatus> StorageStore::loadStatuses(std::vector<LoadProblem>& problems) const {
  std::vector<StoredPoolStatus> out;
  forEachXmlFile(runDir_, [&](const std::string& path) {
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) return problems.push_back({path, "unreadable status file"});
    auto root = doc.child("poolstatus");
    if (!root) return;  // a backend's own file, not a status
    StoredPoolStatus st;
    st.file = path;
    st.persistent = std::string(root.attribute("persistent").as_string("yes")) == "yes";
    auto parsed = conf::parsePoolXml(childXml(root, "pool"), path);
    if (!parsed) return problems.push_back({path, parsed.error().describe()});
    st.live = std::move(parsed->def);
    out.push_back(std::move(st));
  });
  return out;
}

}  // namespace stratus::daemon
