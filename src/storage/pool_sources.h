// find-storage-pool-sources per pool type: what a host or portal offers,
// as the <sources> document libvirt prints (conf::formatPoolSources).
#pragma once

#include <string>

#include "util/error.h"

namespace stratus::storage {

// logical: the VGs LVM sees (pvs), srcSpec ignored.
Result<std::string> findLogicalSources(const std::string& srcSpecXml);
// iscsi: sendtargets discovery at srcSpec's <host name port>.
Result<std::string> findIscsiSources(const std::string& srcSpecXml);
// netfs: the exports of srcSpec's <host> (showmount -e).
Result<std::string> findNetfsSources(const std::string& srcSpecXml);

}  // namespace stratus::storage
