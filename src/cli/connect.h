// Connection URIs and how the CLI opens them.
//   test:///default, test:///ABS/PATH.xml   in-process simulated node
//   qemu:///system                           daemon at /run/stratus/stratusd.sock
//   qemu+unix:///system?socket=PATH          daemon at PATH
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::cli {

inline constexpr std::string_view kDefaultSocket = "/run/stratus/stratusd.sock";

struct ConnectTarget {
  enum class Kind { Test, Daemon };
  Kind kind = Kind::Test;
  std::string uri;         // as given
  std::string socketPath;  // Daemon only
};

Result<ConnectTarget> parseUri(std::string_view uri);

// -c URI, else $STRATUS_DEFAULT_URI, else $LIBVIRT_DEFAULT_URI, else qemu:///system.
std::string resolveUri(const char* fromCommandLine);

Result<std::unique_ptr<daemon::NodeService>> connectTo(const std::string& uri);

}  // namespace stratus::cli
