#include "drivers/qemu/qemu_driver.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

#include "drivers/qemu/host_stats.h"
#include "drivers/qemu/qemu_caps.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qemu_ports.h"
#include "drivers/qemu/qmp_commands.h"
#include "network/ovs.h"
#include "network/tap.h"
#include "util/atomic_file.h"
#include "util/fd.h"

namespace stratus::drivers::qemu {

namespace {

// The interface's <virtualport type='openvswitch'> (written by the user, or
// by the node for a network backed by an OVS bridge), or null.
template <class Interface>
auto openvswitchPort(Interface& n) -> decltype(&n.extra.elements.front()) {
  for (auto& e : n.extra.elements)
    if (e.name == "virtualport")
      if (const std::string* t = e.attr("type"); t && *t == "openvswitch") return &e;
  return nullptr;
}

using namespace std::chrono_literals;

Result<UniqueFd> listenUnix(const std::string& path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return Error(ErrorCode::OperationFailed, "monitor socket path too long: " + path);
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.get() < 0) return systemError("cannot create monitor socket", errno);
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  ::unlink(path.c_str());
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return systemError("cannot bind monitor socket " + path, errno);
  ::chmod(path.c_str(), 0600);
  if (::listen(s.get(), 1) != 0) return systemError("cannot listen on monitor socket " + path, errno);
  return s;
}

std::string shellQuote(const std::string& a) {
  bool plain = !a.empty();
  for (char c : a)
    if (!(isalnum(static_cast<unsigned char>(c)) || std::strchr("-_=.,/:+@%", c))) plain = false;
  if (plain) return a;
  std::string q = "'";
  for (char c : a) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::map<std::string, std::string> parseState(const std::string& s) {
  std::map<std::string, std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string k = line.substr(0, sp), v = line.substr(sp + 1);
    if (k == "port") out["port"] += (out["port"].empty() ? "" : " ") + v;
    else out[k] = v;
  }
  return out;
}

// A save cut short by the previous daemon's death leaves QEMU migrating
// into a file nobody will rename: stop it (the node then resumes the guest).
void cancelStaleMigration(QemuInstance& inst) {
  namespace qmp = ::stratus::qemu::qmp;
  auto mi = qmp::queryMigrate(inst.monitor());
  if (!mi || mi->status.empty() || mi->status == "none" || qmp::migrationFinished(mi->status)) return;
  spdlog::info("QEMU {}: cancelling the migration (status {}) of an interrupted save", inst.pid(), mi->status);
  if (!qmp::migrateCancel(inst.monitor())) return;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    mi = qmp::queryMigrate(inst.monitor());
    if (!mi || qmp::migrationFinished(mi->status)) return;
    std::this_thread::sleep_for(10ms);  // QEMU reports no event without the capability
  }
}

class QemuDriver final : public HypervisorDriver {
 public:
  explicit QemuDriver(QemuDriverConfig cfg) : cfg_(std::move(cfg)) {}

  std::string name() const override { return "QEMU"; }
  std::string version() const override {
    auto caps = caps_.get(cfg_.defaultEmulator);
    return caps ? caps->version : "";
  }
  Result<daemon::NodeInfo> nodeInfo() override { return hostNodeInfo(); }
  // Host statistics (host_stats.cpp).
  Result<daemon::NodeCpuMap> nodeCpuMap() override { return hostCpuMap(); }
  Result<daemon::NodeCpuStats> nodeCpuStats(int cpu) override { return hostCpuStats(cpu); }
  Result<daemon::NodeMemoryStats> nodeMemoryStats(int cell) override { return hostMemoryStats(cell); }
  Result<daemon::BlockInfo> offlineBlockInfo(const conf::DiskDef& disk) override { return diskImageInfo(disk); }
  unsigned statsGroups() const override {
    using namespace daemon;
    return kStatsState | kStatsCpuTotal | kStatsBalloon | kStatsVcpu | kStatsInterface | kStatsBlock;
  }

  void applyDefaults(conf::DomainDef& def) override {
    // libvirt pins the machine alias to the concrete type at define time, so
    // a later QEMU upgrade does not change the guest's hardware.
    if (auto caps = caps_.get(emulatorFor(def))) {
      std::string m = caps->resolveMachine(def.machine);
      if (!m.empty()) def.machine = m;
    }
    if (!def.devices.memballoon) {
      conf::MemballoonDef b;
      b.model = "virtio";
      def.devices.memballoon = b;
    }
  }

