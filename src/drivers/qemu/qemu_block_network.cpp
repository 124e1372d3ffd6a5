#include "drivers/qemu/qemu_block_network.h"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace stratus::drivers::qemu {

using Json = nlohmann::json;

namespace {

std::string describe(const conf::DiskDef& d) { return "disk '" + d.targetDev + "'"; }

Error unsupported(const conf::DiskDef& d, const std::string& what) {
  return Error(ErrorCode::Unsupported, "unsupported configuration: " + describe(d) + ": " + what);
}

Error invalid(const conf::DiskDef& d, const std::string& what) {
  return Error(ErrorCode::XmlInvalid, "XML error: " + describe(d) + ": " + what);
}

std::string port(const conf::DiskDef& d, const conf::DiskHost& h) {
  return h.port.empty() ? conf::defaultNetworkPort(d.sourceProtocol) : h.port;
}

bool isUnix(const conf::DiskHost& h) { return h.transport == "unix"; }
bool isTcp(const conf::DiskHost& h) { return h.transport.empty() || h.transport == "tcp"; }

// QEMU takes numbers for ports in strings; refuse what is not one.
Status checkPort(const conf::DiskDef& d, const std::string& p) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v == 0 || v > 65535)
    return invalid(d, "host port '" + p + "' is not a port number (1-65535)");
  return okStatus();
}

// Protocols whose QEMU driver takes one server (libvirt: "protocol 'X'
// accepts only one host").
Result<conf::DiskHost> oneHost(const conf::DiskDef& d) {
  if (d.sourceHosts.size() != 1)
    return invalid(d, fmt::format("protocol '{}' accepts only one host (found {})", d.sourceProtocol,
                                  d.sourceHosts.size()));
  const auto& h = d.sourceHosts[0];
  if (!isUnix(h) && h.name.empty()) return invalid(d, "the <host> of protocol '" + d.sourceProtocol + "' needs a name");
  return h;
}

Result<conf::DiskHost> oneTcpHost(const conf::DiskDef& d) {
  auto h = oneHost(d);
  if (!h) return h;
  if (!isTcp(*h))
    return unsupported(d, fmt::format("protocol '{}' reaches its server over TCP only, not transport '{}'",
                                      d.sourceProtocol, h->transport));
  STRATUS_TRY(checkPort(d, port(d, *h)));
  return h;
}

// A host in a URL or portal: IPv6 addresses go in brackets.
std::string urlHost(const std::string& name) {
  return name.find(':') != std::string::npos && name.front() != '[' ? "[" + name + "]" : name;
}

// QEMU's SocketAddress: inet host/port or unix path.
Result<Json> socketAddress(const conf::DiskDef& d, const conf::DiskHost& h) {
  if (isUnix(h)) {
    if (h.socket.empty()) return invalid(d, "a unix <host> needs a socket path");
    return Json{{"type", "unix"}, {"path", h.socket}};
  }
  if (!isTcp(h)) return unsupported(d, "host transport '" + h.transport + "' (tcp and unix are supported)");
  if (h.name.empty()) return invalid(d, "a <host> needs a name");
  STRATUS_TRY(checkPort(d, port(d, h)));
  return Json{{"type", "inet"}, {"host", h.name}, {"port", port(d, h)}};
}

// Credentials live in libvirt's secret driver; QEMU would get them as a
// secret object. There is none here yet, so a disk that needs one is
// refused up front instead of failing to authenticate later.
Status refuseSecret(const conf::DiskDef& d) {
  if (!d.auth || !d.auth->hasSecret) return okStatus();
  const auto& a = *d.auth;
  std::string which = !a.secretUsage.empty() ? "usage '" + a.secretUsage + "'" : "uuid '" + a.secretUuid + "'";
  return unsupported(d, fmt::format("<auth username='{}'> of protocol '{}' needs the secret with {} from a secret "
                                    "driver, which this node does not have yet",
                                    a.username, d.sourceProtocol, which));
}

Result<Json> nbd(const conf::DiskDef& d) {
  auto h = oneHost(d);
  if (!h) return std::move(h).error();
  auto server = socketAddress(d, *h);
  if (!server) return std::move(server).error();
  if (d.net.tls == "yes")
    return unsupported(d, "NBD over TLS (tls='yes') needs x509 client certificates, which this node does not "
                          "configure yet");
  Json j = {{"driver", "nbd"}, {"server", *server}};
  if (!d.sourceName.empty()) j["export"] = d.sourceName;
  if (d.net.reconnectDelay) j["reconnect-delay"] = *d.net.reconnectDelay;
  return j;
}

