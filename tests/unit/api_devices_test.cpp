// The device routes end to end over the API: NodeClient -> server -> an
// in-process test:///default node. Scopes reach the node, errors keep their
// code (device-missing is 404), the XML body arrives byte for byte.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/client.h"
#include "api/json_types.h"
#include "api/server.h"
#include "daemon/test_node.h"

using namespace stratus;
namespace fs = std::filesystem;

namespace {

class ApiDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stratus-apidev-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto n = daemon::openTestNode("test:///default");
    ASSERT_TRUE(n.ok());
    node_ = std::move(n).value();
    api::ServerOptions o;
    o.socketPath = dir_ + "/stratusd.sock";
    auto s = api::Server::start(*node_, o);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(s).value();
    auto c = api::connectToDaemon(o.socketPath, "");
    ASSERT_TRUE(c.ok()) << c.error().describe();
    client_ = std::move(c).value();
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    node_.reset();
    fs::remove_all(dir_);
  }
  std::string xml(bool inactive) {
    daemon::XmlOptions o;
    o.inactive = inactive;
    return *client_->domainXml("test", o);
  }

  std::string dir_;
  std::unique_ptr<daemon::NodeService> node_;
  std::unique_ptr<api::Server> server_;
  std::unique_ptr<daemon::NodeService> client_;
};

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_F(ApiDevices, AttachUpdateDetachWithScopes) {
  const std::string disk = "<disk type='file'>\n  <source file='/srv/a &amp; b.img'/>\n  <target dev='vdb'/>\n</disk>\n";
  daemon::ModifyScope both;
  both.live = both.config = true;
  ASSERT_TRUE(client_->attachDevice("test", disk, "disk.xml", both).ok());
  EXPECT_TRUE(has(xml(false), "<source file='/srv/a &amp; b.img'/>"));
  EXPECT_TRUE(has(xml(true), "dev='vdb'"));
  daemon::ModifyScope config;
  config.config = true;
  const std::string moved = "<disk type='file'><source file='/srv/c.img'/><target dev='vdb'/></disk>";
  ASSERT_TRUE(client_->updateDevice("test", moved, "m.xml", config, true).ok());
  EXPECT_TRUE(has(xml(true), "/srv/c.img"));
  EXPECT_FALSE(has(xml(false), "/srv/c.img"));
  ASSERT_TRUE(client_->detachDevice("test", disk, "disk.xml", {}).ok());  // --current: live
  EXPECT_FALSE(has(xml(false), "dev='vdb'"));
  EXPECT_TRUE(has(xml(true), "dev='vdb'"));
}

TEST_F(ApiDevices, ErrorsKeepTheirCodeAndLocation) {
  auto missing = client_->detachDevice("test", "<disk><target dev='vdq'/></disk>", "q.xml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::DeviceMissing);
  EXPECT_EQ(api::httpStatusFor(ErrorCode::DeviceMissing), 404);
  auto bad = client_->attachDevice("test", "<disk type='file'>\n<target dev='vdb'>\n</disk>", "bad.xml", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::XmlSyntax);
  ASSERT_TRUE(bad.error().where.has_value());
  EXPECT_EQ(bad.error().where->file, "bad.xml");
  auto nodom = client_->attachDevice("nosuch", "<disk/>", "x", {});
  EXPECT_EQ(nodom.error().code, ErrorCode::NoDomain);
}

TEST_F(ApiDevices, BlockResize) {
  EXPECT_TRUE(client_->blockResize("test", "vda", 10ull << 30).ok());
  auto r = client_->blockResize("test", "vdz", 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid argument: disk 'vdz' was not found in the domain config");
}
