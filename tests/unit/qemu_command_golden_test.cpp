// Golden data: domain XML in -> QEMU argv out (tests/data/qemu/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "conf/domain_def.h"
#include "drivers/qemu/qemu_command.h"

using namespace stratus;
using namespace stratus::drivers::qemu;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = STRATUS_QEMU_DATA_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

QemuCaps fixedCaps() {
  QemuCaps c;
  c.binary = "/usr/bin/qemu-system-x86_64";
  parseVersion(slurp(kDir / "caps-version.txt"), c);
  parseMachineHelp(slurp(kDir / "caps-machine-help.txt"), c);
  parseDeviceHelp(slurp(kDir / "caps-device-help.txt"), c);
  c.spice = true;
  return c;
}

bool regenerate() { return std::getenv("STRATUS_REGENERATE") != nullptr; }

// NAME.volumes: what the node would resolve the case's type='volume' disks
// to, one "POOL VOLUME TYPE PATH FORMAT" line each.
void resolveVolumes(conf::DomainDef& def, const fs::path& volumesPath) {
  if (!fs::exists(volumesPath)) return;
  std::istringstream in(slurp(volumesPath));
  std::string pool, vol, type, path, format;
  while (in >> pool >> vol >> type >> path >> format)
    for (auto& d : def.devices.disks)
      if (d.type == "volume" && d.sourcePool == pool && d.sourceVolume == vol) {
        d.volumeType = type;
        d.volumePath = path;
        d.volumeFormat = format;
      }
}

std::string render(const fs::path& xmlPath) {
  auto parsed = conf::parseDomainXml(slurp(xmlPath), xmlPath.filename().string());
  if (!parsed) return "parse error: " + parsed.error().describe() + "\n";
  conf::DomainDef def = parsed->def;
  resolveVolumes(def, fs::path(xmlPath).replace_extension(".volumes"));
  assignAliases(def);
  CommandContext ctx;
  ctx.emulator = "/usr/bin/qemu-system-x86_64";
  ctx.monitorPath = "/run/stratus/qemu/" + def.name + ".monitor";
  for (std::size_t i = 0; i < def.devices.interfaces.size(); ++i) ctx.tapFds[i] = 30 + static_cast<int>(i);
  ctx.vncDisplay = 0;
  ctx.spicePort = 5901;
  auto cmd = buildCommand(def, fixedCaps(), ctx);
  if (!cmd) return "error: " + cmd.error().describe() + "\n";
  std::string out;
  for (const auto& a : cmd->argv) out += a + "\n";
  return out;
}

}  // namespace

TEST(QemuCommandGolden, EveryCaseMatches) {
  int cases = 0;
  std::set<std::string> used = {"README.md", "caps-device-help.txt", "caps-machine-help.txt", "caps-version.txt"};
  for (const auto& e : fs::directory_iterator(kDir)) {
    if (e.path().extension() != ".xml") continue;
    ++cases;
    used.insert(e.path().filename().string());
    std::string stem = e.path().stem().string();
    bool isErr = stem.rfind("err-", 0) == 0;
    fs::path expected = kDir / (stem + (isErr ? ".err" : ".args"));
    used.insert(expected.filename().string());
    used.insert(stem + ".volumes");
    std::string got = render(e.path());
    if (regenerate()) {
      std::ofstream(expected) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected)) << "missing " << expected << "; run with STRATUS_REGENERATE=1";
    EXPECT_EQ(got, slurp(expected)) << "case " << stem;
    // A failing case fails to build the command (not to parse); every other
    // case is a command line starting with the emulator.
    if (isErr) EXPECT_EQ(got.rfind("error: ", 0), 0u) << stem << " should fail to build";
    else EXPECT_EQ(got.rfind("/usr/bin/qemu-system-x86_64\n", 0), 0u) << stem << " should build: " << got;
  }
  EXPECT_GE(cases, 10);
  for (const auto& e : fs::directory_iterator(kDir))
    EXPECT_TRUE(used.count(e.path().filename().string())) << "unused data file " << e.path();
}
