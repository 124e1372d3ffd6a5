// Publishes domain events to subscribers, in order, from one worker thread.
// The same thread runs other deferred work of the node (releasing stopped
// instances, restart policies) so driver threads never block on subscribers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/node_service.h"

namespace stratus::daemon {

class EventBus {
 public:
  EventBus();
  ~EventBus();  // runs queued work, then stops the thread

  void publish(DomainEvent ev);
  void defer(std::function<void()> work);
  std::unique_ptr<EventSubscription> subscribe(EventCallback cb);
  // Wait until everything queued so far has run (tests, drain).
  void flush();

 private:
  struct Sub;
  class Subscription;
  void run();
  void unsubscribe(Sub* s);

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  std::list<std::shared_ptr<Sub>> subs_;
  std::uint64_t seq_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace stratus::daemon
