// Connection URIs and how the CLI opens them.
//   test:///default, test:///ABS/PATH.xml   in-process simulated node
//   qemu:///system                           daemon at /run/stratus/stratusd.sock
//   qemu+unix:///system?socket=PATH          daemon at PATH
//   qemu+tcp://HOST[:PORT]/system            daemon on HOST over TCP, with a token
//   qemu+ssh://[USER@]HOST[:PORT]/system     daemon on HOST through `ssh HOST stratus proxy`
// (api/remote.h parses and opens the last two; tokens: remotesFile()).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::cli {

inline constexpr std::string_view kDefaultSocket = "/run/stratus/stratusd.sock";

struct ConnectTarget {
  enum class Kind { Test, Daemon, Remote };
  Kind kind = Kind::Test;
  std::string uri;         // as given
  std::string socketPath;  // Daemon only
};

// The CLI's tokens for TCP hosts: $XDG_CONFIG_HOME/stratus/remotes, else
// ~/.config/stratus/remotes ("HOST TOKEN" / "HOST:PORT TOKEN" lines).
std::string remotesFile();

Result<ConnectTarget> parseUri(std::string_view uri);

// -c URI, else $STRATUS_DEFAULT_URI, else $LIBVIRT_DEFAULT_URI, else qemu:///system.
std::string resolveUri(const char* fromCommandLine);

Result<std::unique_ptr<daemon::NodeService>> connectTo(const std::string& uri);

}  // namespace stratus::cli