  // Everything but the devices: domain type, KVM, lifecycle actions; gives
  // the capabilities of the QEMU that would run the domain.
  Result<QemuCaps> checkSupported(const conf::DomainDef& def) {
    if (def.type != "qemu" && def.type != "kvm")
      return Error(ErrorCode::Unsupported, "unsupported configuration: domain type '" + def.type +
                                               "' cannot run on the QEMU driver (use 'qemu' or 'kvm')");
    if (def.type == "kvm" && ::access(cfg_.kvmDevice.c_str(), R_OK | W_OK) != 0)
      return Error(ErrorCode::Unsupported,
                   "unsupported configuration: domain type 'kvm' needs " + cfg_.kvmDevice +
                       ", which this host does not have; use <domain type='qemu'> for software emulation (TCG)");
    // Lifecycle actions the driver cannot carry out are refused, not ignored.
    for (const auto& [element, action] : {std::pair<const char*, const std::string*>{"on_poweroff", &def.onPoweroff},
                                          {"on_reboot", &def.onReboot},
                                          {"on_crash", &def.onCrash}}) {
      if (*action == "rename-restart" || action->rfind("coredump-", 0) == 0)
        return Error(ErrorCode::Unsupported, std::string("unsupported configuration: <") + element + "> action '" +
                                                 *action + "' is not supported by the QEMU driver");
    }
    return caps_.get(emulatorFor(def));
  }

  // The devices too: a dry run of the command line with stand-in taps and ports.
  Status checkStartable(const conf::DomainDef& def) override {
    auto caps = checkSupported(def);
    if (!caps) return std::move(caps).error();
    conf::DomainDef live = def;
    assignAliases(live);
    CommandContext ctx;
    ctx.emulator = caps->binary;
    ctx.monitorPath = "/dev/null";
    for (std::size_t i = 0; i < live.devices.interfaces.size(); ++i) ctx.tapFds[i] = 100 + static_cast<int>(i);
    ctx.vncDisplay = 0;
    ctx.spicePort = 5900;
    auto cmd = buildCommand(live, *caps, ctx);
    if (!cmd) return std::move(cmd).error();
    return okStatus();
  }

