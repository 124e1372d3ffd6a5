#include "storage/pool_types.h"

namespace stratus::storage {

namespace {

// The XML word of a type Stratus parses but cannot run, for the error.
const char* unsupportedTypeName(conf::PoolType type) {
  switch (type) {
    case conf::PoolType::Disk: return "disk";
    case conf::PoolType::IscsiDirect: return "iscsi-direct";
    case conf::PoolType::Scsi: return "scsi";
    case conf::PoolType::Mpath: return "mpath";
    case conf::PoolType::Rbd: return "rbd";
    case conf::PoolType::Sheepdog: return "sheepdog";
    case conf::PoolType::Gluster: return "gluster";
    case conf::PoolType::Zfs: return "zfs";
    case conf::PoolType::Vstorage: return "vstorage";
    default: return "unknown";
  }
}

}  // namespace

Result<std::unique_ptr<PoolBackend>> makeHostPoolBackend(conf::PoolType type, const std::string& runDir) {
  switch (type) {
    case conf::PoolType::Dir: return makeDirPoolBackend();
    case conf::PoolType::Fs: return makeFsPoolBackend();
    case conf::PoolType::Netfs: return makeNetfsPoolBackend();
    case conf::PoolType::Logical: return makeLogicalPoolBackend();
    case conf::PoolType::Iscsi: return makeIscsiPoolBackend(runDir);
    default: break;
  }
  return Error(ErrorCode::Unsupported, std::string("this function is not supported by the connection driver: "
                                                   "storage pools of type '") +
                                           unsupportedTypeName(type) + "' (Stratus runs dir, fs, netfs, logical, iscsi)");
}

}  // namespace stratus::storage
