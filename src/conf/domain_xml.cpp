// parseDomainXml: the three stages in order.
#include <algorithm>

#include "conf/domain_stages.h"

namespace stratus::conf {

Result<ParsedDomain> parseDomainXml(std::string_view xml, const std::string& sourceName) {
  ParsedDomain out;
  SourceMap lines;
  auto def = parseDomainDocument(xml, sourceName, out.warnings, lines);
  if (!def) return std::move(def).error();
  out.def = std::move(def.value());
  std::stable_sort(out.warnings.begin(), out.warnings.end(),
                   [](const Warning& a, const Warning& b) { return a.where.line < b.where.line; });
  fillDomainDefaults(out.def);
  STRATUS_TRY(validateDomainDef(out.def, sourceName, lines));
  return out;
}

}  // namespace stratus::conf
