// File plumbing shared by the domain and network stores: autostart
// symlinks, walking a directory of definitions, and status documents that
// wrap a definition with runtime attributes.
#pragma once

#include <pugixml.hpp>

#include <functional>
#include <string>

#include "util/error.h"

namespace stratus::daemon {

// DIR/NAME.xml -> ../NAME.xml when on; removed when off.
Status setAutostartLink(const std::string& autostartDir, const std::string& name, bool on);

// Calls `f(path)` for each NAME.xml in `dir` (temp files of interrupted
// writes, "NAME.xml.XXXXXX", are skipped). A missing dir has no files.
void forEachXmlFile(const std::string& dir, const std::function<void(const std::string& path)>& f);

// Appends the (already formatted) definition `xml` under `root` and writes
// the document atomically to `path`.
Status writeStatusDocument(const std::string& path, pugi::xml_document& doc, pugi::xml_node root,
                           const std::string& xml);

// The child element `name` of `root`, as text to parse again.
std::string childXml(pugi::xml_node root, const char* name);

}  // namespace stratus::daemon
