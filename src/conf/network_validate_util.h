// Error construction shared by the network validate files: the line comes
// from the parser's SourceMap (the network's own line when the key is
// unknown, 0 for models that were not parsed from a file).
#pragma once

#include <string>

#include "conf/domain_xml_io.h"

namespace stratus::conf {

struct NetChecker {
  const std::string& file;
  const SourceMap& lines;
  int line(const std::string& key) const {
    auto it = lines.find(key);
    if (it == lines.end()) it = lines.find("network");
    return it == lines.end() ? 0 : it->second;
  }
  Error err(const std::string& key, std::string field, std::string msg) const {
    return Error(ErrorCode::XmlInvalid, std::move(msg), ErrorLocation{file, line(key), std::move(field)});
  }
};

}  // namespace stratus::conf
