// QmpTransport against the scripted fake QMP server.
#include <gtest/gtest.h>

#include <cstdio>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "drivers/qemu/qmp_transport.h"
#include "qmp_fake_server.h"
#include "qmp_recorder.h"

using namespace std::chrono_literals;
using stratus::ErrorCode;
using stratus::qemu::Json;
using stratus::qemu::QmpEvent;
using stratus::qemu::QmpOptions;
using stratus::qemu::QmpTransport;
using stratus::qemu::testing::FakeQmpServer;
using stratus::qemu::testing::Recorder;

namespace {

QmpOptions fastOptions() {
  QmpOptions o;
  o.connectTimeout = 5s;
  o.commandTimeout = 5s;
  return o;
}

void expectScriptOk(FakeQmpServer& srv) {
  EXPECT_TRUE(srv.waitDone());
  for (const auto& f : srv.failures()) ADD_FAILURE() << "fake QMP server: " << f;
}

}  // namespace

TEST(QmpTransport, NegotiatesCapabilities) {
  FakeQmpServer srv;
  srv.handshake();
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  EXPECT_EQ((*qmp)->qemuVersion(), "7.2.0");
  EXPECT_TRUE((*qmp)->alive());
  expectScriptOk(srv);
  auto got = srv.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["execute"], "qmp_capabilities");
  EXPECT_TRUE(got[0].contains("id"));
  EXPECT_FALSE(got[0].contains("arguments"));
}

