#include <gtest/gtest.h>
#include <signal.h>

#include "util/process.h"

using namespace stratus;
using namespace std::chrono_literals;

TEST(Process, RunsAndReportsExitCode) {
  auto p = Process::spawn({.argv = {"sh", "-c", "exit 3"}});
  ASSERT_TRUE(p.ok()) << p.error().describe();
  auto st = p->wait(5s);
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->exited);
  EXPECT_EQ(st->code, 3);
}

TEST(Process, MissingProgramIsAnError) {
  auto p = Process::spawn({.argv = {"/nonexistent/prog"}});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("/nonexistent/prog"), std::string::npos);
}

TEST(Process, WaitTimesOutThenTerminates) {
  auto p = Process::spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->alive());
  EXPECT_FALSE(p->wait(50ms));
  auto st = p->terminate(2s);
  EXPECT_FALSE(st.exited);
  EXPECT_EQ(st.code, SIGTERM);
  EXPECT_FALSE(p->alive());
}

TEST(Process, AdoptSeesExitOfAForeignProcess) {
  auto p = Process::spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(p.ok());
  auto watcher = Process::adopt(p->pid());
  ASSERT_TRUE(watcher.ok());
  EXPECT_TRUE(watcher->alive());
  ASSERT_TRUE(p->signal(SIGKILL));
  EXPECT_TRUE(watcher->wait(5s));
  p->wait(5s);
}

TEST(Process, CaptureOutputAndFailure) {
  auto out = runCapture({"sh", "-c", "echo hello"});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "hello\n");
  auto bad = runCapture({"sh", "-c", "echo oops >&2; exit 2"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("oops"), std::string::npos);
}