// name "IQN/LUN" (the defaults stage adds "/0" when there is no LUN).
Result<Json> iscsi(const conf::DiskDef& d) {
  auto h = oneHost(d);
  if (!h) return std::move(h).error();
  if (isUnix(*h)) return unsupported(d, "iSCSI over a unix socket (tcp and rdma are supported)");
  std::string transport = h->transport == "rdma" ? "iser" : "tcp";
  if (h->transport != "rdma") STRATUS_TRY(checkPort(d, port(d, *h)));
  std::string p = h->port.empty() ? "3260" : h->port;
  std::string name = d.sourceName;
  auto slash = name.rfind('/');
  std::string target = slash == std::string::npos ? name : name.substr(0, slash);
  std::string lunText = slash == std::string::npos ? "0" : name.substr(slash + 1);
  unsigned lun = 0;
  auto [end, ec] = std::from_chars(lunText.data(), lunText.data() + lunText.size(), lun);
  if (target.empty() || lunText.empty() || ec != std::errc() || end != lunText.data() + lunText.size() || lun > 16383)
    return invalid(d, "iSCSI source name '" + name + "' is not TARGET-IQN/LUN (e.g. iqn.2004-04.org.example:t/1)");
  STRATUS_TRY(refuseSecret(d));
  Json j = {{"driver", "iscsi"},
            {"transport", transport},
            {"portal", urlHost(h->name) + ":" + p},
            {"target", target},
            {"lun", lun}};
  if (!d.net.initiatorIqn.empty()) j["initiator-name"] = d.net.initiatorIqn;
  return j;
}

// <identity user group>: a number ("N" or "+N") or a name looked up here.
Result<long> identityId(const conf::DiskDef& d, const std::string& v, bool group) {
  std::string_view s = v;
  if (s.starts_with('+')) s.remove_prefix(1);
  long id = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (!s.empty() && ec == std::errc() && end == s.data() + s.size() && id >= 0) return id;
  std::vector<char> buf(16384);
  if (group) {
    struct group g, *res = nullptr;
    if (getgrnam_r(v.c_str(), &g, buf.data(), buf.size(), &res) == 0 && res) return static_cast<long>(res->gr_gid);
  } else {
    struct passwd p, *res = nullptr;
    if (getpwnam_r(v.c_str(), &p, buf.data(), buf.size(), &res) == 0 && res) return static_cast<long>(res->pw_uid);
  }
  return invalid(d, fmt::format("<identity {}='{}'>: no such {} on this host", group ? "group" : "user", v,
                                group ? "group" : "user"));
}

Result<Json> nfs(const conf::DiskDef& d) {
  auto h = oneHost(d);
  if (!h) return std::move(h).error();
  if (!isTcp(*h)) return unsupported(d, "NFS over transport '" + h->transport + "' (tcp is supported)");
  if (!h->port.empty()) return unsupported(d, "QEMU's nfs driver takes no port (host port '" + h->port + "')");
  if (d.sourceName.empty()) return invalid(d, "an nfs source needs the image's path as its name");
  Json j = {{"driver", "nfs"}, {"server", {{"type", "inet"}, {"host", h->name}}}, {"path", d.sourceName}};
  if (!d.net.identityUser.empty()) {
    auto id = identityId(d, d.net.identityUser, false);
    if (!id) return std::move(id).error();
    j["user"] = *id;
  }
  if (!d.net.identityGroup.empty()) {
    auto id = identityId(d, d.net.identityGroup, true);
    if (!id) return std::move(id).error();
    j["group"] = *id;
  }
  return j;
}

