// runCommand: output captured, stderr in the error, cancel kills the child.
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "storage/command.h"

namespace stratus::storage {
namespace {

TEST(RunCommand, CapturesStdoutAndStderrSeparately) {
  auto r = runCommand({"sh", "-c", "echo out; echo err >&2"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunCommand, FailureNamesTheCommandAndItsStderr) {
  auto r = runCommand({"sh", "-c", "echo 'no such pool' >&2; exit 3"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(r.error().message.find("sh -c"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("exit code 3"), std::string::npos);
  EXPECT_NE(r.error().message.find("no such pool"), std::string::npos);
}

TEST(RunCommand, MissingProgram) {
  auto r = runCommand({"stratus-no-such-program"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("stratus-no-such-program"), std::string::npos);
}

TEST(RunCommand, StreamsOutputAsItComes) {
  std::string seen;
  CommandOptions o;
  o.onOutput = [&](std::string_view p) { seen.append(p); };
  auto r = runCommand({"sh", "-c", "printf '(1.00/100%%)\\r'; printf '(50.00/100%%)\\r'"}, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(seen, r->out);
  EXPECT_EQ(seen, "(1.00/100%)\r(50.00/100%)\r");
}

TEST(RunCommand, CancelStopsTheChild) {
  drivers::JobMonitor job("copy");
  CommandOptions o;
  o.job = &job;
  // The child announces itself; the cancel is sent only once it runs.
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  o.onOutput = [&](std::string_view) {
    std::lock_guard lk(mu);
    started = true;
    cv.notify_all();
  };
  std::thread canceller([&] {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(10), [&] { return started; }));
    job.requestCancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = runCommand({"sh", "-c", "echo go; exec sleep 30"}, o);
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(RunCommand, Timeout) {
  CommandOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto r = runCommand({"sleep", "30"}, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

}  // namespace
}  // namespace stratus::storage
