#include "drivers/qemu/qemu_instance.h"

#include "network/ovs.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "conf/domain_state.h"
#include "drivers/qemu/qemu_ports.h"
#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_events.h"

namespace stratus::drivers::qemu {

using namespace std::chrono_literals;
using K = InstanceEvent::Kind;

QemuInstance::QemuInstance(InstanceSetup s)
    : id_(s.id),
      live_(std::move(s.live)),
      process_(std::move(s.process)),
      monitorPath_(std::move(s.monitorPath)),
      logPath_(std::move(s.logPath)),
      ovsPorts_(std::move(s.ovsPorts)),
      ports_(std::move(s.ports)),
      portAllocator_(s.portAllocator),
      sink_(std::move(s.sink)) {
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

QemuInstance::~QemuInstance() {
  {
    std::lock_guard lk(mu_);
    stopWatcher_ = true;
  }
  notifyWatcher();
  if (watcher_.joinable()) watcher_.join();
  if (qmp_) qmp_->close();
  if (wakeFd_ >= 0) ::close(wakeFd_);
  // Ports stay reserved while QEMU may still hold them; a guest that lives on
  // (daemon shutting down) keeps them in the next daemon's view via its XML.
  if (portAllocator_ && (exited_ || guestDone_ || destroying_))
    for (int p : ports_) portAllocator_->release(p);
  // The incoming-migration port is QEMU's only while it waits for the stream.
  if (portAllocator_ && incomingPort_ > 0) portAllocator_->release(incomingPort_);
  if (exited_ || guestDone_ || destroying_) removeOvsPorts();  // no-op once QEMU's exit removed them
}

void QemuInstance::removeOvsPorts() {
  for (const auto& p : ovsPorts_)
    if (auto s = network::deleteOvsPort(p); !s) spdlog::warn("QEMU {}: {}", process_.pid(), s.error().message);
  ovsPorts_.clear();
}

void QemuInstance::notifyWatcher() {
  std::uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
}

Status QemuInstance::connectMonitor(std::chrono::milliseconds timeout) {
  ::stratus::qemu::QmpOptions o;
  o.connectTimeout = timeout;
  o.processAlive = [this] { return process_.alive(); };
  auto onEvent = [this](const ::stratus::qemu::QmpEvent& ev) {
    {
      std::lock_guard lk(mu_);
      queue_.push_back(ev);
    }
    notifyWatcher();
  };
  auto m = ::stratus::qemu::QmpTransport::connect(monitorPath_, o, onEvent, {});
  if (!m) return std::move(m).error();
  qmp_ = std::move(m).value();
  monitor_ = qmp_.get();
  notifyWatcher();  // events queued during connect can be handled now
  return okStatus();
}

Status QemuInstance::prepare() {
  // pty paths of serial ports, for `console` and the live XML.
  auto r = qmp_->execute("query-chardev");
  if (r && r->is_array()) {
    std::lock_guard lk(mu_);
    for (auto& s : live_.devices.serials) {
      if (s.type != "pty") continue;
      for (const auto& c : *r) {
        if (c.value("label", "") == "char" + s.info.alias) {
          std::string f = c.value("filename", "");
          if (f.rfind("pty:", 0) == 0) s.tty = f.substr(4);
        }
      }
    }
    for (auto& c : live_.devices.consoles)
      if (c.type == "pty" && !live_.devices.serials.empty()) c.tty = live_.devices.serials[0].tty;
  }
  // Balloon statistics, when the domain asks for a period.
  if (live_.devices.memballoon && live_.devices.memballoon->statsPeriod) {
    (void)qmp_->execute("qom-set", {{"path", "/machine/peripheral/" + live_.devices.memballoon->info.alias},
                                    {"property", "guest-stats-polling-interval"},
                                    {"value", *live_.devices.memballoon->statsPeriod}});
  }
  for (const auto& g : live_.devices.graphics) {
    if (g.type == "vnc" && !g.passwd.empty())
      STRATUS_TRY(qmp_->execute("change-vnc-password", {{"password", g.passwd}}));
  }
  STRATUS_TRY(applyCpuTune());  // before the guest runs
  return okStatus();
}

void QemuInstance::startWatcher() { watcher_ = std::thread([this] { watch(); }); }

std::string QemuInstance::logTail() const {
  std::ifstream in(logPath_);
  if (!in) return {};
  in.seekg(logOffset_);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 2000) s = s.substr(s.size() - 2000);
  return s;
}

void QemuInstance::watch() {
  for (;;) {
    struct pollfd fds[2] = {{process_.pidfd(), POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    bool wantStop;
    {
      std::lock_guard lk(mu_);
      wantStop = stopWatcher_;
    }
    // A guest we are ending is waited for even when asked to stop, so QEMU
    // is reaped and never left behind as a zombie.
    if (wantStop && !(guestDone_ && !exited_)) return;
    // Once we told QEMU to go, it gets 5 s before SIGKILL.
    int rc = ::poll(fds, 2, guestDone_ ? 5000 : -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0 && guestDone_) {
      (void)process_.signal(SIGKILL);
      continue;
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t n;
      (void)!::read(wakeFd_, &n, sizeof n);
      // Events that arrive while connect() is still running wait until the
      // monitor is ours: handling one may need to send commands (an unplug
      // the guest finished on its own removes the disk's block nodes).
      for (;;) {
        ::stratus::qemu::QmpEvent ev;
        {
          std::lock_guard lk(mu_);
          if (queue_.empty() || !monitor_.load()) break;
          ev = std::move(queue_.front());
          queue_.pop_front();
        }
        handleEvent(ev);
      }
    }
    if (fds[0].revents & POLLIN) {
      auto st = process_.wait(0ms);
      onExit(st.value_or(ExitStatus{}));
      return;
    }
  }
}

void QemuInstance::endGuest() {
  guestDone_ = true;
  // With -no-shutdown QEMU stays after the guest powered off; tell it to go.
  auto* m = monitor_.load();
  if (!m || !::stratus::qemu::qmp::quit(*m)) (void)process_.signal(SIGTERM);
}

void QemuInstance::handleEvent(const ::stratus::qemu::QmpEvent& raw) {
  auto ev = ::stratus::qemu::parseQmpEvent(raw);
  spdlog::debug("QEMU {}: event {} {}", process_.pid(), raw.name, raw.data.dump());
  if (guestDone_ || destroying_) return;
  switch (ev.kind) {
    case ::stratus::qemu::QmpEventKind::Shutdown: {
      if (ev.reason == "host-qmp-quit") return;  // we asked for it
      bool destroyOnReboot;
      {
        std::lock_guard lk(mu_);
        destroyOnReboot = live_.onReboot == "destroy";
      }
      bool rebooting = fakeReboot_.exchange(false);
      if (rebooting && !destroyOnReboot) {
        // virsh reboot: the guest shut down, start it again in the same QEMU.
        if (auto* m = monitor_.load()) {
          ++expectStop_;  // -no-shutdown: QEMU stops the VM after SHUTDOWN
          (void)::stratus::qemu::qmp::systemReset(*m);
          ++expectResume_;
          (void)::stratus::qemu::qmp::cont(*m);
        }
        return;
      }
      // A reboot (by the guest under -no-reboot, or virsh reboot) of a domain
      // with on_reboot='destroy' ends it; anything else is a power-off.
      if (ev.reason == "guest-reset" || rebooting)
        stopEvent_ = InstanceEvent{K::Reset, 0, "guest rebooted"};
      else
        stopEvent_ = InstanceEvent{K::GuestShutdown, 0, ev.reason};
      endGuest();
      return;
    }
    case ::stratus::qemu::QmpEventKind::Stop:
      if (expectStop_ > 0) {
        --expectStop_;
        return;
      }
      // The switch-over of an outgoing migration stops the guest; migrate()
      // reports the outcome (and runs the guest again when it fails).
      if (migrating_) return;
      sink_(InstanceEvent{K::Paused,
                          ioError_.exchange(false) ? conf::reason::PausedIoError : conf::reason::PausedUnknown,
                          "paused by QEMU"});
      return;
    case ::stratus::qemu::QmpEventKind::Resume:
      if (expectResume_ > 0) {
        --expectResume_;
        return;
      }
      if (migrating_) return;  // QEMU resumed it after a failed switch-over
      sink_(InstanceEvent{K::Resumed, 0, "resumed by QEMU"});
      return;
    case ::stratus::qemu::QmpEventKind::BlockIoError:
      ioError_ = true;
      return;
    case ::stratus::qemu::QmpEventKind::DeviceDeleted:
      onDeviceDeleted(ev.device, ev.path);  // hot-unplug: qemu_instance_hotplug.cpp
      return;
    case ::stratus::qemu::QmpEventKind::GuestPanicked: {
      std::string policy;
      {
        std::lock_guard lk(mu_);
        policy = live_.onCrash;
      }
      InstanceEvent crashed{K::Crashed, conf::reason::CrashedPanicked, "guest panicked"};
      if (policy == "preserve" || policy == "coredump-preserve") {
        ++expectStop_;  // QEMU stops the VM after a panic: part of "crashed", not a pause
        sink_(crashed);
      } else {
        stopEvent_ = crashed;
        endGuest();
      }
      return;
    }
    case ::stratus::qemu::QmpEventKind::Migration:
      onMigrationEvent(raw);
      return;
    default:
      if (raw.name == "MIGRATION_PASS" || raw.name.starts_with("BLOCK_JOB_")) onMigrationEvent(raw);
      return;
  }
}

void QemuInstance::onExit(const ExitStatus& st) {
  bool expected = guestDone_ || destroying_;
  // QEMU's taps are gone with it, their OVS ports are not. They go before
  // destroy returns or the node hears of the stop: a tap name the kernel
  // hands out again must not lose its port to this guest's late cleanup.
  removeOvsPorts();
  {
    std::lock_guard lk(mu_);
    exited_ = true;
  }
  exitedCv_.notify_all();
  if (stopEvent_) {
    sink_(*stopEvent_);
  } else if (!expected) {
    std::string detail = "QEMU " + st.describe();
    std::string tail = logTail();
    if (!tail.empty()) detail += ": " + tail;
    sink_(InstanceEvent{K::Exited, 0, detail});
  }
}

Status QemuInstance::pause() {
  ++expectStop_;
  auto s = ::stratus::qemu::qmp::stop(*qmp_);
  if (!s) --expectStop_;
  return s;
}

Status QemuInstance::resume() {
  ++expectResume_;
  auto s = ::stratus::qemu::qmp::cont(*qmp_);
  if (!s) --expectResume_;
  return s;
}

Status QemuInstance::shutdown(const daemon::ShutdownOptions& opts) {
  if (!opts.mode.empty() && opts.mode != "acpi")
    return Error(ErrorCode::Unsupported, "Operation not supported: shutdown mode '" + opts.mode +
                                             "' is not available (no guest agent); use --mode acpi");
  return ::stratus::qemu::qmp::systemPowerdown(*qmp_);
}

Status QemuInstance::destroy(const daemon::DestroyOptions& opts) {
  destroying_ = true;
  std::unique_lock lk(mu_);
  if (!exited_) {
    lk.unlock();
    (void)process_.signal(SIGTERM);
    lk.lock();
    // QEMU exits ~35 ms after SIGTERM; the watcher sees it through the pidfd.
    if (!exitedCv_.wait_for(lk, opts.graceful ? 10s : 3s, [this] { return exited_; })) {
      if (opts.graceful) {
        destroying_ = false;
        return Error(ErrorCode::OperationFailed, "Failed to terminate process " + std::to_string(process_.pid()) +
                                                     " with SIGTERM: Device or resource busy");
      }
      lk.unlock();
      (void)process_.signal(SIGKILL);
      lk.lock();
      if (!exitedCv_.wait_for(lk, 30s, [this] { return exited_; }))
        return Error(ErrorCode::OperationFailed, "QEMU process " + std::to_string(process_.pid()) + " did not die");
    }
  }
  return okStatus();
}

Status QemuInstance::reboot() {
  fakeReboot_ = true;
  auto s = ::stratus::qemu::qmp::systemPowerdown(*qmp_);
  if (!s) fakeReboot_ = false;
  return s;
}

Status QemuInstance::reset() { return ::stratus::qemu::qmp::systemReset(*qmp_); }

Result<InstanceStats> QemuInstance::stats() {
  InstanceStats s;
  std::ifstream in("/proc/" + std::to_string(process_.pid()) + "/stat");
  std::string line;
  if (std::getline(in, line)) {
    // Fields after the ")" of comm: state is field 3; utime 14, stime 15.
    auto p = line.rfind(')');
    std::istringstream rest(line.substr(p + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> f; ++i) {
      if (i == 14) utime = std::stoull(f);
      if (i == 15) stime = std::stoull(f);
    }
    long hz = ::sysconf(_SC_CLK_TCK);
    s.cpuTimeNs = (utime + stime) * 1000000000ULL / static_cast<unsigned long long>(hz > 0 ? hz : 100);
  }
  bool balloon;
  {
    std::lock_guard lk(mu_);
    s.memoryKiB = live_.currentMemoryKiB;
    s.vcpus = live_.currentVcpus;
    balloon = live_.devices.memballoon && live_.devices.memballoon->model == "virtio";
  }
  if (balloon && qmp_ && qmp_->alive()) {
    if (auto b = ::stratus::qemu::qmp::queryBalloon(*qmp_)) s.memoryKiB = *b / 1024;
  }
  return s;
}

Status QemuInstance::setMemory(std::uint64_t kib) {
  {
    std::lock_guard lk(mu_);
    if (!live_.devices.memballoon || live_.devices.memballoon->model != "virtio")
      return Error(ErrorCode::Unsupported, "Operation not supported: the domain has no memory balloon device");
  }
  STRATUS_TRY(::stratus::qemu::qmp::balloon(*qmp_, kib * 1024));
  std::lock_guard lk(mu_);
  live_.currentMemoryKiB = kib;
  return okStatus();
}

Status QemuInstance::injectNmi() {
  auto r = qmp_->execute("inject-nmi");
  if (!r.ok()) return std::move(r).error();
  return okStatus();
}

std::optional<conf::DomainDef> QemuInstance::liveDefinition() const {
  std::lock_guard lk(mu_);
  return live_;
}

std::string QemuInstance::reattachState() const {
  std::string s = "pid " + std::to_string(process_.pid()) + "\nmonitor " + monitorPath_ + "\nlog " + logPath_ + "\n";
  for (int p : ports_) s += "port " + std::to_string(p) + "\n";
  return s;
}

}  // namespace stratus::drivers::qemu
