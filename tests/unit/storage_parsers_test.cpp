// The host tools' outputs the storage backends read, from captured fixtures
// (tests/data/storage_host/, see its README for how each was produced).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "storage/blkid.h"
#include "storage/host_mounts.h"
#include "storage/iscsi_ls.h"
#include "storage/lvm_report.h"
#include "storage/lvm_sources.h"
#include "storage/qemu_img.h"
#include "storage/showmount.h"

namespace stratus::storage {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream f(std::string(STRATUS_STORAGE_HOST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(f.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(QemuImgInfo, Qcow2WithBackingFile) {
  auto info = parseImageInfoJson(fixture("qemu-img-info-qcow2-backing.json"), "top.qcow2");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->format, "qcow2");
  EXPECT_EQ(info->virtualSize, 10485760u);
  EXPECT_EQ(info->actualSize, 200704u);
  EXPECT_EQ(info->backingFile, "base.raw");
  EXPECT_EQ(info->fullBackingFile, "base.raw");
  EXPECT_EQ(info->backingFormat, "raw");
  EXPECT_EQ(info->compat, "1.1");
  EXPECT_FALSE(info->lazyRefcounts);
  EXPECT_EQ(info->clusterSize, 65536u);
}

TEST(QemuImgInfo, RawAndVmdk) {
  auto raw = parseImageInfoJson(fixture("qemu-img-info-raw.json"), "base.raw");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->format, "raw");
  EXPECT_EQ(raw->virtualSize, 10485760u);
  EXPECT_TRUE(raw->backingFile.empty());
  auto vmdk = parseImageInfoJson(fixture("qemu-img-info-vmdk.json"), "v.vmdk");
  ASSERT_TRUE(vmdk);
  EXPECT_EQ(vmdk->format, "vmdk");
  EXPECT_EQ(vmdk->compat, "");  // vmdk's format-specific data has no compat
}

TEST(QemuImgInfo, BadOutputIsAnErrorNamingTheImage) {
  auto r = parseImageInfoJson("qemu-img: Could not open", "/p/x.img");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/p/x.img"), std::string::npos);
  auto noFormat = parseImageInfoJson(R"({"virtual-size": 5})", "y");
  ASSERT_FALSE(noFormat);
  EXPECT_NE(noFormat.error().message.find("format"), std::string::npos);
}

TEST(QemuImgProgress, LastCompleteFigureOfAPiece) {
  auto captured = fixture("qemu-img-convert-progress.txt");
  auto p = parseConvertProgress(captured);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(*p, 1.0);
  auto mid = parseConvertProgress("    (0.00/100%)\r    (12.50/100%)\r    (37.");
  ASSERT_TRUE(mid);
  EXPECT_DOUBLE_EQ(*mid, 0.125);
  EXPECT_FALSE(parseConvertProgress("no progress here"));
  EXPECT_FALSE(parseConvertProgress("(abc/100%)"));
  EXPECT_FALSE(parseConvertProgress("(150.00/100%)"));
}

TEST(QemuImgProgress, FiguresSplitAcrossReads) {
  ConvertProgressReader r;
  EXPECT_DOUBLE_EQ(*r.feed("    (0.00/100%)\r    (12."), 0.0);
  auto joined = r.feed("50/100%)\r");
  ASSERT_TRUE(joined);
  EXPECT_DOUBLE_EQ(*joined, 0.125);
  EXPECT_FALSE(r.feed("    ("));
  EXPECT_FALSE(r.feed("99.00/1"));
  auto last = r.feed("00%)\r    (100.00/100%)\r\n");
  ASSERT_TRUE(last);
  EXPECT_DOUBLE_EQ(*last, 1.0);
  EXPECT_FALSE(r.feed(std::string(1000, 'x')));  // noise is dropped, not accumulated
  EXPECT_DOUBLE_EQ(*r.feed("(50.00/100%)"), 0.5);
}

TEST(LvmReport, VgsLvsPvs) {
  auto vgs = parseVgsJson(fixture("vgs.json"));
  ASSERT_TRUE(vgs) << vgs.error().message;
  ASSERT_EQ(vgs->size(), 1u);
  EXPECT_EQ((*vgs)[0].name, "h2vg");
  EXPECT_EQ((*vgs)[0].size, 62914560u);
  EXPECT_EQ((*vgs)[0].free, 54525952u);
  EXPECT_EQ((*vgs)[0].uuid, "k5UNmv-pGXC-rCsP-lioQ-pSGd-7nPP-0JSkTa");

  auto lvs = parseLvsJson(fixture("lvs.json"));
  ASSERT_TRUE(lvs) << lvs.error().message;
  ASSERT_EQ(lvs->size(), 2u);
  EXPECT_EQ((*lvs)[0].name, "lv1");
  EXPECT_EQ((*lvs)[0].path, "/dev/h2vg/lv1");
  EXPECT_EQ((*lvs)[0].size, 8388608u);
  EXPECT_EQ((*lvs)[1].attr, "-wi-------");
  EXPECT_TRUE((*lvs)[0].active());
  EXPECT_FALSE((*lvs)[1].active());

  auto pvs = parsePvsJson(fixture("pvs.json"));
  ASSERT_TRUE(pvs);
  ASSERT_EQ(pvs->size(), 4u);
  EXPECT_EQ((*pvs)[3].vgName, "");
}

TEST(LvmReport, EmptyAndBrokenReports) {
  auto none = parseLvsJson(R"({"report":[{"lv":[]}]})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto suffixed = parseVgsJson(R"({"report":[{"vg":[{"vg_name":"a","vg_size":"60.00m","vg_free":"0"}]}]})");
  ASSERT_FALSE(suffixed);
  EXPECT_NE(suffixed.error().message.find("vg_size"), std::string::npos);
  EXPECT_FALSE(parsePvsJson("  No volume groups found"));
}

TEST(LvmSources, OneSourcePerVolumeGroup) {
  auto pvs = parsePvsJson(fixture("pvs.json"));
  ASSERT_TRUE(pvs);
  auto s = logicalSourcesFromPvs(*pvs);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].name, "h2vg");
  EXPECT_EQ(s[0].format, "lvm2");
  ASSERT_EQ(s[0].devices.size(), 2u);
  EXPECT_EQ(s[0].devices[1].path, "/dev/loop1");
  EXPECT_EQ(s[1].name, "other");
}

TEST(IscsiLs, TargetWithLuns) {
  auto t = parseIscsiLs(fixture("iscsi-ls-target.txt"));
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].iqn, "iqn.2026-11.test.stratus:t1");
  EXPECT_EQ((*t)[0].portal, "127.0.0.1:3260,1");
  ASSERT_EQ((*t)[0].luns.size(), 3u);
  EXPECT_FALSE((*t)[0].luns[0].disk());
  EXPECT_TRUE((*t)[0].luns[1].disk());
  EXPECT_EQ((*t)[0].luns[2].lun, 2u);
}

