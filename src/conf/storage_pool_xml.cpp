// parsePoolXml: the three pool stages in order.
#include <algorithm>

#include "conf/storage_stages.h"

namespace stratus::conf {

Result<ParsedPool> parsePoolXml(std::string_view xml, const std::string& sourceName) {
  ParsedPool out;
  SourceMap lines;
  auto def = parsePoolDocument(xml, sourceName, out.warnings, lines);
  if (!def) return std::move(def).error();
  out.def = std::move(def.value());
  std::stable_sort(out.warnings.begin(), out.warnings.end(),
                   [](const Warning& a, const Warning& b) { return a.where.line < b.where.line; });
  fillPoolDefaults(out.def);
  STRATUS_TRY(validatePoolDef(out.def, sourceName, lines));
  return out;
}

}  // namespace stratus::conf
