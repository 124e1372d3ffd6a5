// The typed storage model: libvirt's <pool> and <volume> documents
// (formatstorage). Same pipeline as domains and networks: parse -> defaults
// -> validate -> format, unknown XML kept verbatim (Extra) with a warning,
// errors naming source:line: field.
//
// Contract used by the layers above (storage backends, daemon, cli): the
// field names below keep their meaning. Sizes are bytes everywhere; the
// parser converts <capacity unit='G'>, the formatter writes unit='bytes'
// as libvirt does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/domain_def.h"  // Warning
#include "conf/xml_element.h"
#include "util/error.h"
#include "util/uuid.h"

namespace stratus::conf {

// <pool type=...>. Stratus runs dir, fs, netfs, logical, iscsi; the others
// parse and format (so their XML round-trips) but cannot be started.
enum class PoolType { Dir, Fs, Netfs, Logical, Disk, Iscsi, IscsiDirect, Scsi, Mpath, Rbd, Sheepdog, Gluster, Zfs, Vstorage };
std::string_view poolTypeName(PoolType t);  // "dir", "fs", ...
std::optional<PoolType> parsePoolType(std::string_view s);

// <permissions><mode/><owner/><group/><label/></permissions>
struct StoragePerms {
  std::string mode;   // octal text as given ("0755"); "" = unset
  std::string owner;  // uid as text; "" = unset
  std::string group;
  std::string label;
  bool empty() const { return mode.empty() && owner.empty() && group.empty() && label.empty(); }
  friend bool operator==(const StoragePerms&, const StoragePerms&) = default;
};

struct PoolSourceHost {  // <host name='' port=''/>
  std::string name;
  std::optional<unsigned> port;
  friend bool operator==(const PoolSourceHost&, const PoolSourceHost&) = default;
};

struct PoolSourceDevice {  // <device path=''/> (fs, logical, disk, iscsi target: path = IQN)
  std::string path;
  Extra extra;  // <freeExtent>, part_separator, ...
  friend bool operator==(const PoolSourceDevice&, const PoolSourceDevice&) = default;
};

struct PoolSource {
  std::vector<PoolSourceHost> hosts;
  std::vector<PoolSourceDevice> devices;
  std::string dir;              // <dir path=''/>: netfs export path, gluster dir
  std::string name;             // <name>: logical VG name (defaults to the pool name), rbd pool, gluster volume
  std::string format;           // <format type=''/>: fs auto|ext2|ext3|ext4|xfs|vfat|..., netfs auto|nfs|cifs|glusterfs, logical lvm2, disk dos|gpt|...
  std::string protocolVersion;  // netfs <protocol ver=''/>
  std::string initiatorIqn;     // iscsi <initiator><iqn name=''/></initiator>
  std::string adapterType, adapterName;  // scsi <adapter type='' name=''/>
  std::string vendor, product;  // <vendor name=''/>, <product name=''/>
  Extra authExtra;              // <auth> kept verbatim (no secret driver yet)
  Extra extra;                  // anything else inside <source>
  friend bool operator==(const PoolSource&, const PoolSource&) = default;
};

struct PoolTarget {
  std::string path;  // dir/fs/netfs: the directory; logical: /dev/VG; iscsi: /dev/disk/by-path
  StoragePerms perms;
  friend bool operator==(const PoolTarget&, const PoolTarget&) = default;
};

struct PoolDef {
  PoolType type = PoolType::Dir;
  std::string name;
  Uuid uuid;  // generated when absent
  // Live numbers (formatted always, 0 when unknown; not read back from input
  // that a user gives: the node fills them on refresh).
  std::uint64_t capacity = 0, allocation = 0, available = 0;
  PoolSource source;
  PoolTarget target;
  std::vector<XmlElement> otherElements;  // unknown children of <pool>, kept
  std::vector<std::pair<std::string, std::string>> otherAttrs;  // unknown attributes of <pool>
  LeafExtras leaf;
};

struct ParsedPool {
  PoolDef def;
  std::vector<Warning> warnings;
};

// Defaults (libvirt's): target path required for dir/fs/netfs; logical's
// source name = pool name and target /dev/NAME; netfs format auto; fs format
// auto. Validation names the field (e.g. "pool 'p': fs pool needs <source><device path>").
Result<ParsedPool> parsePoolXml(std::string_view xml, const std::string& sourceName);

struct PoolFormatOptions {
  bool inactive = false;  // pool-dumpxml --inactive: same document (pools have no live-only parts besides the numbers)
};
std::string formatPoolXml(const PoolDef& def, const PoolFormatOptions& opts = {});

// <source> documents of find-storage-pool-sources (libvirt's <sources>).
std::string formatPoolSources(PoolType type, const std::vector<PoolSource>& sources);
// The srcSpec argument of find-storage-pool-sources: a lone <source> element.
Result<PoolSource> parsePoolSourceXml(std::string_view xml, const std::string& sourceName);

Status validatePoolName(std::string_view name);

// ---- volumes ----

struct VolumeBacking {  // <backingStore><path/><format type=''/><permissions/></backingStore>
  std::string path;
  std::string format;
  StoragePerms perms;
  friend bool operator==(const VolumeBacking&, const VolumeBacking&) = default;
};

struct VolumeDef {
  std::string name;
  std::string key;   // file-based pools: the path; logical: the LV's UUID
  std::string type;  // <volume type=''>: file, block, dir, network, netdir, ploop ("" = as the pool says)
  std::uint64_t capacity = 0;    // bytes (required on create)
  std::optional<std::uint64_t> allocation;  // bytes; unset = as the format decides (sparse)
  std::optional<std::uint64_t> physical;    // bytes, output only
  // <target>
  std::string path;    // output: the node sets it (pool target path + name)
  std::string format;  // <format type=''/>: raw, qcow2, vmdk, vdi, vhdx, qed, iso, dir, ...; "" = raw
  StoragePerms perms;
  std::string compat;         // qcow2 <compat>1.1</compat>
  bool lazyRefcounts = false;  // qcow2 <features><lazy_refcounts/></features>
  std::string clusterSize;     // <clusterSize unit=''> kept as bytes text; "" = default
  std::optional<VolumeBacking> backing;
  std::vector<XmlElement> otherElements;
  std::vector<std::pair<std::string, std::string>> otherAttrs;
  LeafExtras leaf;
};

struct ParsedVolume {
  VolumeDef def;
  std::vector<Warning> warnings;
};

struct VolumeParseOptions {
  // vol-create requires <capacity> unless a <backingStore> gives it (libvirt's
  // VIR_VOL_XML_PARSE_OPT_CAPACITY); vol-create-from / vol-clone take it from
  // the source volume, so they pass false (VIR_VOL_XML_PARSE_NO_CAPACITY).
  bool requireCapacity = true;
};
Result<ParsedVolume> parseVolumeXml(std::string_view xml, const std::string& sourceName,
                                    const VolumeParseOptions& opts = {});
std::string formatVolumeXml(const VolumeDef& def);

Status validateVolumeName(std::string_view name);

// libvirt's scaled sizes: a number with an optional unit (b, bytes; k, KiB,
// KB (1000); M, MiB, MB; G, GiB, GB; T, TiB, TB; P; E), as in <capacity
// unit=''> and virsh vol-create-as's "1G" (binary units without the B).
// `what` names the field in errors.
Result<std::uint64_t> parseScaledSize(std::string_view number, std::string_view unit, std::string_view what);
// "1G", "512MiB", "100" (bytes): number and unit in one string.
Result<std::uint64_t> parseScaledSizeText(std::string_view text, std::string_view what);

}  // namespace stratus::conf
