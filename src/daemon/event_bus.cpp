#include "daemon/event_bus.h"

#include <algorithm>

namespace stratus::daemon {

struct EventBus::Sub {
  EventCallback cb;
};

class EventBus::Subscription final : public EventSubscription {
 public:
  Subscription(EventBus* bus, Sub* sub) : bus_(bus), sub_(sub) {}
  ~Subscription() override { bus_->unsubscribe(sub_); }

 private:
  EventBus* bus_;
  Sub* sub_;
};

EventBus::EventBus() : thread_([this] { run(); }) {}

EventBus::~EventBus() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void EventBus::publish(DomainEvent ev) {
  std::lock_guard lk(mu_);
  ev.seq = ++seq_;
  queue_.push_back([this, ev]() {
    std::vector<std::shared_ptr<Sub>> subs;
    {
      std::lock_guard lk2(mu_);
      subs.assign(subs_.begin(), subs_.end());
    }
    for (auto& s : subs) s->cb(ev);
  });
  cv_.notify_one();
}

void EventBus::defer(std::function<void()> work) {
  std::lock_guard lk(mu_);
  queue_.push_back(std::move(work));
  cv_.notify_one();
}

std::unique_ptr<EventSubscription> EventBus::subscribe(EventCallback cb) {
  auto s = std::make_shared<Sub>(Sub{std::move(cb)});
  std::lock_guard lk(mu_);
  subs_.push_back(s);
  return std::make_unique<Subscription>(this, s.get());
}

void EventBus::unsubscribe(Sub* sub) {
  std::lock_guard lk(mu_);
  subs_.remove_if([sub](const std::shared_ptr<Sub>& s) { return s.get() == sub; });
}

void EventBus::flush() {
  std::unique_lock lk(mu_);
  idle_.wait(lk, [this] { return queue_.empty() && !busy_; });
}

void EventBus::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stop_) return;
      continue;
    }
    auto work = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lk.unlock();
    work();
    lk.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace stratus::daemon
