// Connection URIs to a stratusd, local or remote, as libvirt spells them:
//   qemu:///system                          the local daemon (/run/stratus/stratusd.sock)
//   qemu+unix:///system?socket=PATH         the daemon at PATH
//   qemu+tcp://HOST[:PORT]/system           TCP (port 16509), with a token
//   qemu+ssh://[USER@]HOST[:PORT]/system[?socket=PATH][&stratus=BIN]
//                                           `ssh HOST BIN proxy --socket PATH`
//                                           relays to the remote daemon's socket
// ("/session" is accepted for "/system": there is one daemon per root.)
// The CLI opens its -c URI here and the source daemon its --p2p peer.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "api/endpoint.h"
#include "api/host_port.h"
#include "daemon/node_service.h"
#include "util/error.h"

namespace stratus::api {

struct RemoteOptions {
  // Where the tokens of TCP hosts are ("HOST TOKEN" / "HOST:PORT TOKEN" lines);
  // $STRATUS_TOKEN wins over it.
  std::string remotesFile;
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds ioTimeout{0};  // 0: none (Endpoint::ioTimeout)
};

Result<std::unique_ptr<daemon::NodeService>> connectRemote(const std::string& uri, const RemoteOptions& opts);

struct RemoteUri {
  enum class Transport { Unix, Tcp, Ssh };
  Transport transport = Transport::Unix;
  std::string socketPath;  // Unix: the local socket; Ssh: the remote one ("" : the remote default)
  HostPort host;           // Tcp, Ssh (Ssh's default port is 22 and only passed when given)
  std::string user;        // Ssh
  std::string stratusBinary = "stratus";  // Ssh: what runs on the remote side
};

// InvalidArgument / ConnectFailed ("no connection driver available for URI")
// as virsh words them; never throws on any input.
Result<RemoteUri> parseRemoteUri(std::string_view uri);

// The token for `host` from a remotes file: the "HOST:PORT" line wins over a
// "HOST" line. AuthFailed naming the file and the line to add when the file
// or the host is missing; OperationInvalid when the file is readable by
// others (it holds secrets).
Result<std::string> lookupToken(const std::string& remotesFile, const HostPort& host);

// The token for a TCP host: $STRATUS_TOKEN, else lookupToken.
Result<std::string> tokenFor(const std::string& remotesFile, const HostPort& host);

// An endpoint whose every connection is `ssh ... HOST BIN proxy [--socket PATH]`
// on a socketpair (ssh from PATH; its prompts and errors go to our stderr).
// The ssh processes are reaped when the last copy of the endpoint goes.
Endpoint sshEndpoint(const RemoteUri& target, std::chrono::milliseconds ioTimeout);

}  // namespace stratus::api