TEST(QmpTransport, NegotiationErrorFailsConnect) {
  FakeQmpServer srv;
  srv.greeting().expect("qmp_capabilities",
                        {{"error", {{"class", "GenericError"}, {"desc", "nope"}}}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_FALSE(qmp.ok());
  EXPECT_EQ(qmp.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(qmp.error().message.find("negotiation"), std::string::npos) << qmp.error().message;
  EXPECT_NE(qmp.error().message.find("GenericError: nope"), std::string::npos);
  expectScriptOk(srv);
}

TEST(QmpTransport, MissingGreetingTimesOut) {
  FakeQmpServer srv;
  std::promise<void> release;
  auto released = release.get_future().share();
  srv.run([released] { released.wait_for(10s); });
  srv.start();
  auto opts = fastOptions();
  opts.connectTimeout = 200ms;
  auto qmp = QmpTransport::connect(srv.socketPath(), opts);
  release.set_value();
  ASSERT_FALSE(qmp.ok());
  EXPECT_EQ(qmp.error().code, ErrorCode::Timeout) << qmp.error().message;
}

TEST(QmpTransport, ConnectFailsWithoutSocket) {
  auto opts = fastOptions();
  opts.connectTimeout = 100ms;
  auto qmp = QmpTransport::connect("/nonexistent-dir-for-stratus/qmp.sock", opts);
  ASSERT_FALSE(qmp.ok());
  EXPECT_EQ(qmp.error().code, ErrorCode::ConnectFailed) << qmp.error().message;
}

TEST(QmpTransport, ConnectGivesUpWhenProcessIsGone) {
  FakeQmpServer srv;  // only for its temp dir
  auto opts = fastOptions();
  opts.connectTimeout = 30s;
  opts.processAlive = [] { return false; };
  auto t0 = std::chrono::steady_clock::now();
  auto qmp = QmpTransport::connect(srv.dir() + "/never.sock", opts);
  ASSERT_FALSE(qmp.ok());
  EXPECT_EQ(qmp.error().code, ErrorCode::ConnectFailed);
  EXPECT_NE(qmp.error().message.find("exited"), std::string::npos) << qmp.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(QmpTransport, WaitsForSocketToAppear) {
  // connect() starts before the socket exists and is woken when it appears
  // (here: renamed into the watched directory, as a bound socket file).
  FakeQmpServer dirHolder;  // provides the (still empty of late.sock) directory
  std::string late = dirHolder.dir() + "/late.sock";
  auto fut = std::async(std::launch::async, [&] { return QmpTransport::connect(late, fastOptions()); });
  FakeQmpServer srv;
  srv.handshake();
  srv.start();
  ASSERT_EQ(::rename(srv.socketPath().c_str(), late.c_str()), 0);
  auto qmp = fut.get();
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  expectScriptOk(srv);
}

TEST(QmpTransport, MatchesReplyToCommand) {
  FakeQmpServer srv;
  srv.handshake().expect("query-status",
                         {{"return", {{"running", true}, {"status", "running"}}}});
  srv.expect("balloon", {{"return", Json::object()}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("query-status");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["status"], "running");
  auto b = (*qmp)->execute("balloon", {{"value", 1024}});
  ASSERT_TRUE(b.ok()) << b.error().message;
  expectScriptOk(srv);
  auto got = srv.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2]["arguments"]["value"], 1024);
  EXPECT_NE(got[1]["id"], got[2]["id"]);
}

TEST(QmpTransport, EventsInterleavedWithReplies) {
  Recorder rec;
  FakeQmpServer srv;
  srv.handshake();
  srv.event("STOP");
  srv.expectNoReply("cont");
  srv.event("RESUME");
  srv.event("BALLOON_CHANGE", {{"actual", 1}});
  srv.replyLate({{"return", Json::object()}});
  srv.event("SHUTDOWN", {{"guest", true}, {"reason", "guest-shutdown"}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), rec.onEvent(), rec.onEof());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("cont");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->is_object());
  ASSERT_TRUE(rec.waitEvents(4, 5s));
  EXPECT_EQ(rec.names(), (std::vector<std::string>{"STOP", "RESUME", "BALLOON_CHANGE", "SHUTDOWN"}));
  {
    std::lock_guard l(rec.m);
    EXPECT_EQ(rec.events[3].data["reason"], "guest-shutdown");
    EXPECT_EQ(rec.events[3].seconds, 1700000000);
    EXPECT_EQ(rec.events[3].micros, 42);
    EXPECT_TRUE(rec.events[0].data.is_object());
  }
  expectScriptOk(srv);
}

TEST(QmpTransport, ErrorReplyCarriesClassAndDesc) {
  FakeQmpServer srv;
  srv.handshake().expect(
      "frobnicate",
      {{"error", {{"class", "CommandNotFound"}, {"desc", "The command frobnicate has not been found"}}}});
  srv.expect("query-status", {{"return", {{"running", false}, {"status", "paused"}}}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("frobnicate");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(r.error().message.find("CommandNotFound"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("has not been found"), std::string::npos);
  // The connection stays usable after an error reply.
  auto s = (*qmp)->execute("query-status");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)["status"], "paused");
  expectScriptOk(srv);
}

TEST(QmpTransport, TimeoutAndLateReplyIsNotMisattributed) {
  FakeQmpServer srv;
  std::promise<void> timedOut;
  auto timedOutF = timedOut.get_future().share();
  srv.handshake().expectNoReply("stop");
  srv.run([timedOutF] { timedOutF.wait_for(10s); });
  srv.replyLate({{"return", {{"which", "stop"}}}});  // late: must be dropped
  srv.expect("cont", {{"return", {{"which", "cont"}}}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("stop", Json(), 150ms);
  timedOut.set_value();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_NE(r.error().message.find("stop"), std::string::npos) << r.error().message;
  auto c = (*qmp)->execute("cont");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)["which"], "cont");
  expectScriptOk(srv);
}

TEST(QmpTransport, EofWhileCommandPending) {
  Recorder rec;
  FakeQmpServer srv;
  srv.handshake().expectNoReply("query-status").close();
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), rec.onEvent(), rec.onEof());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("query-status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(r.error().message.find("closed"), std::string::npos) << r.error().message;
  ASSERT_TRUE(rec.waitEof(5s));
  EXPECT_FALSE((*qmp)->alive());
  {
    std::lock_guard l(rec.m);
    EXPECT_EQ(rec.eofs.size(), 1u);
    EXPECT_NE(rec.eofs[0].message.find("EOF"), std::string::npos) << rec.eofs[0].message;
  }
  // Later commands fail at once with a clear error.
  auto again = (*qmp)->execute("cont");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("closed"), std::string::npos);
  expectScriptOk(srv);
}

TEST(QmpTransport, MalformedJsonDoesNotCrash) {
  Recorder rec;
  FakeQmpServer srv;
  srv.handshake().expectNoReply("query-status");
  srv.raw("this is not json\n");
  srv.raw("{\"return\": \n");          // truncated object
  srv.raw("[1, 2, 3]\n");              // not an object
  srv.raw("{\"event\": 5}\n");         // event without a name
  srv.raw("{\"hello\": \"world\"}\n"); // unknown message
  srv.raw("{\"return\": {}, \"id\": 987654}\n");  // reply to nobody
  srv.raw(std::string("\x00\xff\xfe garbage\n", 13));
  srv.raw("\n\r\n");
  srv.replyLate({{"return", {{"running", true}, {"status", "running"}}}});
  srv.event("RESUME");
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), rec.onEvent(), rec.onEof());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("query-status");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["status"], "running");
  ASSERT_TRUE(rec.waitEvents(1, 5s));
  EXPECT_EQ(rec.names(), std::vector<std::string>{"RESUME"});
  EXPECT_TRUE((*qmp)->alive());
  expectScriptOk(srv);
}

