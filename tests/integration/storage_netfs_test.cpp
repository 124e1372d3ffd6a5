// The netfs pool backend: its checks, and the error where the kernel has
// no NFS client (this project's build machines). The export is a loopback
// address inside a namespace the test creates, so nothing leaves the host.
#include <gtest/gtest.h>

#include "storage/host_mounts.h"
#include "storage/pool_backend.h"
#include "storage/pool_types.h"
#include "storage_host_support.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

using testing::NetnsGuard;

class NetfsPool : public ::testing::Test {
 protected:
  void SetUp() override {
    STORAGE_REQUIRE_ROOT();
    root = std::filesystem::temp_directory_path() / ("stratus-netfs-" + Uuid::generate().str());
    def.type = conf::PoolType::Netfs;
    def.name = "nfs";
    def.source.hosts.push_back({"127.0.0.1", std::nullopt});
    def.source.dir = "/export/images";
    def.source.format = "nfs";
    def.target.path = (root / "mnt").string();
    auto b = makeHostPoolBackend(conf::PoolType::Netfs, (root / "run").string());
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
  }
  void TearDown() override {
    if (root.empty()) return;
    if (mountAt(def.target.path)) (void)unmountFs(def.target.path);
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  std::filesystem::path root;
  conf::PoolDef def;
  std::unique_ptr<PoolBackend> backend;
};

TEST_F(NetfsPool, ChecksItsSource) {
  ASSERT_TRUE(backend->build(def, {}));
  EXPECT_TRUE(std::filesystem::is_directory(def.target.path));
  EXPECT_FALSE(backend->isActive(def));
  conf::PoolDef noHost = def;
  noHost.source.hosts.clear();
  EXPECT_EQ(backend->start(noHost).error().code, ErrorCode::XmlInvalid);
  conf::PoolDef cifs = def;
  cifs.source.format = "cifs";
  auto r = backend->start(cifs);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unsupported);
  EXPECT_NE(r.error().message.find("cifs"), std::string::npos);
  ASSERT_TRUE(backend->remove(def));
  EXPECT_FALSE(std::filesystem::exists(def.target.path));
}

TEST_F(NetfsPool, MountWithoutKernelNfsSaysSo) {
  if (kernelHasNfsClient())
    GTEST_SKIP() << "this kernel has an NFS client: the error path cannot be shown here, and the nfs-ganesha "
                    "success path is not written yet";
  NetnsGuard ns("stratus-netfs-" + std::to_string(::getpid()));
  ASSERT_TRUE(ns.ok()) << ns.error();
  ASSERT_TRUE(ns.enter());
  ASSERT_TRUE(backend->build(def, {}));
  auto st = backend->start(def);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::Unsupported);
  EXPECT_NE(st.error().message.find("the kernel lacks NFS client support"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("127.0.0.1:/export/images"), std::string::npos);
  EXPECT_FALSE(backend->isActive(def));
  EXPECT_FALSE(mountAt(def.target.path));
}

TEST_F(NetfsPool, FindSourcesNeedsAHostAndNamesIt) {
  STORAGE_REQUIRE_TOOL("showmount");
  auto noHost = backend->findSources("<source/>");
  ASSERT_FALSE(noHost);
  EXPECT_NE(noHost.error().message.find("hostname must be specified for netfs sources"), std::string::npos);
  // Nobody serves NFS at 127.0.0.1 inside a fresh namespace.
  NetnsGuard ns("stratus-netfs-src-" + std::to_string(::getpid()));
  ASSERT_TRUE(ns.ok()) << ns.error();
  ASSERT_TRUE(ns.enter());
  auto none = backend->findSources("<source><host name='127.0.0.1'/></source>");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("cannot list the NFS exports of '127.0.0.1'"), std::string::npos)
      << none.error().message;
}

TEST_F(NetfsPool, GaneshaSuccessPath) {
  if (!kernelHasNfsClient())
    GTEST_SKIP() << "no NFS client in this kernel (no 'nfs' in /proc/filesystems, no nfs module to load): "
                    "an nfs-ganesha export could be served but never mounted here";
  GTEST_SKIP() << "the kernel has an NFS client but the nfs-ganesha success path is not written yet";
}

}  // namespace
}  // namespace stratus::storage