// name "POOL/IMAGE", "POOL/NAMESPACE/IMAGE"; "@SNAP" at the end is the
// older spelling of <snapshot name>.
Result<Json> rbd(const conf::DiskDef& d) {
  std::string name = d.sourceName, snapshot = d.net.snapshot;
  if (auto at = name.find('@'); at != std::string::npos) {
    if (snapshot.empty()) snapshot = name.substr(at + 1);
    name.resize(at);
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto slash = name.find('/', start);
    parts.push_back(name.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  bool ok = (parts.size() == 2 || parts.size() == 3);
  for (const auto& p : parts) ok = ok && !p.empty();
  if (!ok) return invalid(d, "rbd source name '" + d.sourceName + "' is not POOL/IMAGE or POOL/NAMESPACE/IMAGE");
  Json j = {{"driver", "rbd"}, {"pool", parts.front()}, {"image", parts.back()}};
  if (parts.size() == 3) j["namespace"] = parts[1];
  if (!snapshot.empty()) j["snapshot"] = snapshot;
  if (!d.net.configFile.empty()) j["conf"] = d.net.configFile;
  if (!d.sourceHosts.empty()) {
    Json servers = Json::array();
    for (const auto& h : d.sourceHosts) {
      if (!isTcp(h) || h.name.empty()) return unsupported(d, "rbd monitors are reached by host name over TCP");
      // QEMU needs a port for each monitor; Ceph's monitors listen on 6789
      // unless told otherwise (libvirt has no default to fill in).
      std::string p = h.port.empty() ? "6789" : h.port;
      STRATUS_TRY(checkPort(d, p));
      servers.push_back({{"host", h.name}, {"port", p}});
    }
    j["server"] = servers;
  }
  STRATUS_TRY(refuseSecret(d));
  return j;
}

// name "VOLUME/PATH".
Result<Json> gluster(const conf::DiskDef& d) {
  auto slash = d.sourceName.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == d.sourceName.size())
    return invalid(d, "gluster source name '" + d.sourceName + "' is not VOLUME/PATH");
  if (d.sourceHosts.empty()) return invalid(d, "a gluster source needs at least one <host>");
  Json servers = Json::array();
  for (const auto& h : d.sourceHosts) {
    auto s = socketAddress(d, h);
    if (!s) return std::move(s).error();
    servers.push_back(*s);
  }
  return Json{{"driver", "gluster"},
              {"volume", d.sourceName.substr(0, slash)},
              {"path", d.sourceName.substr(slash + 1)},
              {"server", servers}};
}

// http, https, ftp, ftps: QEMU's curl drivers take a URL, and are read-only.
Result<Json> curl(const conf::DiskDef& d) {
  auto h = oneTcpHost(d);
  if (!h) return std::move(h).error();
  if (!d.readonly && d.device != "cdrom")
    return unsupported(d, "QEMU's " + d.sourceProtocol + " driver is read-only; add <readonly/> to the disk");
  STRATUS_TRY(refuseSecret(d));
  std::string path = d.sourceName;
  if (!path.starts_with('/')) path.insert(0, "/");
  std::string url = fmt::format("{}://{}:{}{}", d.sourceProtocol, urlHost(h->name), port(d, *h), path);
  if (!d.net.query.empty()) url += "?" + d.net.query;
  Json j = {{"driver", d.sourceProtocol}, {"url", url}};
  bool secure = d.sourceProtocol == "https" || d.sourceProtocol == "ftps";
  if (secure && !d.net.sslVerify.empty()) j["sslverify"] = d.net.sslVerify == "yes";
  if (d.net.readahead) j["readahead"] = *d.net.readahead;
  if (d.net.timeout) j["timeout"] = *d.net.timeout;
  if (!d.net.cookies.empty()) {
    if (d.sourceProtocol != "http" && d.sourceProtocol != "https")
      return unsupported(d, "cookies are for http and https sources");
    std::string cookie;
    for (const auto& c : d.net.cookies) cookie += (cookie.empty() ? "" : "; ") + c.name + "=" + c.value;
    j["cookie"] = cookie;
  }
  return j;
}

Result<Json> ssh(const conf::DiskDef& d) {
  auto h = oneTcpHost(d);
  if (!h) return std::move(h).error();
  if (d.sourceName.empty()) return invalid(d, "an ssh source needs the image's path as its name");
  Json j = {{"driver", "ssh"}, {"server", {{"host", h->name}, {"port", port(d, *h)}}}, {"path", d.sourceName}};
  // QEMU's ssh driver authenticates through ssh-agent: the user name is all
  // it takes from <auth> (libvirt does the same).
  if (d.auth) j["user"] = d.auth->username;
  return j;
}

}  // namespace

Result<Json> networkStorageProps(const conf::DiskDef& d) {
  const std::string& p = d.sourceProtocol;
  if (p == "nbd") return nbd(d);
  if (p == "iscsi") return iscsi(d);
  if (p == "nfs") return nfs(d);
  if (p == "rbd") return rbd(d);
  if (p == "gluster") return gluster(d);
  if (p == "http" || p == "https" || p == "ftp" || p == "ftps") return curl(d);
  if (p == "ssh") return ssh(d);
  if (p.empty()) return invalid(d, "a network disk needs a source protocol");
  return unsupported(d, "protocol '" + p + "' has no block driver in this QEMU (nbd, iscsi, nfs, rbd, gluster, "
                        "http, https, ftp, ftps and ssh do)");
}

Status applyIscsiUrl(const std::string& url, conf::DiskDef& d) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::InternalError, fmt::format("internal error: {}: storage volume '{}' of pool '{}' resolved to '{}': {}",
                                                       describe(d), d.sourceVolume, d.sourcePool, url, why));
  };
  constexpr std::string_view kScheme = "iscsi://";
  if (!std::string_view(url).starts_with(kScheme)) return bad("not an iscsi:// URL");
  std::string rest = url.substr(kScheme.size());
  auto slash = rest.find('/');
  if (slash == std::string::npos) return bad("no /IQN/LUN after the portal");
  std::string hostPort = rest.substr(0, slash), name = rest.substr(slash + 1);
  conf::DiskHost h;
  if (hostPort.starts_with('[')) {
    auto close = hostPort.find(']');
    if (close == std::string::npos) return bad("unclosed IPv6 address");
    h.name = hostPort.substr(1, close - 1);
    if (close + 1 < hostPort.size()) {
      if (hostPort[close + 1] != ':') return bad("junk after the IPv6 address");
      h.port = hostPort.substr(close + 2);
    }
  } else if (auto colon = hostPort.rfind(':'); colon != std::string::npos) {
    h.name = hostPort.substr(0, colon);
    h.port = hostPort.substr(colon + 1);
  } else {
    h.name = hostPort;
  }
  if (h.name.empty()) return bad("no host");
  if (name.find('/') == std::string::npos) return bad("no /LUN after the IQN");
  d.type = "network";
  d.sourceProtocol = "iscsi";
  d.sourceName = name;
  d.sourceHosts = {h};
  return okStatus();
}

}  // namespace stratus::drivers::qemu