TEST(IscsiLs, DiscoveryOfSeveralTargetsAndBadLines) {
  auto t = parseIscsiLs("Target:iqn.a:1 Portal:10.0.0.1:3260,1\nTarget:iqn.b:2 Portal:10.0.0.1:3260,1\n");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[1].iqn, "iqn.b:2");
  EXPECT_FALSE(parseIscsiLs("Lun:1    Type:DIRECT_ACCESS\n"));
  EXPECT_FALSE(parseIscsiLs("Target:iqn.a:1 Portal:x\nLun:x Type:DIRECT_ACCESS\n"));
  EXPECT_EQ(iscsiLunUrl("127.0.0.1", 3260, "iqn.a:1", 2), "iscsi://127.0.0.1:3260/iqn.a:1/2");
  EXPECT_EQ(iscsiLunUrl("fd00::1", 3261, "iqn.a:1", 0), "iscsi://[fd00::1]:3261/iqn.a:1/0");
}

TEST(Blkid, ExportLines) {
  auto kv = parseBlkidExport(fixture("blkid-ext4.txt"));
  EXPECT_EQ(kv["TYPE"], "ext4");
  EXPECT_EQ(kv["USAGE"], "filesystem");
  EXPECT_EQ(kv["UUID"], "a1ac3387-ee59-4d34-a5bb-8b31034da087");
  EXPECT_TRUE(parseBlkidExport("").empty());
  EXPECT_EQ(parseBlkidExport("garbage\n=x\nA=b=c\n").at("A"), "b=c");
}

TEST(Showmount, Exports) {
  auto e = parseShowmountExports(fixture("showmount.txt"));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], "/srv/nfs/images");
  EXPECT_EQ(e[1], "/export/iso");
}

TEST(MountInfo, EscapesAndOptionalFields) {
  auto m = parseMountInfo(
      "36 35 98:0 / /mnt/my\\040pool rw,noatime master:1 - ext4 /dev/loop3 rw\n"
      "40 35 0:50 / /var/lib/nfs rw shared:5 - nfs4 host:/export rw,vers=4.2\n"
      "broken line\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].target, "/mnt/my pool");
  EXPECT_EQ(m[0].source, "/dev/loop3");
  EXPECT_EQ(m[0].fstype, "ext4");
  EXPECT_EQ(m[1].fstype, "nfs4");
  EXPECT_EQ(m[1].source, "host:/export");
}

}  // namespace
}  // namespace stratus::storage
