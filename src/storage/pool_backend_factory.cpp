#include "storage/pool_types.h"

namespace stratus::storage {

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
                                           std::string(conf::poolTypeName(type)) + "' (Stratus runs dir, fs, netfs, logical, iscsi)");
}

}  // namespace stratus::storage
