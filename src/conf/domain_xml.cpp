// parseDomainXml: the three stages in order.
#include "conf/domain_stages.h"

namespace stratus::conf {

Result<ParsedDomain> parseDomainXml(std::string_view xml, const std::string& sourceName) {
  ParsedDomain out;
  SourceMap lines;
  auto def = parseDomainDocument(xml, sourceName, out.warnings, lines);
  if (!def) return std::move(def).error();
  out.def = std::move(def.value());
  fillDomainDefaults(out.def);
  STRATUS_TRY(validateDomainDef(out.def, sourceName, lines));
  return out;
}

}  // namespace stratus::conf
