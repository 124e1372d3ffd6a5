// Parsing libiscsi's `iscsi-ls -s iscsi://HOST:PORT[/IQN]`: the targets a
// portal offers (sendtargets discovery) and each target's LUNs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::storage {

struct IscsiLun {
  unsigned lun = 0;
  std::string type;  // "DIRECT_ACCESS", "STORAGE_ARRAY_CONTROLLER", ...
  bool disk() const { return type == "DIRECT_ACCESS"; }
};

struct IscsiTarget {
  std::string iqn;
  std::string portal;  // "127.0.0.1:3260,1" as printed
  std::vector<IscsiLun> luns;
};

// iscsi-ls prints sizes rounded to MiB ("Size:19M"), too coarse for a volume:
// the exact size comes from `qemu-img info iscsi://...` instead.
Result<std::vector<IscsiTarget>> parseIscsiLs(std::string_view text);

// "iscsi://HOST:PORT/IQN/LUN" (IPv6 hosts in brackets).
std::string iscsiLunUrl(const std::string& host, unsigned port, const std::string& iqn, unsigned lun);

}  // namespace stratus::storage
