// Where a client's connections to stratusd go: the unix socket, TCP (with a
// token), or anything else that yields a connected stream socket (ssh). The
// HTTP client above does not care which.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "util/error.h"

namespace stratus::api {

struct Endpoint {
  // For messages: "stratusd at /run/stratus/stratusd.sock", "stratusd at 10.0.0.2:16509".
  std::string name;
  std::string socketPath;  // unix endpoints only
  // Opens one new connection (each keep-alive connection, event stream and
  // console has its own).
  std::function<Result<int>()> dial;
  // Non-empty: sent with every request as "Authorization: Bearer TOKEN".
  std::string token;
  // > 0: a read or write that makes no progress for this long fails the
  // request (ConnectFailed "... timed out"), so a cut network is an error,
  // not a hang. Event streams wait at least kEventSilenceFloor (the daemon
  // pings them every few seconds). 0: wait as long as it takes.
  std::chrono::milliseconds ioTimeout{0};
  // Added to "lost connection" errors when the other end just closed (ssh:
  // its own messages, printed above, say why).
  std::string closedHint;
};

// Event streams: the daemon sends a keepalive comment every 5 s.
inline constexpr std::chrono::milliseconds kEventSilenceFloor{20000};

Endpoint unixEndpoint(std::string socketPath);
Endpoint tcpEndpoint(std::string host, std::uint16_t port, std::string token, std::chrono::milliseconds connectTimeout,
                     std::chrono::milliseconds ioTimeout);

// A TCP connection to host:port (name or numeric, v4 or v6) within
// `timeout` (every address the name resolves to is tried in that time).
// ConnectFailed naming host, port and the reason.
Result<int> dialTcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

// Keepalive probes and TCP_USER_TIMEOUT so the kernel gives up on a peer
// that stopped acknowledging within about `timeout`. Every TCP endpoint
// sets them (kTcpDeadPeer unless its ioTimeout is shorter): unlike an I/O
// timeout they never fail a request that is merely slow, because a live
// peer's kernel answers the probes (virsh's keepalive, 5 s x 6, does the
// same job).
void setTcpTimeouts(int fd, std::chrono::milliseconds timeout);
inline constexpr std::chrono::milliseconds kTcpDeadPeer{30000};

}  // namespace stratus::api
