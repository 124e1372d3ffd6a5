// domjobinfo's layout, the progress bar of save --verbose, domjobabort and
// the save-image-* commands, in-process against test:///default.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/ctl.h"
#include "cli/handlers.h"
#include "daemon/test_node.h"

using namespace stratus;
using namespace stratus::cli;
namespace fs = std::filesystem;

namespace {

class CliJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = daemon::openTestNode("test:///default");
    ASSERT_TRUE(n.ok()) << n.error().message;
    char tmpl[] = "/tmp/stratus-clijobs.XXXXXX";
    dir = ::mkdtemp(tmpl);
    node = std::move(n).value();
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& n) const { return dir + "/" + n; }

  std::string dir;
  std::unique_ptr<daemon::NodeService> node;
};

}  // namespace

TEST(CliJobFormat, NoJob) {
  daemon::JobInfo j;
  EXPECT_EQ(formatJobInfo(j, false, false), "Job type:         None        \n");
}

TEST(CliJobFormat, RunningSaveAsVirshPrintsIt) {
  daemon::JobInfo j;
  j.type = "unbounded";
  j.operation = "save";
  j.timeElapsedMs = 152;
  j.dataTotal = j.memTotal = 268967936;
  j.dataProcessed = j.memProcessed = 50331648;
  j.dataRemaining = j.memRemaining = 218636288;
  j.memBps = 1610612736;
  j.pageSize = 4096;
  j.constantPages = 42441;
  j.normalPages = 23225;
  j.normalBytes = 95129600;
  EXPECT_EQ(formatJobInfo(j, false, false),
            "Job type:         Unbounded   \n"
            "Operation:        Save        \n"
            "Time elapsed:     152          ms\n"
            "Data processed:   48.000 MiB\n"
            "Data remaining:   208.508 MiB\n"
            "Data total:       256.508 MiB\n"
            "Memory processed: 48.000 MiB\n"
            "Memory remaining: 208.508 MiB\n"
            "Memory total:     256.508 MiB\n"
            "Memory bandwidth: 1.500 GiB/s\n"
            "Page size:        4096         bytes\n"
            "Constant pages:   42441       \n"
            "Normal pages:     23225       \n"
            "Normal data:      90.723 MiB\n");
}

TEST(CliJobFormat, FinishedJobsNeedCompletedOrAnystats) {
  daemon::JobInfo j;
  j.type = "cancelled";
  j.operation = "save";
  j.error = "operation aborted: domain save job: canceled by client";
  EXPECT_EQ(formatJobInfo(j, true, false), "Job type:         Cancelled   \n");
  std::string any = formatJobInfo(j, true, true);
  EXPECT_NE(any.find("Operation:        Save"), std::string::npos) << any;
  EXPECT_NE(any.find("Error message:    operation aborted"), std::string::npos) << any;
  j.type = "completed";
  j.operation = "restore";
  j.error.clear();
  EXPECT_NE(formatJobInfo(j, true, false).find("Operation:        Restore"), std::string::npos);
}

TEST_F(CliJobs, SaveVerboseShowsTheBarAndJobsAreRecorded) {
  std::string img = path("s.img");
  char* outBuf = nullptr;
  char* errBuf = nullptr;
  std::size_t outLen = 0, errLen = 0;
  FILE* out = open_memstream(&outBuf, &outLen);
  FILE* err = open_memstream(&errBuf, &errLen);
  bool ok1, ok2, ok3, ok4, ok5;
  {
    Ctl c("test:///default", out, err);
    c.setConnection(std::move(node), "test:///default");
    ok1 = c.runLine("domjobinfo test");
    ok2 = c.runLine("domjobabort test");
    ok3 = c.runLine("save test " + img + " --verbose");
    ok4 = c.runLine("domjobinfo test --completed");
    ok5 = c.runLine("save-image-dumpxml " + img + " --xpath //name");
  }
  std::fclose(out);
  std::fclose(err);
  std::string o(outBuf, outLen), e(errBuf, errLen);
  std::free(outBuf);
  std::free(errBuf);
  EXPECT_TRUE(ok1);
  EXPECT_FALSE(ok2);
  EXPECT_TRUE(ok3) << e;
  EXPECT_TRUE(ok4);
  EXPECT_TRUE(ok5) << e;
  EXPECT_NE(o.find("Job type:         None"), std::string::npos) << o;
  EXPECT_NE(e.find("error: Requested operation is not valid: no job is active on the domain"), std::string::npos) << e;
  EXPECT_NE(e.find("\rSave: [100 %]"), std::string::npos) << e;
  EXPECT_NE(o.find("\nDomain 'test' saved to " + img), std::string::npos) << o;
  EXPECT_NE(o.find("Job type:         Completed"), std::string::npos) << o;
  EXPECT_NE(o.find("Operation:        Save"), std::string::npos) << o;
  EXPECT_NE(o.find("<name>test</name>"), std::string::npos) << o;
}

TEST_F(CliJobs, SaveImageDefineChangesWhatRestoreDoes) {
  std::string img = path("s.img");
  char* outBuf = nullptr;
  char* errBuf = nullptr;
  std::size_t outLen = 0, errLen = 0;
  FILE* out = open_memstream(&outBuf, &outLen);
  FILE* err = open_memstream(&errBuf, &errLen);
  bool saved, dumped, defined, refused, restored, state;
  {
    Ctl c("test:///default", out, err);
    c.setConnection(std::move(node), "test:///default");
    saved = c.runLine("save test " + img);
    dumped = c.runLine("save-image-dumpxml " + img + " --security-info");
    c.flush();
    std::string xml(outBuf ? std::string(outBuf, outLen) : std::string());
    auto start = xml.find("<domain");
    xml = xml.substr(start);
    auto endPos = xml.find("</domain>");
    xml = xml.substr(0, endPos + 9);
    xml.insert(xml.find("</name>") + 7, "<description>edited</description>");
    std::ofstream(path("new.xml")) << xml;
    std::ofstream(path("other.xml")) << "<domain type='test'><name>other</name><memory>1024</memory>"
                                        "<os><type>hvm</type></os></domain>";
    defined = c.runLine("save-image-define " + img + " " + path("new.xml") + " --paused");
    refused = c.runLine("save-image-define " + img + " " + path("other.xml"));
    restored = c.runLine("restore " + img + " --verbose");
    state = c.runLine("domstate test --reason");
  }
  std::fclose(out);
  std::fclose(err);
  std::string o(outBuf, outLen), e(errBuf, errLen);
  std::free(outBuf);
  std::free(errBuf);
  EXPECT_TRUE(saved && dumped) << e;
  EXPECT_TRUE(defined) << e;
  EXPECT_FALSE(refused);
  EXPECT_TRUE(restored) << e;
  EXPECT_TRUE(state);
  EXPECT_NE(o.find("State file " + img + " updated."), std::string::npos) << o;
  EXPECT_NE(e.find("error: Failed to update " + img), std::string::npos) << e;
  EXPECT_NE(e.find("Target domain name 'other' does not match source 'test'"), std::string::npos) << e;
  EXPECT_NE(e.find("\rRestore: [100 %]\n"), std::string::npos) << e;
  EXPECT_NE(o.find("paused (user)"), std::string::npos) << o;
}
