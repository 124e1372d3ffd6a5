// The pure parts of migration: which capabilities and parameters each side
// gets for each choice, how query-migrate becomes domjobinfo's numbers, and
// the parsers of the new QMP replies.
#include <gtest/gtest.h>

#include "drivers/qemu/qemu_migration_setup.h"
#include "drivers/qemu/qmp_migration.h"

using namespace stratus;
using namespace stratus::drivers;
using namespace stratus::drivers::qemu;
namespace qmp = stratus::qemu::qmp;
using Json = nlohmann::json;

namespace {

std::map<std::string, bool> caps(const MigrationSetup& s) {
  std::map<std::string, bool> out;
  for (const auto& [name, state] : s.capabilities) out[name] = state;
  return out;
}

}  // namespace

TEST(MigrationSetup, PlainSourceStatesEveryCapabilityAndUnlimitedBandwidth) {
  auto s = migrationSetup({}, MigrationChannel::Tcp, MigrationSide::Source);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(caps(*s), (std::map<std::string, bool>{
                          {"events", true}, {"postcopy-ram", false}, {"auto-converge", false}, {"multifd", false}}));
  EXPECT_EQ(s->parameters, (Json{{"downtime-limit", 300}, {"max-bandwidth", 0x7fffffffffffffffLL}}));
  EXPECT_FALSE(s->multifdCompression);
}

TEST(MigrationSetup, DestinationActivatesDisksLateAndSetsNoSourceParameters) {
  MigrationParams p;
  p.autoConverge = true;
  p.maxBandwidth = 5;
  p.downtimeLimitMs = 7;
  auto s = migrationSetup(p, MigrationChannel::Tcp, MigrationSide::Destination);
  ASSERT_TRUE(s.ok());
  auto c = caps(*s);
  EXPECT_TRUE(c["late-block-activate"]);
  EXPECT_FALSE(c["auto-converge"]) << "a source-side throttle";
  EXPECT_TRUE(s->parameters.empty());
}

TEST(MigrationSetup, CompressedTcpUsesMultifdOnBothSides) {
  MigrationParams p;
  p.compressed = true;
  for (auto side : {MigrationSide::Source, MigrationSide::Destination}) {
    auto s = migrationSetup(p, MigrationChannel::Tcp, side);
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(caps(*s)["multifd"]);
    EXPECT_EQ(caps(*s).count("compress"), 0u);
    EXPECT_EQ(s->parameters["multifd-channels"], kMultifdChannels);
    EXPECT_TRUE(s->multifdCompression);
  }
}

TEST(MigrationSetup, CompressedDescriptorUsesSingleStreamCompression) {
  MigrationParams p;
  p.compressed = true;
  auto src = migrationSetup(p, MigrationChannel::Fd, MigrationSide::Source);
  auto dst = migrationSetup(p, MigrationChannel::Fd, MigrationSide::Destination);
  ASSERT_TRUE(src.ok() && dst.ok());
  EXPECT_FALSE(caps(*src)["multifd"]);
  EXPECT_TRUE(caps(*src)["compress"]);
  EXPECT_TRUE(caps(*dst)["compress"]);
  EXPECT_EQ(src->parameters["compress-threads"], 2);
  EXPECT_EQ(dst->parameters["decompress-threads"], 2);
  EXPECT_FALSE(src->multifdCompression);
  // A later uncompressed attempt on the same QEMU turns it off again.
  auto again = migrationSetup({}, MigrationChannel::Fd, MigrationSide::Source, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(caps(*again).count("compress"), 1u);
  EXPECT_FALSE(caps(*again)["compress"]);
}

TEST(MigrationSetup, PostcopyWithCompressionIsRefused) {
  MigrationParams p;
  p.postcopy = p.compressed = true;
  auto s = migrationSetup(p, MigrationChannel::Tcp, MigrationSide::Source);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::Unsupported);
  p.compressed = false;
  auto ok = migrationSetup(p, MigrationChannel::Tcp, MigrationSide::Destination);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(caps(*ok)["postcopy-ram"]);
}

