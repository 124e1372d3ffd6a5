// QemuInstance: the destination side of a live migration. QEMU was started
// with `-incoming defer` (paused); here it gets the source's capabilities,
// listens on the first free port of the range (or reads a descriptor), may
// serve the guest's disks over NBD for the source's mirrors, and reports
// when the stream is complete. A stream QEMU cannot load makes it exit:
// that is an error carrying QEMU's words, never a hang.
#include <spdlog/spdlog.h>

#include "drivers/qemu/qemu_instance.h"
#include "drivers/qemu/qemu_ports.h"
#include "drivers/qemu/qmp_commands.h"
#include "drivers/qemu/qmp_migration.h"

namespace stratus::drivers::qemu {

namespace qmp = ::stratus::qemu::qmp;
using namespace std::chrono_literals;

namespace {

constexpr const char* kIncomingFdName = "stratus-incoming";

Error incomingFailed(const std::string& why) {
  return Error(ErrorCode::OperationFailed, "operation failed: migration in job: " + why);
}

bool portInUse(const Error& e) { return e.message.find("Address already in use") != std::string::npos; }

}  // namespace

Status QemuInstance::startIncoming(const IncomingMigration& in) {
  auto& m = *qmp_;
  STRATUS_TRY(applyMigrationSetup(in.params, in.fd >= 0, false));
  if (in.fd >= 0) {
    if (auto s = qmp::getfd(m, kIncomingFdName, in.fd); !s)
      return incomingFailed("cannot pass the migration descriptor to QEMU: " + qemuWords(s.error()));
    if (auto s = qmp::migrateIncoming(m, std::string("fd:") + kIncomingFdName); !s)
      return incomingFailed(qemuWords(s.error()));
    return okStatus();
  }
  if (in.portMin <= 0 || in.portMax > 65535 || in.portMin > in.portMax)
    return Error(ErrorCode::InvalidArgument, "invalid argument: migration port range " + std::to_string(in.portMin) +
                                                 "-" + std::to_string(in.portMax) + " is not valid");
  // Our allocator skips ports other guests of this daemon hold; QEMU's bind
  // decides for everything else on the host (retry on EADDRINUSE).
  for (int from = in.portMin; from <= in.portMax;) {
    int port = from;
    if (portAllocator_) {
      auto p = portAllocator_->reserve(from, in.portMax, in.listenAddress);
      if (!p) break;
      port = *p;
    }
    std::string uri = tcpUri(in.listenAddress, port);
    auto s = qmp::migrateIncoming(m, uri);
    if (s) {
      std::lock_guard lk(mu_);
      incomingPort_ = portAllocator_ ? port : -1;
      incomingUri_ = uri;
      return okStatus();
    }
    if (portAllocator_) portAllocator_->release(port);
    if (!portInUse(s.error()))
      return incomingFailed("cannot listen on " + uri.substr(4) + ": " + qemuWords(s.error()));
    from = port + 1;
  }
  return incomingFailed("no free port for the incoming migration between " + std::to_string(in.portMin) + " and " +
                        std::to_string(in.portMax) + " on " + in.listenAddress);
}

std::string QemuInstance::incomingUri() const {
  std::lock_guard lk(mu_);
  return incomingUri_;
}

Status QemuInstance::startNbdServer(const std::string& address, int port,
                                    const std::vector<std::pair<std::string, std::string>>& exports) {
  auto& m = *qmp_;
  if (nbdServer_) return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: the NBD server already runs");
  std::vector<std::string> nodes;
  for (const auto& [dev, name] : exports) {
    auto node = diskFormatNode(dev);
    if (!node) return std::move(node).error();
    nodes.push_back(*node);
  }
  if (auto s = qmp::nbdServerStart(m, address, port); !s)
    return Error(ErrorCode::OperationFailed, "operation failed: cannot start the NBD server on " + address + ":" +
                                                 std::to_string(port) + ": " + qemuWords(s.error()));
  nbdServer_ = true;
  for (std::size_t i = 0; i < exports.size(); ++i) {
    const auto& [dev, name] = exports[i];
    std::string id = "migrate-" + dev;
    if (auto s = qmp::blockExportAdd(m, id, nodes[i], name, true); !s) {
      Error e(ErrorCode::OperationFailed,
              "operation failed: cannot export disk '" + dev + "' over NBD: " + qemuWords(s.error()));
      (void)stopNbdServer();
      return e;
    }
    nbdExports_.push_back(id);
  }
  return okStatus();
}

Status QemuInstance::stopNbdServer() {
  if (!nbdServer_) return okStatus();
  auto& m = *qmp_;
  for (const auto& id : nbdExports_)
    if (auto s = qmp::blockExportDel(m, id); !s)
      spdlog::debug("QEMU {}: block-export-del {}: {}", process_.pid(), id, s.error().message);
  nbdExports_.clear();
  nbdServer_ = false;
  // Stopping the server also ends exports a failed block-export-del left.
  if (auto s = qmp::nbdServerStop(m); !s)
    return Error(ErrorCode::OperationFailed, "operation failed: cannot stop the NBD server: " + qemuWords(s.error()));
  return okStatus();
}

Status QemuInstance::waitIncoming(std::chrono::milliseconds timeout) {
  auto& m = *qmp_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint64_t seen;
  {
    std::lock_guard lk(mu_);
    seen = migEvents_.generation;
  }
  auto releasePort = [this] {
    std::lock_guard lk(mu_);
    if (portAllocator_ && incomingPort_ > 0) portAllocator_->release(incomingPort_);
    incomingPort_ = -1;
  };
  for (;;) {
    auto r = qmp::queryMigrate(m);
    if (!r) {
      // A stream QEMU cannot load ends it (exit status 1, reason in its log).
      if (waitExited(2s) || !process_.alive()) {
        releasePort();
        std::string tail = logTail();
        return incomingFailed("QEMU exited while receiving the guest" + (tail.empty() ? "" : ": " + tail));
      }
      return incomingFailed(qemuWords(r.error()));
    }
    if (r->status == "completed" || r->status == "postcopy-active") {
      releasePort();
      return okStatus();
    }
    if (r->status == "failed" || r->status == "cancelled") {
      std::string tail = logTail();
      return incomingFailed(!r->errorDesc.empty() ? r->errorDesc : !tail.empty() ? tail : "the stream was not loaded");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Error(ErrorCode::Timeout, "operation failed: migration in job: the guest did not arrive within " +
                                           std::to_string(timeout.count()) + " ms");
    waitMigrationEvent(seen, std::min<std::chrono::milliseconds>(left, 200ms));
  }
}

}  // namespace stratus::drivers::qemu
