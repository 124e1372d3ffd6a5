// `test:///default` and `test:///PATH.xml`: an in-memory node backed by the
// simulated driver, as libvirt's test driver. No daemon, nothing persisted.
#pragma once

#include <memory>
#include <string>

#include "daemon/node_service.h"

namespace stratus::daemon {

// test:///default starts with libvirt's default objects (domain "test",
// running, id 1). test:///ABSOLUTE/PATH.xml loads a libvirt <node> file.
Result<std::unique_ptr<NodeService>> openTestNode(const std::string& uri);

}  // namespace stratus::daemon
