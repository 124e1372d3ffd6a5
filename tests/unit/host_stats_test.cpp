// The /proc and /sys parsers of the QEMU driver against fixtures shaped like
// the kernel's files (tests/data/host).
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "drivers/qemu/host_stats.h"
#include "util/process.h"

using namespace stratus;
using namespace stratus::drivers::qemu;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(STRATUS_HOST_DATA_DIR) + "/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(HostStats, ProcStatAllCpusInNanoseconds) {
  auto s = parseProcStat(fixture("proc_stat.txt"), -1, 100);
  ASSERT_TRUE(s) << s.error().message;
  // user+nice, system+irq+softirq, idle, iowait; 100 ticks per second.
  EXPECT_EQ(s->user, (10132153ULL + 290696) * 10000000);
  EXPECT_EQ(s->kernel, (3084719ULL + 0 + 25195) * 10000000);
  EXPECT_EQ(s->idle, 46828483ULL * 10000000);
  EXPECT_EQ(s->iowait, 16683ULL * 10000000);
}

TEST(HostStats, ProcStatOneCpu) {
  auto s = parseProcStat(fixture("proc_stat.txt"), 1, 250);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user, (1335076ULL + 37148) * 4000000);
  EXPECT_EQ(s->iowait, 2311ULL * 4000000);
  auto none = parseProcStat(fixture("proc_stat.txt"), 2, 100);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(none.error().message, "invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux");
}

TEST(HostStats, ProcStatNeverCrashesOnJunk) {
  for (const char* junk : {"", "cpu", "cpu  1 2 3", "cpu  a b c d e f g", "cpu0\n", "\n\n\ncpu 1 2 3 4 5 6 7x"})
    EXPECT_FALSE(parseProcStat(junk, -1, 100)) << junk;
  EXPECT_TRUE(parseProcStat("cpu 1 2 3 4 5 6 7", -1, 0));  // bad tick rate: falls back to 100
}

TEST(HostStats, Meminfo) {
  auto m = parseMeminfo(fixture("meminfo.txt"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, 24568004u);
  EXPECT_EQ(m->free, 15872108u);
  EXPECT_EQ(m->buffers, 335916u);
  EXPECT_EQ(m->cached, 6244764u);
}

TEST(HostStats, NumaNodeMeminfo) {
  auto m = parseMeminfo(fixture("node0_meminfo.txt"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, 24568004u);
  EXPECT_EQ(m->free, 15872108u);
  EXPECT_FALSE(m->buffers);
  EXPECT_FALSE(m->cached);
  EXPECT_FALSE(parseMeminfo("MemTotal: 5 kB\n"));  // no MemFree
  EXPECT_FALSE(parseMeminfo("garbage"));
}

TEST(HostStats, ProcStatusFields) {
  std::string s = fixture("status.txt");
  EXPECT_EQ(statusField(s, "VmRSS"), "182340");
  EXPECT_EQ(statusField(s, "Cpus_allowed_list"), "0-1");
  EXPECT_EQ(statusField(s, "Cpus_allowed"), "3");
  EXPECT_FALSE(statusField(s, "VmSwap"));
  EXPECT_FALSE(statusField(s, "Vm"));
}

TEST(HostStats, TaskStatWithAwkwardThreadName) {
  auto t = parseTaskStat(fixture("task_stat.txt"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state, 'R');
  EXPECT_EQ(t->utimeTicks, 3512u);
  EXPECT_EQ(t->stimeTicks, 87u);
  EXPECT_EQ(t->processor, 1);
  for (const char* junk : {"", "1 (x", "1 (x) R 2 3", "1 (x) RR 1 2 3 4 5 6 7 8 9 10 11 12"}) EXPECT_FALSE(parseTaskStat(junk));
}

TEST(HostStats, NetDevCountersSwappedForTheGuest) {
  auto c = readNetDevCounters(std::string(STRATUS_HOST_DATA_DIR) + "/tap0/statistics");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rxBytes, 1000);
  EXPECT_EQ(c->txDropped, -1);  // missing file
  auto g = guestViewOfTap(*c);
  // What the host sent on the tap is what the guest received.
  EXPECT_EQ(g.rxBytes, 5000);
  EXPECT_EQ(g.rxPackets, 50);
  EXPECT_EQ(g.rxErrs, 3);
  EXPECT_EQ(g.rxDrop, -1);
  EXPECT_EQ(g.txBytes, 1000);
  EXPECT_EQ(g.txPackets, 10);
  EXPECT_EQ(g.txErrs, 1);
  EXPECT_EQ(g.txDrop, 2);
  EXPECT_FALSE(readNetDevCounters("/nonexistent/statistics"));
}

TEST(HostStats, ArpTableSkipsIncompleteEntries) {
  auto a = parseProcNetArp(fixture("arp.txt"));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].ip, "10.231.1.50");
  EXPECT_EQ(a[0].mac, "52:54:00:e7:00:01");
  EXPECT_EQ(a[0].device, "stnat0");
  EXPECT_EQ(a[1].ip, "10.231.1.113");
  EXPECT_TRUE(parseProcNetArp("").empty());
  EXPECT_TRUE(parseProcNetArp("header only\n1.2.3.4 x").empty());
}

