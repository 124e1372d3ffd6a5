#include "network/host_network_backend.h"

#include <signal.h>

#include <charconv>
#include <fmt/format.h>

#include "network/bridge.h"
#include "network/dnsmasq_config.h"
#include "network/dnsmasq_leases.h"
#include "network/firewall_rules.h"
#include "network/ovs.h"
#include "network/tap.h"
#include "util/atomic_file.h"
#include "util/process.h"

namespace stratus::network {

namespace {

using namespace std::chrono_literals;

Status writeSysctl(const std::string& path, const std::string& value) {
  auto cur = readFile(path);
  if (cur && cur->substr(0, value.size()) == value) return {};
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return systemError("cannot write " + path, errno);
  bool ok = std::fputs(value.c_str(), f) >= 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return systemError("cannot write " + path, errno);
  return {};
}

// The process `pid` is the dnsmasq started with our config file (a pid file
// can outlive its process and the number be reused).
bool isOurDnsmasq(int pid, const std::string& confPath) {
  if (pid <= 0) return false;
  auto cmd = readFile(fmt::format("/proc/{}/cmdline", pid));
  if (!cmd) return false;
  return cmd->find("--conf-file=" + confPath) != std::string::npos;
}

std::vector<std::string> bridgeAddresses(const conf::NetworkDef& def) {
  std::vector<std::string> out;
  for (const auto& ip : def.ips)
    if (!ip.address.empty()) out.push_back(fmt::format("{}/{}", ip.address, ip.prefixLength()));
  return out;
}

}  // namespace

bool HostNetworkBackend::interfaceExists(const std::string& name) { return network::interfaceExists(name); }

Status HostNetworkBackend::applyFirewall(const std::string& script, const std::string& name) {
  std::string file = runDir_ + "/" + name + ".nft";
  STRATUS_TRY(writeFileAtomic(file, script));
  auto r = runCapture({"nft", "-f", file}, 20s);
  if (!r) return Error(ErrorCode::OperationFailed, "cannot install the firewall rules of network '" + name + "': " + r.error().message);
  return {};
}

Result<int> HostNetworkBackend::startDnsmasq(const conf::NetworkDef& def, const std::string& bridge) {
  auto paths = DnsmasqPaths::under(runDir_, def.name);
  auto files = buildDnsmasqFiles(def, bridge, paths);
  STRATUS_TRY(writeFileAtomic(paths.hostsFile, files.hostsFile, 0644));
  STRATUS_TRY(writeFileAtomic(paths.addnHosts, files.addnHosts, 0644));
  STRATUS_TRY(writeFileAtomic(paths.conf, files.conf, 0644));
  (void)removeFileDurable(paths.pid);
  // dnsmasq daemonises itself; its first process exits once the daemon is
  // set up (or with an error message when it cannot be).
  auto r = runCapture({"dnsmasq", "--conf-file=" + paths.conf}, 20s);
  if (!r) return Error(ErrorCode::OperationFailed, "cannot start dnsmasq for network '" + def.name + "': " + r.error().message);
  auto pidText = readFile(paths.pid);
  int pid = 0;
  if (pidText) {
    const char* b = pidText->data();
    std::from_chars(b, b + pidText->size(), pid);
  }
  if (!isOurDnsmasq(pid, paths.conf))
    return Error(ErrorCode::OperationFailed, "dnsmasq for network '" + def.name + "' did not stay up (pid file " + paths.pid + ")");
  return pid;
}

Status HostNetworkBackend::stopDnsmasq(const conf::NetworkDef& def, int pid) {
  auto paths = DnsmasqPaths::under(runDir_, def.name);
  if (isOurDnsmasq(pid, paths.conf)) {
    auto p = Process::adopt(pid);
    if (p) p->terminate(2s);
  }
  for (const auto& f : {paths.pid, paths.conf, paths.hostsFile, paths.addnHosts})
    (void)removeFileDurable(f);
  return {};
}

Result<RunningNetwork> HostNetworkBackend::start(const conf::NetworkDef& def) {
  STRATUS_TRY(makeDirs(runDir_));
  RunningNetwork rn;
  rn.bridge = def.bridge.name;
  auto undo = [&](Error e) -> Error {
    (void)stop(def, rn);
    return e;
  };
  if (def.needsBridge()) {
    BridgeSpec spec;
    spec.name = def.bridge.name;
    spec.stp = def.bridge.stp.value_or(true);
    spec.delaySeconds = def.bridge.delay.value_or(0);
    spec.mac = def.mac;
    spec.mtu = def.mtu.value_or(0);
    spec.addresses = bridgeAddresses(def);
    STRATUS_TRY(createBridge(spec));
    rn.createdBridge = true;
  } else if (def.forward.mode == conf::ForwardMode::Bridge && !def.bridge.name.empty()) {
    if (def.virtualportType == "openvswitch") {
      if (auto st = checkOvsBridge(def.bridge.name); !st)
        return Error(st.error().code, "network '" + def.name + "': " + st.error().message);
    } else if (!network::interfaceExists(def.bridge.name)) {
      return Error(ErrorCode::OperationFailed,
                   "network '" + def.name + "': bridge '" + def.bridge.name + "' does not exist on this host");
    }
    return rn;  // the LAN's bridge: nothing of ours to set up
  } else {
    return rn;  // macvtap / hostdev modes: devices are made per guest
  }
  if (needsIpForwarding(def)) {
    bool v4 = false, v6 = false;
    for (const auto& ip : def.ips) (ip.isV6() ? v6 : v4) = true;
    if (v4 || def.ips.empty()) {
      if (auto st = writeSysctl("/proc/sys/net/ipv4/ip_forward", "1"); !st) return undo(st.error());
    }
    if (v6) {
      if (auto st = writeSysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1"); !st) return undo(st.error());
    }
  }
  if (needsFirewall(def)) {
    rn.firewall = true;
    if (auto st = applyFirewall(buildFirewallScript(def, rn.bridge), def.name); !st) return undo(st.error());
  }
  if (needsDnsmasq(def)) {
    auto pid = startDnsmasq(def, rn.bridge);
    if (!pid) return undo(pid.error());
    rn.dnsmasqPid = *pid;
  }
  return rn;
}

Status HostNetworkBackend::stop(const conf::NetworkDef& def, const RunningNetwork& rn) {
  Status first;
  auto keep = [&](Status st) {
    if (!st && first) first = std::move(st);
  };
  if (rn.dnsmasqPid) keep(stopDnsmasq(def, rn.dnsmasqPid));
  // A stopped network has no leases; the next start begins afresh.
  (void)removeFileDurable(DnsmasqPaths::under(runDir_, def.name).leases);
  if (rn.firewall && !rn.bridge.empty()) {
    keep(applyFirewall(buildFirewallRemoveScript(rn.bridge), def.name));
    (void)removeFileDurable(runDir_ + "/" + def.name + ".nft");
    // The last network out removes the (now empty) table: nothing of ours
    // stays in the host's ruleset. Network operations are serialised, so
    // no other network adds a chain meanwhile.
    auto table = runCapture({"nft", "list", "table", "inet", kFirewallTable}, 10s);
    if (table && table->find("chain ") == std::string::npos)
      (void)runCapture({"nft", "delete", "table", "inet", kFirewallTable}, 10s);
  }
  if (rn.createdBridge) keep(deleteBridge(rn.bridge));
  return first;
}

Status HostNetworkBackend::reattach(const conf::NetworkDef& def, const RunningNetwork& saved) {
  if (saved.createdBridge && !network::interfaceExists(saved.bridge))
    return Error(ErrorCode::OperationFailed, "bridge '" + saved.bridge + "' is gone");
  if (saved.dnsmasqPid && !isOurDnsmasq(saved.dnsmasqPid, DnsmasqPaths::under(runDir_, def.name).conf))
    return Error(ErrorCode::OperationFailed, fmt::format("dnsmasq (pid {}) is gone", saved.dnsmasqPid));
  return {};
}

Status HostNetworkBackend::reload(const conf::NetworkDef& def, RunningNetwork& rn) {
  if (!rn.dnsmasqPid) return {};
  auto paths = DnsmasqPaths::under(runDir_, def.name);
  auto files = buildDnsmasqFiles(def, rn.bridge, paths);
  auto oldConf = readFile(paths.conf);
  STRATUS_TRY(writeFileAtomic(paths.hostsFile, files.hostsFile, 0644));
  STRATUS_TRY(writeFileAtomic(paths.addnHosts, files.addnHosts, 0644));
  if (oldConf && *oldConf == files.conf) {
    // dnsmasq rereads dhcp-hostsfile and addn-hosts on SIGHUP.
    if (::kill(rn.dnsmasqPid, SIGHUP) != 0) return systemError("cannot signal dnsmasq", errno);
    return {};
  }
  // Ranges, DNS records, options: dnsmasq reads those only at start. Its
  // lease file stays, so guests keep their addresses.
  (void)stopDnsmasq(def, rn.dnsmasqPid);
  rn.dnsmasqPid = 0;
  auto pid = startDnsmasq(def, rn.bridge);
  if (!pid) return std::move(pid).error();
  rn.dnsmasqPid = *pid;
  return {};
}

Result<std::vector<Lease>> HostNetworkBackend::leases(const conf::NetworkDef& def, const RunningNetwork& rn) {
  auto text = readFile(DnsmasqPaths::under(runDir_, def.name).leases);
  if (!text) return std::vector<Lease>{};  // no lease handed out yet
  return parseDnsmasqLeases(*text);
}

}  // namespace stratus::network
