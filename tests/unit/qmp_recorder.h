// Collects QMP events and EOFs from a QmpTransport's reader thread so tests
// can wait on them (unit tests against the fake server, integration tests
// against real QEMU).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "drivers/qemu/qmp_transport.h"

namespace stratus::qemu::testing {

struct Recorder {
  std::mutex m;
  std::condition_variable cv;
  std::vector<QmpEvent> events;
  std::vector<stratus::Error> eofs;

  QmpTransport::EventHandler onEvent() {
    return [this](const QmpEvent& e) {
      std::lock_guard l(m);
      events.push_back(e);
      cv.notify_all();
    };
  }
  QmpTransport::EofHandler onEof() {
    return [this](const stratus::Error& e) {
      std::lock_guard l(m);
      eofs.push_back(e);
      cv.notify_all();
    };
  }
  // At least `n` events within `t`.
  bool waitEvents(std::size_t n, std::chrono::milliseconds t) {
    std::unique_lock l(m);
    return cv.wait_for(l, t, [&] { return events.size() >= n; });
  }
  // The first event called `name` at or after position `from`.
  std::optional<QmpEvent> waitEvent(const std::string& name, std::size_t from, std::chrono::milliseconds t) {
    std::unique_lock l(m);
    std::optional<QmpEvent> found;
    cv.wait_for(l, t, [&] {
      for (std::size_t i = from; i < events.size(); ++i)
        if (events[i].name == name) {
          found = events[i];
          return true;
        }
      return false;
    });
    return found;
  }
  bool waitEof(std::chrono::milliseconds t) {
    std::unique_lock l(m);
    return cv.wait_for(l, t, [&] { return !eofs.empty(); });
  }
  std::size_t count() {
    std::lock_guard l(m);
    return events.size();
  }
  std::vector<std::string> names() {
    std::lock_guard l(m);
    std::vector<std::string> out;
    for (auto& e : events) out.push_back(e.name);
    return out;
  }
};

}  // namespace stratus::qemu::testing