TEST(HostStats, Qcow2HeaderVirtualSize) {
  std::string h(32, '\0');
  h.replace(0, 4, std::string("QFI\xfb", 4));
  h[24 + 3] = 0x01;  // 0x0000000100000000 = 4 GiB
  EXPECT_EQ(qcow2VirtualSize(h), 4294967296ULL);
  EXPECT_FALSE(qcow2VirtualSize("QFI"));
  EXPECT_FALSE(qcow2VirtualSize(std::string(32, 'x')));
}

TEST(HostStats, QemuImgInfo) {
  auto i = parseQemuImgInfo(fixture("qemu_img_info.json"));
  ASSERT_TRUE(i);
  EXPECT_EQ(i->capacity, 1073741824u);
  EXPECT_EQ(i->allocation, 36864u);
  EXPECT_FALSE(parseQemuImgInfo("qemu-img: Could not open 'x': No such file"));
  EXPECT_FALSE(parseQemuImgInfo("{\"format\": \"vmdk\"}"));
  EXPECT_FALSE(parseQemuImgInfo("{"));
}

TEST(HostStats, ImageSizes) {
  // A qcow2 image: its header's virtual size, the file's own size.
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/stratus-host-stats-" + std::to_string(::getpid()) + ".qcow2";
  {
    std::ofstream out(path, std::ios::binary);
    std::string h(4096, '\0');
    h.replace(0, 4, std::string("QFI\xfb", 4));
    h[24 + 4] = 0x40;  // 0x40000000 = 1 GiB
    out << h;
  }
  auto q = imageBlockInfo(path, "qcow2");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->capacity, 1073741824u);
  EXPECT_EQ(q->physical, 4096u);
  auto raw = imageBlockInfo(path, "raw");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->capacity, 4096u);
  ::unlink(path.c_str());
  auto missing = imageBlockInfo(path, "raw");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot stat file '" + path + "'"), std::string::npos);
  // Other formats through qemu-img info.
  if (::access("/usr/bin/qemu-img", X_OK) != 0) GTEST_SKIP() << "qemu-img not installed";
  std::string vmdk = dir + "/stratus-host-stats-" + std::to_string(::getpid()) + ".vmdk";
  ASSERT_TRUE(runCapture({"qemu-img", "create", "-q", "-f", "vmdk", vmdk, "3M"}));
  auto v = imageBlockInfo(vmdk, "vmdk");
  ::unlink(vmdk.c_str());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->capacity, 3u << 20);
}

TEST(HostStats, CpuMapOfThisHost) {
  auto m = hostCpuMap();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_GE(m->cpus, 1u);
  EXPECT_GE(m->online, 1u);
  EXPECT_LE(m->online, m->cpus);
  EXPECT_FALSE(m->onlineCpus.empty());
  EXPECT_FALSE(hostCpuMap("/nonexistent"));
}
