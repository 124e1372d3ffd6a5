// `stratus -r`: a NodeService decorator that refuses every modifying call with
// libvirt's "operation forbidden: read only access prevents virDomainX" (or
// virNetworkX) and forwards queries. The daemon enforces read-only connections on its side too
// once the API has them; this keeps the in-process test node honest.
#pragma once

#include <memory>

#include "daemon/node_service.h"

namespace stratus::cli {

std::unique_ptr<daemon::NodeService> makeReadonly(std::unique_ptr<daemon::NodeService> inner);

}  // namespace stratus::cli
