#include "daemon/store_files.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "util/atomic_file.h"

namespace stratus::daemon {

namespace fs = std::filesystem;

Status setAutostartLink(const std::string& autostartDir, const std::string& name, bool on) {
  std::string link = autostartDir + "/" + name + ".xml";
  if (!on) return removeFileDurable(link);
  ::unlink(link.c_str());
  if (::symlink(("../" + name + ".xml").c_str(), link.c_str()) != 0)
    return systemError("cannot create autostart link " + link, errno);
  return syncDir(autostartDir);
}

void forEachXmlFile(const std::string& dir, const std::function<void(const std::string& path)>& f) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".xml") f(e.path().string());
}

Status writeStatusDocument(const std::string& path, pugi::xml_document& doc, pugi::xml_node root,
                           const std::string& xml) {
  pugi::xml_document def;
  if (!def.load_string(xml.c_str()))
    return Error(ErrorCode::InternalError, "formatted XML does not parse back: " + path);
  root.append_copy(def.document_element());
  std::ostringstream ss;
  doc.save(ss, "  ", pugi::format_indent | pugi::format_no_declaration);
  return writeFileAtomic(path, ss.str());
}

std::string childXml(pugi::xml_node root, const char* name) {
  std::ostringstream ss;
  root.child(name).print(ss, "  ");
  return ss.str();
}

}  // namespace stratus::daemon
