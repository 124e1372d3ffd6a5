// Pool type names, what each type reads from <source> (libvirt's
// poolTypeInfo), and the rules for pool and volume names.
#include <fmt/format.h>

#include <array>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

constexpr std::array<std::string_view, 14> kPoolTypeNames = {
    "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "sheepdog",
    "gluster", "zfs", "vstorage"};

PoolTypeTraits makeTraits(PoolType t) {
  PoolTypeTraits x;
  switch (t) {
    case PoolType::Dir:
    case PoolType::Mpath:
      break;
    case PoolType::Fs:
      x.device = true;
      x.defaultFormat = "auto";
      x.formats = {"auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
                   "ocfs2", "vmfs"};
      break;
    case PoolType::Netfs:
      x.host = x.dir = true;
      x.defaultFormat = "auto";
      x.formats = {"auto", "nfs", "glusterfs", "cifs"};
      break;
    case PoolType::Logical:
      x.name = x.device = true;
      x.defaultFormat = "lvm2";
      x.formats = {"unknown", "lvm2"};
      break;
    case PoolType::Disk:
      x.device = true;
      x.defaultFormat = "unknown";
      x.formats = {"unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2"};
      break;
    case PoolType::Iscsi:
      x.host = x.device = x.initiator = true;
      break;
    case PoolType::IscsiDirect:
      x.host = x.device = x.initiator = x.network = true;
      break;
    case PoolType::Scsi:
      x.adapter = true;
      break;
    case PoolType::Rbd:
    case PoolType::Sheepdog:
      x.host = x.name = x.network = true;
      break;
    case PoolType::Gluster:
      x.host = x.name = x.dir = x.network = true;
      break;
    case PoolType::Zfs:
      x.name = x.device = true;
      break;
    case PoolType::Vstorage:
      x.name = true;
      break;
  }
  return x;
}

// Every type's traits, built once on first use (immutable afterwards).
const std::array<PoolTypeTraits, kPoolTypeNames.size()>& allTraits() {
  static const auto table = [] {
    std::array<PoolTypeTraits, kPoolTypeNames.size()> t;
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = makeTraits(static_cast<PoolType>(i));
    return t;
  }();
  return table;
}

}  // namespace

std::string_view poolTypeName(PoolType t) {
  auto i = static_cast<std::size_t>(t);
  return i < kPoolTypeNames.size() ? kPoolTypeNames[i] : std::string_view();
}

std::optional<PoolType> parsePoolType(std::string_view s) {
  for (std::size_t i = 0; i < kPoolTypeNames.size(); ++i)
    if (kPoolTypeNames[i] == s) return static_cast<PoolType>(i);
  return std::nullopt;
}

const PoolTypeTraits& poolTypeTraits(PoolType t) {
  auto i = static_cast<std::size_t>(t);
  return allTraits()[i < kPoolTypeNames.size() ? i : 0];
}

Status validatePoolName(std::string_view name) {
  // Pool names become file names (storage/NAME.xml, autostart links).
  if (name.empty()) return Error(ErrorCode::XmlInvalid, "pool name must not be empty");
  if (name.front() == '.') return Error(ErrorCode::XmlInvalid, fmt::format("pool name '{}' must not start with '.'", name));
  for (char ch : name) {
    if (ch == '/') return Error(ErrorCode::XmlInvalid, fmt::format("pool name '{}' cannot contain '/'", name));
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      return Error(ErrorCode::XmlInvalid, "pool name must not contain control characters");
  }
  return okStatus();
}

Status validateVolumeName(std::string_view name) {
  // Volume names become file names inside the pool's directory: no path
  // separators, and nothing that names the directory itself or its parent.
  if (name.empty()) return Error(ErrorCode::XmlInvalid, "volume name must not be empty");
  if (name == "." || name == "..") return Error(ErrorCode::XmlInvalid, fmt::format("volume name '{}' is not allowed", name));
  for (char ch : name) {
    if (ch == '/') return Error(ErrorCode::XmlInvalid, fmt::format("volume name '{}' cannot contain '/'", name));
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      return Error(ErrorCode::XmlInvalid, "volume name must not contain control characters");
  }
  return okStatus();
}

}  // namespace stratus::conf
