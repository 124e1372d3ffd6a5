// The netfs pool backend: its checks, and the error where the kernel has
// no NFS client (this project's build machines). The export is a loopback
// address inside a namespace the test creates, so nothing leaves the host.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "storage/host_mounts.h"
#include "storage/pool_backend.h"
#include "storage/pool_types.h"
#include "storage_host_support.h"
#include "util/process.h"
#include "util/uuid.h"

namespace stratus::storage {
namespace {

using testing::ChildGuard;
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

// nfs-ganesha (a userspace NFS server) and rpcbind in the test's namespace
// serve a real export: find-storage-pool-sources lists it through
// showmount, and the pool mounts it where the kernel has an NFS client (or
// fails saying the kernel lacks one, with the server really there).
TEST_F(NetfsPool, UserspaceNfsServerExport) {
  STORAGE_REQUIRE_TOOL("ganesha.nfsd");
  STORAGE_REQUIRE_TOOL("rpcbind");
  STORAGE_REQUIRE_TOOL("showmount");
  // rpcbind's socket and lock are host-wide paths, not per namespace.
  if (std::filesystem::exists("/run/rpcbind.sock") || std::filesystem::exists("/run/rpcbind.lock") ||
      std::filesystem::exists("/run/rpcbind/rpcbind.xdr"))
    GTEST_SKIP() << "an rpcbind already owns /run/rpcbind.sock on this host: the test's own would collide";
  std::filesystem::create_directories(root / "export");
  std::filesystem::create_directories(root / "recovery");
  std::string exportDir = (root / "export").string();
  std::ofstream(root / "ganesha.conf")
      << "NFS_CORE_PARAM { Protocols = 3, 4; Enable_NLM = false; Enable_RQUOTA = false; }\n"
      << "NFSV4 { RecoveryBackend = fs; RecoveryRoot = \"" << (root / "recovery").string() << "\"; Graceless = true; }\n"
      << "NFS_KRB5 { Active_krb5 = false; }\n"
      << "EXPORT { Export_Id = 1; Path = \"" << exportDir << "\"; Pseudo = \"" << exportDir
      << "\"; Access_Type = RW; Squash = No_Root_Squash; Protocols = 3, 4; FSAL { Name = VFS; } }\n";

  NetnsGuard ns("stratus-nfs-" + std::to_string(::getpid()));
  ASSERT_TRUE(ns.ok()) << ns.error();
  ASSERT_TRUE(ns.enter());
  struct RpcbindFiles {  // ours once rpcbind made them (the .xdr files: its warm-start state, -w)
    ~RpcbindFiles() {
      std::error_code ec;
      for (const char* f : {"/run/rpcbind.sock", "/run/rpcbind.lock", "/run/rpcbind/rpcbind.xdr",
                            "/run/rpcbind/portmap.xdr"})
        std::filesystem::remove(f, ec);
    }
  } rpcbindFiles;
  SpawnOptions rb;
  rb.argv = {"rpcbind", "-f", "-w"};
  rb.outputFile = (root / "rpcbind.log").string();
  auto rpcbind = Process::spawn(rb);
  ASSERT_TRUE(rpcbind) << rpcbind.error().message;
  ChildGuard rpcbindGuard(std::move(*rpcbind));
  ASSERT_TRUE(testing::waitUntil([] { return std::filesystem::exists("/run/rpcbind.sock"); }, std::chrono::seconds(10)))
      << "rpcbind did not come up";
  // ganesha makes /run/ganesha for itself; it goes again if it was not there.
  struct GaneshaRunDir {
    bool existed = std::filesystem::exists("/run/ganesha");
    ~GaneshaRunDir() {
      std::error_code ec;
      if (!existed) std::filesystem::remove("/run/ganesha", ec);  // only when empty
    }
  } ganeshaRunDir;
  SpawnOptions gs;
  gs.argv = {"ganesha.nfsd", "-F", "-f", (root / "ganesha.conf").string(), "-L", (root / "ganesha.log").string(),
             "-p", (root / "ganesha.pid").string()};
  gs.outputFile = (root / "ganesha.out").string();
  auto ganesha = Process::spawn(gs);
  ASSERT_TRUE(ganesha) << ganesha.error().message;
  ChildGuard ganeshaGuard(std::move(*ganesha));
  bool served = testing::waitUntil(
      [&] {
        auto r = runCommand({"showmount", "--no-headers", "-e", "127.0.0.1"});
        return r && r->out.find(exportDir) != std::string::npos;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(served) << "ganesha did not export " << exportDir << " (see " << (root / "ganesha.log").string() << ")";

  auto xml = backend->findSources("<source><host name='127.0.0.1'/></source>");
  ASSERT_TRUE(xml) << xml.error().message;
  EXPECT_EQ(*xml, "<sources>\n  <source>\n    <host name='127.0.0.1'/>\n    <dir path='" + exportDir +
                      "'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n");

  def.source.dir = exportDir;
  ASSERT_TRUE(backend->build(def, {}));
  auto st = backend->start(def);
  if (!kernelHasNfsClient()) {
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("the kernel lacks NFS client support"), std::string::npos);
    std::cout << "[ note ] export served and listed; mounting it needs a kernel NFS client, which this one lacks\n";
    return;
  }
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_TRUE(backend->isActive(def));
  conf::VolumeDef v;
  v.name = "on-nfs.qcow2";
  v.format = "qcow2";
  v.capacity = 1 << 20;
  ASSERT_TRUE(backend->createVolume(def, v, {}));
  EXPECT_TRUE(std::filesystem::exists(exportDir + "/on-nfs.qcow2"));
  ASSERT_TRUE(backend->stop(def));
  EXPECT_FALSE(mountAt(def.target.path));
}

}  // namespace
}  // namespace stratus::storage
