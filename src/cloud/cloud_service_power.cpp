// Stop, start and reboot of an instance (EC2's StopInstances,
// StartInstances, RebootInstances). Stopped is a state of the instance
// record only: its domain stays defined on its node, its disk, vCPUs,
// memory and network slots stay reserved, and its lease keeps running
// (tick() still ends it).
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "cloud/cloud_service.h"

namespace stratus::cloud {

namespace {

Error notIn(const std::string& handle, const std::string& state, const char* verb) {
  return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: instance '" + handle + "' is " + state +
                                                 ", it cannot be " + verb);
}

// Is the guest still up on its node? A node that cannot tell counts as "no":
// the caller forces it off anyway.
bool guestActive(daemon::NodeService& n, const std::string& domain) {
  auto info = n.domainInfo(domain);
  return info && info->summary.state != conf::DomainState::Shutoff;
}

}  // namespace

Status CloudService::stop(const User& user, const std::string& handle, bool force, std::int64_t graceSeconds) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->state == "Stopped") return okStatus();
  if (i->state != "Running" && i->state != "Paused" && i->state != "Unknown") return notIn(handle, i->state, "stopped");
  auto node = nodes_.get(i->nodeUri);
  if (!node) return std::move(node).error();
  auto& n = **node;
  STRATUS_TRY(store_.setInstanceState(handle, "Stopping"));
  if (!force) {
    // ACPI first, as EC2 does; the guest gets graceSeconds to power off.
    if (auto s = n.shutdownDomain(i->domain, {}); !s)
      spdlog::warn("instance {}: shutdown on {} failed ({}); forcing it off", handle, i->nodeUri, s.error().message);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(graceSeconds);
    while (guestActive(n, i->domain) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // polling the node: it sends no answer when done
  }
  if (guestActive(n, i->domain)) {
    if (auto s = n.destroyDomain(i->domain, {}); !s) {
      (void)store_.setInstanceState(handle, i->state);
      return Error(s.error().code, "node " + i->nodeUri + ": cannot stop instance '" + handle + "': " + s.error().message);
    }
  }
  return store_.setInstanceState(handle, "Stopped");
}

Status CloudService::start(const User& user, const std::string& handle) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->state == "Running") return okStatus();
  if (i->state != "Stopped") return notIn(handle, i->state, "started");
  auto node = nodes_.get(i->nodeUri);
  if (!node) return std::move(node).error();
  if (auto s = (*node)->startDomain(i->domain, {}); !s)
    return Error(s.error().code, "node " + i->nodeUri + ": cannot start instance '" + handle + "': " + s.error().message);
  return store_.setInstanceState(handle, "Running");
}

Status CloudService::reboot(const User& user, const std::string& handle) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->state != "Running") return notIn(handle, i->state, "rebooted");
  auto node = nodes_.get(i->nodeUri);
  if (!node) return std::move(node).error();
  if (auto s = (*node)->rebootDomain(i->domain); !s)
    return Error(s.error().code, "node " + i->nodeUri + ": cannot reboot instance '" + handle + "': " + s.error().message);
  return okStatus();
}

Result<std::string> CloudService::consoleOutput(const User& user, const std::string& handle, std::uint64_t maxBytes) {
  auto i = owned(user, handle);
  if (!i) return std::move(i).error();
  if (i->nodeUri.empty() || i->state == "Destroyed" || i->state == "Corrupted") return std::string();
  auto node = nodes_.get(i->nodeUri);
  if (!node) return std::move(node).error();
  auto text = (*node)->consoleLog(i->domain, maxBytes);
  if (!text && text.error().code == ErrorCode::Unsupported) return std::string();
  return text;
}

}  // namespace stratus::cloud
