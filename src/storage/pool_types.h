// The backends of pool types, each in its own file; makeHostPoolBackend
// (pool_backend_factory.cpp) picks one.
#pragma once

#include <memory>
#include <string>

#include "storage/pool_backend.h"

namespace stratus::storage {

std::unique_ptr<PoolBackend> makeDirPoolBackend();
std::unique_ptr<PoolBackend> makeFsPoolBackend();
std::unique_ptr<PoolBackend> makeNetfsPoolBackend();
std::unique_ptr<PoolBackend> makeLogicalPoolBackend();
// runDir keeps the marker of which iSCSI pools are started (no kernel
// session exists to ask: the userspace initiator logs in per command).
std::unique_ptr<PoolBackend> makeIscsiPoolBackend(const std::string& runDir);

// Whether the running kernel lists an NFS client file system
// (/proc/filesystems): netfs pools say so plainly when it does not.
bool kernelHasNfsClient();
// Whether the kernel has device-mapper (/proc/misc): without it LVM
// can make PVs and VGs but no logical volume.
bool kernelHasDeviceMapper();

}  // namespace stratus::storage
