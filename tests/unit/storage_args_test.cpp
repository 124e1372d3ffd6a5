// The argv the backends give qemu-img, and the checks done before any
// command runs (formats, names, wipe algorithms).
#include <gtest/gtest.h>

#include "storage/file_volumes.h"
#include "storage/qemu_img.h"
#include "storage/volume_wipe.h"

namespace stratus::storage {
namespace {

using Args = std::vector<std::string>;

conf::VolumeDef vol(const std::string& fmt, std::uint64_t cap) {
  conf::VolumeDef v;
  v.name = "v";
  v.format = fmt;
  v.capacity = cap;
  return v;
}

TEST(QemuImgCreate, PlainFormats) {
  for (const char* f : {"raw", "qcow2", "vmdk", "vdi", "vhdx"}) {
    auto a = qemuImgCreateArgs("/p/v", vol(f, 1048576), {});
    ASSERT_TRUE(a) << f;
    EXPECT_EQ(*a, (Args{"qemu-img", "create", "-q", "-f", f, "/p/v", "1048576"}));
  }
  auto dflt = qemuImgCreateArgs("/p/v", vol("", 10), {});
  ASSERT_TRUE(dflt);
  EXPECT_EQ((*dflt)[4], "raw");
}

TEST(QemuImgCreate, Qcow2OptionsAndBacking) {
  auto v = vol("qcow2", 1 << 30);
  v.compat = "1.1";
  v.lazyRefcounts = true;
  v.clusterSize = "131072";
  daemon::VolumeCreateOptions o;
  o.preallocMetadata = true;
  auto a = qemuImgCreateArgs("/p/v", v, o);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (Args{"qemu-img", "create", "-q", "-f", "qcow2", "-o",
                      "preallocation=metadata,compat=1.1,lazy_refcounts=on,cluster_size=131072", "/p/v",
                      "1073741824"}));
  auto b = vol("qcow2", 0);
  b.backing = conf::VolumeBacking{"/p/base.img", "raw", {}};
  auto ba = qemuImgCreateArgs("/p/top", b, {});
  ASSERT_TRUE(ba);
  EXPECT_EQ(*ba, (Args{"qemu-img", "create", "-q", "-f", "qcow2", "-b", "/p/base.img", "-F", "raw", "/p/top"}));
}

TEST(QemuImgCreate, Refusals) {
  auto iso = qemuImgCreateArgs("/p/v", vol("iso", 10), {});
  ASSERT_FALSE(iso);
  EXPECT_EQ(iso.error().code, ErrorCode::Unsupported);
  EXPECT_NE(iso.error().message.find("'iso'"), std::string::npos);
  daemon::VolumeCreateOptions o;
  o.preallocMetadata = true;
  auto rawMeta = qemuImgCreateArgs("/p/v", vol("raw", 10), o);
  ASSERT_FALSE(rawMeta);
  EXPECT_NE(rawMeta.error().message.find("qcow2"), std::string::npos);
  auto rawBacking = vol("raw", 10);
  rawBacking.backing = conf::VolumeBacking{"/b", "raw", {}};
  EXPECT_FALSE(qemuImgCreateArgs("/p/v", rawBacking, {}));
}

TEST(QemuImgConvert, Args) {
  auto v = vol("qcow2", 0);
  EXPECT_EQ(qemuImgConvertArgs("/a", "raw", "/b", v, {}, false),
            (Args{"qemu-img", "convert", "-p", "-f", "raw", "-O", "qcow2", "/a", "/b"}));
  EXPECT_EQ(qemuImgConvertArgs("iscsi://h:3260/iqn.x/1", "", "/dev/vg/lv", vol("raw", 0), {}, true),
            (Args{"qemu-img", "convert", "-p", "-f", "raw", "-O", "raw", "-n", "iscsi://h:3260/iqn.x/1",
                  "/dev/vg/lv"}));
}

TEST(VolumeNames, OneFileName) {
  EXPECT_TRUE(checkVolumeFileName("disk.qcow2"));
  for (const char* bad : {"", ".", "..", "a/b", "../etc"}) EXPECT_FALSE(checkVolumeFileName(bad)) << bad;
}

TEST(WipeAlgorithm, ZeroOnlyOthersNamed) {
  EXPECT_TRUE(checkWipeAlgorithm("zero"));
  EXPECT_TRUE(checkWipeAlgorithm(""));
  auto nnsa = checkWipeAlgorithm("nnsa");
  ASSERT_FALSE(nnsa);
  EXPECT_EQ(nnsa.error().code, ErrorCode::Unsupported);
  EXPECT_NE(nnsa.error().message.find("'nnsa'"), std::string::npos);
  for (const char* a : {"dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"})
    EXPECT_EQ(checkWipeAlgorithm(a).error().code, ErrorCode::Unsupported) << a;
  EXPECT_EQ(checkWipeAlgorithm("shred").error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace stratus::storage

namespace stratus::storage {
namespace {

TEST(HostPoolBackends, RunnableTypesAndTheRest) {
  for (auto t : {conf::PoolType::Dir, conf::PoolType::Fs, conf::PoolType::Netfs, conf::PoolType::Logical,
                 conf::PoolType::Iscsi})
    EXPECT_TRUE(makeHostPoolBackend(t, "/tmp")) << conf::poolTypeName(t);
  auto rbd = makeHostPoolBackend(conf::PoolType::Rbd, "/tmp");
  ASSERT_FALSE(rbd);
  EXPECT_EQ(rbd.error().code, ErrorCode::Unsupported);
  EXPECT_NE(rbd.error().message.find("'rbd'"), std::string::npos);
  // dir pools have no sources to find (libvirt's words).
  auto dir = makeHostPoolBackend(conf::PoolType::Dir, "/tmp");
  EXPECT_EQ((*dir)->findSources("").error().code, ErrorCode::Unsupported);
}

}  // namespace
}  // namespace stratus::storage
