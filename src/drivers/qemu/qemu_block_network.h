// The storage node of a network disk (<disk type='network'>) as QEMU's
// -blockdev / blockdev-add options, one builder per protocol, following
// QEMU's qapi/block-core.json (BlockdevOptionsNbd, ...Iscsi, ...Nfs, ...Rbd,
// ...Gluster, ...CurlHttp(s), ...CurlFtp(s), ...Ssh) and the choices libvirt
// makes (qemu_block.c). And the URL an iSCSI pool gives its volumes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "conf/disk.h"
#include "util/error.h"

namespace stratus::drivers::qemu {

// The protocol node's options (without node-name, cache, discard and
// auto-read-only, which every storage node gets). Errors name the disk.
Result<nlohmann::json> networkStorageProps(const conf::DiskDef& d);

// "iscsi://HOST[:PORT]/IQN/LUN" (the path of an iSCSI pool's volume) ->
// `d` as a type='network' iscsi disk on that portal. HOST may be an IPv6
// address in brackets; PORT defaults to 3260.
Status applyIscsiUrl(const std::string& url, conf::DiskDef& d);

}  // namespace stratus::drivers::qemu
