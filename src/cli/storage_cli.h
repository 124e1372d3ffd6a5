// Storage pool and volume commands (pool-*, vol-*, find-storage-pool-sources*):
// their handlers, the helpers they share, and their rows of the command table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/ctl.h"

namespace stratus::cli {

// cmd_pool.cpp
bool cmdPoolDefine(Ctl&, const ParsedCmd&);
bool cmdPoolCreate(Ctl&, const ParsedCmd&);
bool cmdPoolDefineAs(Ctl&, const ParsedCmd&);
bool cmdPoolCreateAs(Ctl&, const ParsedCmd&);
bool cmdPoolBuild(Ctl&, const ParsedCmd&);
bool cmdPoolStart(Ctl&, const ParsedCmd&);
bool cmdPoolDestroy(Ctl&, const ParsedCmd&);
bool cmdPoolDelete(Ctl&, const ParsedCmd&);
bool cmdPoolUndefine(Ctl&, const ParsedCmd&);
bool cmdPoolRefresh(Ctl&, const ParsedCmd&);
bool cmdPoolAutostart(Ctl&, const ParsedCmd&);
bool cmdPoolDumpxml(Ctl&, const ParsedCmd&);
bool cmdPoolEdit(Ctl&, const ParsedCmd&);
bool cmdPoolName(Ctl&, const ParsedCmd&);
bool cmdPoolUuid(Ctl&, const ParsedCmd&);
bool cmdFindPoolSources(Ctl&, const ParsedCmd&);
bool cmdFindPoolSourcesAs(Ctl&, const ParsedCmd&);
// cmd_pool_list.cpp
bool cmdPoolList(Ctl&, const ParsedCmd&);
bool cmdPoolInfo(Ctl&, const ParsedCmd&);
// cmd_vol.cpp
bool cmdVolCreate(Ctl&, const ParsedCmd&);
bool cmdVolCreateAs(Ctl&, const ParsedCmd&);
bool cmdVolCreateFrom(Ctl&, const ParsedCmd&);
bool cmdVolClone(Ctl&, const ParsedCmd&);
bool cmdVolDelete(Ctl&, const ParsedCmd&);
bool cmdVolWipe(Ctl&, const ParsedCmd&);
bool cmdVolResize(Ctl&, const ParsedCmd&);
bool cmdVolDumpxml(Ctl&, const ParsedCmd&);
bool cmdVolPath(Ctl&, const ParsedCmd&);
bool cmdVolName(Ctl&, const ParsedCmd&);
bool cmdVolKey(Ctl&, const ParsedCmd&);
bool cmdVolPool(Ctl&, const ParsedCmd&);
// cmd_vol_list.cpp
bool cmdVolList(Ctl&, const ParsedCmd&);
bool cmdVolInfo(Ctl&, const ParsedCmd&);
// cmd_vol_transfer.cpp
bool cmdVolUpload(Ctl&, const ParsedCmd&);
bool cmdVolDownload(Ctl&, const ParsedCmd&);

// The rows of these commands (cmd_storage_table.cpp), groups "Storage Pool"
// and "Storage Volume" as virsh names them.
std::vector<CmdDef> storageCommands();

// ---- shared helpers (storage_util.cpp) ----
// virsh's pool lookup: a 36-character text as a UUID, else a name; `by`
// limits which count (pool-name takes only UUIDs, pool-uuid only names).
// Prints "failed to get pool 'X'" and the reason when nothing matches.
enum PoolLookupBy : unsigned { PoolByUuid = 1, PoolByName = 2, PoolByAny = 3 };
std::optional<daemon::PoolSummary> lookupPool(Ctl& ctl, const std::string& key, unsigned by = PoolByAny);

// virsh's volume lookup: by name in the pool of option `poolOpt` (when
// given), else by key or path. `poolOpt` empty: the command has no pool
// option (vol-name, vol-pool). Prints "failed to get vol 'X'" (with
// ", specifying --POOLOPT might help" when the pool was not given) and the
// reason when nothing matches.
std::optional<daemon::VolumeSummary> lookupVol(Ctl& ctl, const ParsedCmd& pc, std::string_view volOpt = "vol",
                                               std::string_view poolOpt = "pool", bool byName = true);

// virsh's vshPrettyCapacity: "100.00 GiB", "0.00 B".
std::string prettyCapacity(std::uint64_t bytes);
// A size as virsh's scaled integers: a number with an optional unit (b,
// bytes, k/KiB, KB, M/MiB, MB, G, T, P, E); no unit means bytes.
std::optional<std::uint64_t> parseSizeBytes(std::string_view text);

nlohmann::json poolJson(const daemon::PoolSummary& p);
nlohmann::json volumeJson(const daemon::VolumeSummary& v);
void printStorageWarnings(const std::vector<conf::Warning>& warnings);

// ---- XML virsh builds on the client (pool_xml.cpp) ----
struct PoolAsArgs {
  std::string name, type;
  std::string sourceHost, sourcePath, sourceDev, sourceName, sourceFormat, target;
  std::string authType, authUsername, secretUsage, secretUuid;
  std::string adapterName, adapterWwnn, adapterWwpn, adapterParent, adapterParentWwnn, adapterParentWwpn,
      adapterParentFabricWwn;
  std::string protocolVer, initiator;
};
PoolAsArgs poolAsArgs(const ParsedCmd& pc);
// pool-define-as / pool-create-as: the document virsh prints with --print-xml.
std::string buildPoolXml(const PoolAsArgs& a);

struct VolAsArgs {
  std::string name;
  std::uint64_t capacity = 0;
  std::optional<std::uint64_t> allocation;
  std::string format;
  std::string backingPath, backingFormat;
};
// vol-create-as: the document virsh prints with --print-xml.
std::string buildVolumeXml(const VolAsArgs& a);
// find-storage-pool-sources-as: the <source> query ("" without a host).
std::string buildSourceSpec(const std::string& host, const std::string& port, const std::string& initiator);
// vol-clone: the source volume's XML with only its name changed, laid out
// as virsh prints it (libxml2's layout, double quotes, no final newline).
// An error when the XML cannot be parsed.
Result<std::string> cloneVolumeXml(const std::string& sourceXml, const std::string& newName);

}  // namespace stratus::cli