TEST(MigrationProgress, MemoryAndDisksAddUpAsLibvirtShowsThem) {
  qmp::MigrationInfo m;
  m.status = "active";
  m.ramTotal = 1000;
  m.ramTransferred = 300;
  m.ramRemaining = 700;
  m.ramMbps = 8.0;
  m.dirtyPagesRate = 50;
  m.dirtySyncCount = 2;
  m.expectedDowntimeMs = 30;
  auto j = migrationProgress(m, {.total = 4000, .processed = 1000, .bps = 99});
  EXPECT_EQ(j.dataTotal, 5000u);
  EXPECT_EQ(j.dataProcessed, 1300u);
  EXPECT_EQ(j.dataRemaining, 3700u);
  EXPECT_EQ(j.diskRemaining, 3000u);
  EXPECT_EQ(j.diskBps, 99u);
  EXPECT_EQ(j.memBps, 1000000u);
  EXPECT_EQ(j.dirtyRate, 50u);
  EXPECT_EQ(j.memIteration, 2u);
  EXPECT_EQ(j.expectedDowntimeMs, 30u);
  EXPECT_FALSE(j.postcopy);
  m.status = "postcopy-active";
  EXPECT_TRUE(migrationProgress(m, {}).postcopy);
  // A mirror's offset can run past a length QEMU has not grown yet.
  auto over = migrationProgress({}, {.total = 10, .processed = 12});
  EXPECT_EQ(over.diskProcessed, 10u);
  EXPECT_EQ(over.diskRemaining, 0u);
}

TEST(MigrationHelpers, UrisErrorsAndQemuWords) {
  EXPECT_EQ(tcpUri("127.0.0.1", 49152), "tcp:127.0.0.1:49152");
  EXPECT_EQ(tcpUri("::", 49152), "tcp:[::]:49152");
  EXPECT_EQ(tcpUri("[fe80::1]", 1), "tcp:[fe80::1]:1");
  Error noZstd(ErrorCode::OperationFailed,
               "QMP migrate-set-parameters: GenericError: Parameter 'multifd-compression' does not accept value 'zstd'");
  EXPECT_TRUE(rejectsValue(noZstd, "zstd"));
  EXPECT_FALSE(rejectsValue(noZstd, "zlib"));
  EXPECT_FALSE(rejectsValue(Error(ErrorCode::OperationFailed, "zstd: I/O error"), "zstd"));
  EXPECT_EQ(qemuWords(noZstd), "Parameter 'multifd-compression' does not accept value 'zstd'");
  EXPECT_EQ(qemuWords(Error(ErrorCode::OperationFailed, "QMP x: DeviceNotFound: no such job: a: b")),
            "no such job: a: b");
  EXPECT_EQ(qemuWords(Error(ErrorCode::Timeout, "no reply")), "no reply");
  EXPECT_EQ(migrationJobFailed("x").message, "operation failed: migration out job: x");
  EXPECT_EQ(migrationJobCancelled().code, ErrorCode::Cancelled);
}

TEST(QmpMigrationParsers, BlockJobsAndParameters) {
  auto jobs = qmp::parseBlockJobs(Json::parse(R"([
    {"device": "migrate-vda", "type": "mirror", "len": 100, "offset": 40, "ready": false, "status": "running",
     "speed": 0, "busy": true, "paused": false, "io-status": "ok", "auto-finalize": true, "auto-dismiss": true},
    {"device": "other", "type": "commit", "len": 5, "offset": 5, "ready": true, "status": "ready",
     "error": "Input/output error"},
    "junk"])"));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, "migrate-vda");
  EXPECT_EQ(jobs[0].len, 100u);
  EXPECT_EQ(jobs[0].offset, 40u);
  EXPECT_FALSE(jobs[0].ready);
  EXPECT_TRUE(jobs[1].ready);
  EXPECT_EQ(jobs[1].error, "Input/output error");
  EXPECT_TRUE(qmp::parseBlockJobs(Json::object()).empty());

  auto p = qmp::parseMigrationParameters(Json::parse(
      R"({"downtime-limit": 300, "max-bandwidth": 134217728, "multifd-compression": "zstd", "multifd-channels": 2,
          "tls-creds": ""})"));
  EXPECT_EQ(p.downtimeLimitMs, 300u);
  EXPECT_EQ(p.maxBandwidth, 134217728u);
  EXPECT_EQ(p.multifdCompression, "zstd");
  EXPECT_EQ(p.multifdChannels, 2u);
  EXPECT_EQ(qmp::parseMigrationParameters(Json::array()).downtimeLimitMs, 0u);
}