TEST(QmpTransport, RepliesSplitAcrossReads) {
  FakeQmpServer srv;
  srv.handshake().expectNoReply("query-status");
  srv.raw("{\"return\": {\"running\": tr");
  srv.raw("ue, \"status\": \"running\"}}\n");
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto r = (*qmp)->execute("query-status");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["running"], true);
  expectScriptOk(srv);
}

TEST(QmpTransport, CloseFailsPendingCommandWithoutEofCallback) {
  Recorder rec;
  FakeQmpServer srv;
  std::promise<void> sent;
  srv.handshake().expectNoReply("stop");
  srv.run([&sent] { sent.set_value(); });
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), rec.onEvent(), rec.onEof());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  auto pending = std::async(std::launch::async, [&] { return (*qmp)->execute("stop"); });
  ASSERT_EQ(sent.get_future().wait_for(5s), std::future_status::ready);
  (*qmp)->close();
  auto r = pending.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_FALSE((*qmp)->alive());
  std::lock_guard l(rec.m);
  EXPECT_TRUE(rec.eofs.empty());
}

TEST(QmpTransport, ExecuteFromEventHandlerIsRefused) {
  FakeQmpServer srv;
  srv.handshake().event("STOP");
  srv.start();
  std::promise<stratus::ErrorCode> code;
  QmpTransport* self = nullptr;
  std::mutex selfMutex;
  std::condition_variable selfCv;
  auto handler = [&](const QmpEvent&) {
    std::unique_lock l(selfMutex);
    selfCv.wait_for(l, 5s, [&] { return self != nullptr; });
    auto r = self->execute("cont");
    code.set_value(r.ok() ? ErrorCode::Ok : r.error().code);
  };
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), handler);
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  {
    std::lock_guard l(selfMutex);
    self = qmp->get();
  }
  selfCv.notify_all();
  auto f = code.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get(), ErrorCode::InternalError);
}

TEST(QmpTransport, ConcurrentCallersAreSerialised) {
  constexpr int kThreads = 4, kPerThread = 5;
  FakeQmpServer srv;
  srv.handshake();
  for (int i = 0; i < kThreads * kPerThread; ++i)
    srv.expect("", {{"return", {{"n", i}}}});
  srv.start();
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions());
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = (*qmp)->execute("query-status-" + std::to_string(t));
        if (r.ok() && r->contains("n")) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  expectScriptOk(srv);
}

TEST(QmpTransport, CloseFromEofHandlerIsSafe) {
  FakeQmpServer srv;
  srv.handshake().close();
  srv.start();
  std::promise<void> closed;
  QmpTransport* self = nullptr;
  std::mutex selfMutex;
  std::condition_variable selfCv;
  auto onEof = [&](const stratus::Error&) {
    std::unique_lock l(selfMutex);
    selfCv.wait_for(l, 5s, [&] { return self != nullptr; });
    self->close();  // on the reader thread: must neither deadlock nor crash
    closed.set_value();
  };
  auto qmp = QmpTransport::connect(srv.socketPath(), fastOptions(), {}, onEof);
  ASSERT_TRUE(qmp.ok()) << qmp.error().message;
  {
    std::lock_guard l(selfMutex);
    self = qmp->get();
  }
  selfCv.notify_all();
  ASSERT_EQ(closed.get_future().wait_for(5s), std::future_status::ready);
  qmp->reset();  // joins the reader from this thread
  expectScriptOk(srv);
}