  Result<std::unique_ptr<Instance>> launch(const conf::DomainDef& def, const LaunchOptions& opts,
                                           InstanceEventSink sink) override {
    // A tunnelled incoming migration's descriptor is ours whatever happens:
    // closed once QEMU holds its copy, or when the launch fails.
    UniqueFd incomingFd(opts.incoming && opts.incoming->fd >= 0 ? opts.incoming->fd : -1);
    auto t0 = std::chrono::steady_clock::now();
    auto ms = [&t0] {
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    // The node ran checkStartable (the dry run) before; the real command
    // line below reports the same device errors should anything differ.
    auto caps = checkSupported(def);
    if (!caps) return std::move(caps).error();
    conf::DomainDef live = def;
    const std::string& emulator = caps->binary;
    live.machine = caps->resolveMachine(live.machine);
    assignAliases(live);

    std::string qemuRun = cfg_.runDir + "/qemu", logDir = cfg_.runDir + "/log/qemu";
    STRATUS_TRY(makeDirs(qemuRun));
    STRATUS_TRY(makeDirs(logDir));
    std::string monitorPath = qemuRun + "/" + live.name + ".monitor";
    if (monitorPath.size() > 100) monitorPath = qemuRun + "/" + live.uuid.str() + ".monitor";
    std::string logPath = logDir + "/" + live.name + ".log";

    auto listener = listenUnix(monitorPath);
    if (!listener) return std::move(listener).error();

    CommandContext ctx;
    ctx.emulator = emulator;
    ctx.monitorFd = listener->get();
    ctx.kvm = live.type == "kvm";
    std::vector<int> keep = {listener->get()};
    std::vector<UniqueFd> tapFds;
    // OVS keeps ports after their tap is gone: removed again on failure and
    // when the guest stops.
    std::vector<std::string> ovsPorts;
    struct OvsCleanup {
      std::vector<std::string>* ports;
      ~OvsCleanup() {
        if (ports)
          for (const auto& p : *ports) (void)network::deleteOvsPort(p);
      }
    } ovsCleanup{&ovsPorts};
    auto& ifs = live.devices.interfaces;
    for (std::size_t i = 0; i < ifs.size(); ++i) {
      auto& n = ifs[i];
      if (n.type == "user") continue;
      // The node resolved type='network' to its network's bridge.
      if (n.type == "network" && n.sourceBridge.empty())
        return Error(ErrorCode::InternalError, "interface " + std::to_string(i) + " uses network '" +
                                                   n.sourceNetwork + "', which was not resolved to a bridge");
      conf::XmlElement* ovs = openvswitchPort(n);
      std::string bridge = n.type == "bridge" || n.type == "network" ? n.sourceBridge : "";
      std::string tmpl = n.targetDev.empty() || n.targetDev.rfind("vnet", 0) == 0 ? "vnet%d" : n.targetDev;
      auto tap = network::createTap(tmpl, n.mac, ovs ? "" : bridge);
      if (!tap) return std::move(tap).error();
      n.targetDev = tap->name;
      tapFds.emplace_back(tap->fd);
      if (ovs) {
        // The interface's own interfaceid, else a new one the live XML shows.
        std::string ifaceId = network::ovsInterfaceId(*ovs);
        STRATUS_TRY(network::addOvsPort(bridge, tap->name, n.mac, ifaceId, live.uuid.str()));
        ovsPorts.push_back(tap->name);
      }
      ctx.tapFds[i] = tap->fd;
      keep.push_back(tap->fd);
    }
    std::vector<int> ports;
    auto releasePorts = [&] {
      for (int p : ports) ports_.release(p);
    };
    for (auto& g : live.devices.graphics) {
      bool autoport = g.autoport.value_or(false) || !g.port || *g.port == -1;
      if (!autoport || (g.type != "vnc" && g.type != "spice")) continue;
      std::string listen = g.listen.empty() ? "127.0.0.1" : g.listen;
      auto p = ports_.reserve(5900, 65535, listen);
      if (!p) {
        releasePorts();
        return std::move(p).error();
      }
      ports.push_back(*p);
      g.port = *p;  // the live XML shows the port in use, as libvirt
      if (g.type == "vnc") ctx.vncDisplay = *p - 5900;
      else ctx.spicePort = *p;
    }
    auto cmd = buildCommand(live, *caps, ctx);
    if (!cmd) {
      releasePorts();
      return std::move(cmd).error();
    }
    // A restore or an incoming migration starts QEMU waiting for its state
    // (migrate-incoming below).
    if (opts.restoreFd >= 0 || opts.incoming) cmd->argv.insert(cmd->argv.end(), {"-incoming", "defer"});

    // The domain log: our command line first, then whatever QEMU prints.
    std::string header = timestamp() + ": starting up\n";
    if (emulator != live.devices.emulator && !live.devices.emulator.empty())
      header += "emulator " + live.devices.emulator + " not found on this host; using " + emulator + "\n";
    for (std::size_t i = 0; i < cmd->argv.size(); ++i) header += (i ? " " : "") + shellQuote(cmd->argv[i]);
    header += "\n";
    long logOffset = 0;
    {
      std::ofstream log(logPath, std::ios::app);
      log << header;
      log.flush();
      logOffset = static_cast<long>(log.tellp());
    }
    SpawnOptions so;
    so.argv = cmd->argv;
    so.outputFile = logPath;
    so.keepFds = keep;
    spdlog::debug("domain '{}': command line ready after {:.1f} ms", def.name, ms());
    auto proc = Process::spawn(so);
    spdlog::debug("domain '{}': QEMU spawned after {:.1f} ms", def.name, ms());
    if (!proc) {
      releasePorts();
      return std::move(proc).error();
    }
    InstanceSetup setup;
    setup.live = std::move(live);
    setup.id = opts.id;
    setup.process = std::move(proc).value();
    setup.monitorPath = monitorPath;
    setup.logPath = logPath;
    setup.ports = ports;
    setup.portAllocator = &ports_;
    setup.sink = std::move(sink);
    setup.ovsPorts = std::move(ovsPorts);  // the instance removes them when the guest is gone
    ovsCleanup.ports = nullptr;
    // QEMU holds the listening socket now; with ours closed, a QEMU that dies
    // before accepting makes our connect fail at once instead of hanging.
    *listener = UniqueFd();
    tapFds.clear();
    auto inst = std::make_unique<QemuInstance>(std::move(setup));
    inst->setLogOffset(logOffset);
    inst->startWatcher();
    auto failed = [&](const Error& why) -> Error {
      (void)inst->destroy({});
      std::string tail = inst->logTail();
      return Error(ErrorCode::OperationFailed,
                   "internal error: process exited while connecting to monitor: " + (tail.empty() ? why.message : tail));
    };
    if (auto s = inst->connectMonitor(30s); !s) return failed(s.error());
    spdlog::debug("domain '{}': monitor ready after {:.1f} ms", def.name, ms());
    if (auto s = inst->prepare(); !s) return failed(s.error());
    if (opts.restoreFd >= 0) {
      if (auto s = inst->loadState(opts.restoreFd, opts); !s) {
        (void)inst->destroy({});
        Error e = s.error();
        if (std::string tail = inst->logTail(); !tail.empty() && e.code != ErrorCode::Cancelled)
          e.message += ": " + tail;
        return e;
      }
      spdlog::debug("domain '{}': state restored after {:.1f} ms", def.name, ms());
    }
    if (opts.incoming) {
      // Paused until the source confirms; the node resumes it.
      if (auto s = inst->startIncoming(*opts.incoming); !s) {
        (void)inst->destroy({});
        Error e = s.error();
        if (std::string tail = inst->logTail(); !tail.empty()) e.message += ": " + tail;
        return e;
      }
      spdlog::debug("domain '{}': waiting for the incoming migration ({}) after {:.1f} ms", def.name,
                    inst->incomingUri().empty() ? "descriptor" : inst->incomingUri(), ms());
      return std::unique_ptr<Instance>(std::move(inst));
    }
    if (!opts.paused) {
      if (auto s = inst->resume(); !s) return failed(s.error());
    }
    spdlog::debug("domain '{}': started after {:.1f} ms", def.name, ms());
    return std::unique_ptr<Instance>(std::move(inst));
  }

  Result<std::unique_ptr<Instance>> reattach(const conf::DomainDef& def, int id, const std::string& state,
                                             InstanceEventSink sink) override {
    auto kv = parseState(state);
    if (!kv.count("pid") || !kv.count("monitor")) return Error(ErrorCode::NoDomain, "no QEMU state recorded");
    pid_t pid = static_cast<pid_t>(std::stol(kv["pid"]));
    // The pid must still be this guest's QEMU, not a recycled number.
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (args.find(def.uuid.str()) == std::string::npos)
      return Error(ErrorCode::NoDomain, "QEMU process " + std::to_string(pid) + " is gone");
    auto proc = Process::adopt(pid);
    if (!proc) return std::move(proc).error();
    std::vector<int> ports;
    std::istringstream ps(kv["port"]);
    for (int p; ps >> p;) ports.push_back(p);
    InstanceSetup setup;
    setup.live = def;
    for (const auto& n : def.devices.interfaces)
      if (openvswitchPort(n) && !n.targetDev.empty()) setup.ovsPorts.push_back(n.targetDev);
    setup.id = id;
    setup.process = std::move(proc).value();
    setup.monitorPath = kv["monitor"];
    setup.logPath = kv["log"];
    setup.ports = ports;
    setup.portAllocator = &ports_;
    setup.sink = std::move(sink);
    auto inst = std::make_unique<QemuInstance>(std::move(setup));
    inst->startWatcher();
    if (auto s = inst->connectMonitor(10s); !s)
      return Error(ErrorCode::NoDomain, "cannot reconnect to the monitor of QEMU " + std::to_string(pid) + ": " +
                                            s.error().message);
    cancelStaleMigration(*inst);
    return std::unique_ptr<Instance>(std::move(inst));
  }

 private:
  // The domain's <emulator> when this host has it, else our QEMU: an XML
  // copied from another distribution (/usr/libexec/qemu-kvm, /usr/bin/kvm)
  // still runs here. The domain log says so.
  std::string emulatorFor(const conf::DomainDef& def) const {
    const std::string& e = def.devices.emulator;
    if (!e.empty() && ::access(e.c_str(), X_OK) == 0) return e;
    return cfg_.defaultEmulator;
  }

  QemuDriverConfig cfg_;
  mutable QemuCapsCache caps_;  // a cache: filling it does not change the driver
  PortAllocator ports_;
};

}  // namespace

std::unique_ptr<HypervisorDriver> makeQemuDriver(QemuDriverConfig cfg) {
  return std::make_unique<QemuDriver>(std::move(cfg));
}

}  // namespace stratus::drivers::qemu
