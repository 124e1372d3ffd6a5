// The stages behind parsePoolXml / parseVolumeXml and the pieces the pool and
// the find-storage-pool-sources documents share:
//   pool types and what each uses (storage_pool_types.cpp)
//   <permissions>                  (storage_perms.cpp)
//   <source> parse / format        (storage_source_parse.cpp, storage_source_format.cpp)
//   parsePoolDocument              (storage_pool_parse.cpp)     XML -> PoolDef, per-field checks
//   fillPoolDefaults               (storage_pool_defaults.cpp)  uuid, source name, target path, formats
//   validatePoolDef                (storage_pool_validate.cpp)  what each type requires
//   formatPoolXml                  (storage_pool_format.cpp)
//   volumes                        (storage_volume_parse.cpp, storage_volume_format.cpp)
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_xml_io.h"
#include "conf/storage_def.h"

namespace stratus::conf {

// What a pool type reads from <source> and writes back (libvirt's
// poolTypeInfo flags): elements a type does not use are dropped on output,
// as libvirt does, with a warning when parsed.
struct PoolTypeTraits {
  bool host = false, device = false, dir = false, adapter = false, name = false, initiator = false;
  bool network = false;  // no local target (rbd, sheepdog, gluster, iscsi-direct)
  // <source><format type=''>: the default and the accepted names ("" when
  // the type has no source format).
  std::string_view defaultFormat;
  std::vector<std::string_view> formats;
};
const PoolTypeTraits& poolTypeTraits(PoolType t);

// ---- <permissions> ----
// Reads <permissions> (mode octal <= 0777, owner/group numbers or -1, label)
// into `perms`, normalised as libvirt prints them (mode "0755").
void parsePerms(Elem& e, StoragePerms& perms, LeafExtras& leaf, const std::string& leafKey);
// Adds <permissions> to `parent` unless `perms` is empty (and `keepEmpty`,
// set when the element carried kept extras, is false).
void formatPerms(XmlElement& parent, const StoragePerms& perms, bool keepEmpty = false);

// ---- <source> ----
// Reads a <source> element. `leaf` receives what sub-elements carried beyond
// the model, keyed relative to <source> ("host#1", "adapter", ...). The pool
// type decides the accepted <format> names; nullopt = any known name (a lone
// srcSpec, whose type the caller checks later).
void parsePoolSource(Elem& e, std::optional<PoolType> type, PoolSource& src, LeafExtras& leaf);
// Builds <source> for `type` (only the parts the type uses).
XmlElement formatPoolSourceElement(PoolType type, const PoolSource& src);

// ---- pools ----
Result<PoolDef> parsePoolDocument(std::string_view xml, const std::string& sourceName, std::vector<Warning>& warnings,
                                  SourceMap& lines);
void fillPoolDefaults(PoolDef& def);
Status validatePoolDef(const PoolDef& def, const std::string& sourceName, const SourceMap& lines);

// ---- volumes ----
Result<VolumeDef> parseVolumeDocument(std::string_view xml, const std::string& sourceName,
                                      std::vector<Warning>& warnings, SourceMap& lines);

// ---- helpers ----
// The only <NAME> child of `parent`, or nullopt; a second one is an error
// ("duplicate <NAME> element in <PARENT>").
std::optional<Elem> singleChild(Elem& parent, const char* name);
// Sizes as <capacity unit='G'>1</capacity>: bytes, or nullopt after an error
// naming the element.
std::optional<std::uint64_t> parseSizeElement(Elem& e);
// libvirt's virFileSanitizePath: "//" collapsed, a trailing '/' dropped.
std::string sanitizePath(std::string_view path);
// The known volume format names (libvirt's file formats plus the disk pool's
// partition types).
bool isVolumeFormat(std::string_view name);

}  // namespace stratus::conf
