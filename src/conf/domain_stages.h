// The stages behind parseDomainXml, separately callable:
//   parseDomainDocument  (domain_parse.cpp)    XML -> typed model, syntax + per-field checks
//   fillDomainDefaults   (domain_defaults.cpp) generic defaults (uuid, currentMemory, mac, ...)
//   validateDomainDef    (domain_validate.cpp) cross-field rules
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

Result<DomainDef> parseDomainDocument(std::string_view xml, const std::string& sourceName,
                                      std::vector<Warning>& warnings, SourceMap& lines);

void fillDomainDefaults(DomainDef& def);

// Puts a disk where libvirt would (virDomainDiskInsert): after the disks of
// its bus with a lower target name, buses in order of first appearance.
void insertDisk(std::vector<DiskDef>& disks, DiskDef d);

// `lines` (may be empty) maps field keys to the lines errors should name.
Status validateDomainDef(const DomainDef& def, const std::string& sourceName, const SourceMap& lines);

}  // namespace stratus::conf
