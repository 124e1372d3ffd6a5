// Golden data tests for the storage XML model (pools, volumes, the <sources>
// of find-storage-pool-sources).
//
// tests/data/storage/KIND/NAME.xml is the input, KIND one of:
//   pool/     <pool> documents: parsePoolXml -> formatPoolXml
//   volume/   <volume> documents: parseVolumeXml -> formatVolumeXml
//   sources/  a srcSpec <source>: parsePoolSourceXml -> formatPoolSources,
//             the pool type is the file name up to the first '_'
// Expected results next to it:
//   NAME.out.xml  canonical output
//   NAME.err      the error, as Error::describe() prints it
//   NAME.warn     the warnings, one per line ("file:line: field: message")
// STRATUS_REGENERATE=1 rewrites the expected files instead of comparing.
// A data file without its NAME.xml fails the test (nothing is left unused).
//
// So that pool and volume outputs can be compared byte for byte with
// `virsh -c test:///default` (tests/data/storage/capture.sh), the runner does
// what libvirt's test driver does between define and dumpxml: a pool gets its
// fixed sizes, a volume created in its dir pool 'default-pool' gets key and
// path /default-pool/NAME and the raw format when none was given. Generated
// uuids are pinned.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conf/storage_def.h"

namespace fs = std::filesystem;
using namespace stratus::conf;

namespace {

const fs::path kDataDir = STRATUS_STORAGE_DATA_DIR;
const char* const kKinds[] = {"pool", "volume", "sources"};

bool regenerate() {
  const char* v = std::getenv("STRATUS_REGENERATE");
  return v && std::string(v) == "1";
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> caseNames(const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kDataDir / kind)) {
    std::string f = e.path().filename().string();
    if (endsWith(f, ".xml") && !endsWith(f, ".out.xml")) out.push_back(kind + "/" + f.substr(0, f.size() - 4));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> allCases() {
  std::vector<std::string> out;
  for (const char* k : kKinds) {
    auto c = caseNames(k);
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

void expectFile(const fs::path& p, const std::string& actual) {
  if (regenerate()) {
    if (actual.empty()) fs::remove(p);
    else writeFile(p, actual);
    return;
  }
  if (actual.empty()) {
    EXPECT_FALSE(fs::exists(p)) << p << " exists but nothing was produced for it";
    return;
  }
  ASSERT_TRUE(fs::exists(p)) << p << " is missing; actual:\n" << actual;
  EXPECT_EQ(readFile(p), actual) << "mismatch with " << p;
}

std::string describeWarnings(const std::vector<Warning>& ws) {
  std::string out;
  for (const auto& w : ws) out += stratus::Error(stratus::ErrorCode::XmlInvalid, w.message, w.where).describe() + "\n";
  return out;
}

// Parsing the canonical output again warns about what was kept verbatim
// (still unknown) and nothing else: what was dropped is gone.
std::vector<std::string> keptMessages(const std::vector<Warning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws)
    if (w.message.find("kept verbatim") != std::string::npos) out.push_back(w.message);
  return out;
}

const stratus::Uuid kPinnedUuid = *stratus::Uuid::parse("00000000-0000-4000-8000-000000000000");

// What libvirt's test driver does to a defined pool before pool-dumpxml.
void likeTestDriverPool(PoolDef& def, const std::string& input) {
  if (input.find("<uuid>") == std::string::npos) def.uuid = kPinnedUuid;
  def.capacity = 107374182400ull;
  def.allocation = 0;
  def.available = 107374182400ull;
}

// What libvirt's test driver does to a volume created in its dir pool.
void likeTestDriverVolume(VolumeDef& def) {
  def.key = "/default-pool/" + def.name;
  def.path = def.key;
  if (def.format.empty()) def.format = "raw";
  if (def.backing && def.backing->format.empty()) def.backing->format = "raw";
}

struct Outcome {
  std::string out, err, warn;
};

Outcome runPool(const std::string& name, const std::string& input) {
  Outcome o;
  auto parsed = parsePoolXml(input, name + ".xml");
  if (!parsed) {
    o.err = parsed.error().describe() + "\n";
    return o;
  }
  likeTestDriverPool(parsed->def, input);
  o.out = formatPoolXml(parsed->def);
  o.warn = describeWarnings(parsed->warnings);
  auto again = parsePoolXml(o.out, name + ".out.xml");
  EXPECT_TRUE(again.ok()) << again.error().describe();
  if (again) {
    EXPECT_EQ(formatPoolXml(again->def), o.out) << "round trip is not stable";
    EXPECT_EQ(keptMessages(again->warnings), keptMessages(parsed->warnings)) << describeWarnings(again->warnings);
    EXPECT_EQ(again->warnings.size(), keptMessages(again->warnings).size()) << describeWarnings(again->warnings);
  }
  return o;
}

Outcome runVolume(const std::string& name, const std::string& input) {
  Outcome o;
  auto parsed = parseVolumeXml(input, name + ".xml");
  if (!parsed) {
    o.err = parsed.error().describe() + "\n";
    return o;
  }
  likeTestDriverVolume(parsed->def);
  o.out = formatVolumeXml(parsed->def);
  o.warn = describeWarnings(parsed->warnings);
  auto again = parseVolumeXml(o.out, name + ".out.xml");
  EXPECT_TRUE(again.ok()) << again.error().describe();
  if (again) {
    EXPECT_EQ(formatVolumeXml(again->def), o.out) << "round trip is not stable";
    EXPECT_EQ(keptMessages(again->warnings), keptMessages(parsed->warnings)) << describeWarnings(again->warnings);
    EXPECT_EQ(again->warnings.size(), keptMessages(again->warnings).size()) << describeWarnings(again->warnings);
  }
  return o;
}

Outcome runSources(const std::string& name, const std::string& input) {
  Outcome o;
  const std::string base = fs::path(name).filename().string();
  auto type = parsePoolType(base.substr(0, base.find('_')));
  EXPECT_TRUE(type.has_value()) << name << ": the file name must start with a pool type and '_'";
  if (!type) return o;
  auto parsed = parsePoolSourceXml(input, name + ".xml");
  if (!parsed) {
    o.err = parsed.error().describe() + "\n";
    return o;
  }
  o.out = formatPoolSources(*type, {*parsed});
  return o;
}

class StorageGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(StorageGolden, Case) {
  const std::string name = GetParam();
  const std::string input = readFile(kDataDir / (name + ".xml"));
  const std::string kind = name.substr(0, name.find('/'));
  Outcome o = kind == "pool" ? runPool(name, input) : kind == "volume" ? runVolume(name, input) : runSources(name, input);
  expectFile(kDataDir / (name + ".out.xml"), o.out);
  expectFile(kDataDir / (name + ".err"), o.err);
  expectFile(kDataDir / (name + ".warn"), o.warn);
}

std::string paramName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Data, StorageGolden, ::testing::ValuesIn(allCases()), paramName);

TEST(StorageGoldenData, NoUnusedFiles) {
  for (const char* kind : kKinds) {
    for (const auto& e : fs::directory_iterator(kDataDir / kind)) {
      std::string f = e.path().filename().string();
      std::string stem;
      if (endsWith(f, ".out.xml")) stem = f.substr(0, f.size() - 8);
      else if (endsWith(f, ".err")) stem = f.substr(0, f.size() - 4);
      else if (endsWith(f, ".warn")) stem = f.substr(0, f.size() - 5);
      else if (endsWith(f, ".xml")) continue;
      else {
        ADD_FAILURE() << kind << "/" << f << " is not a case file (NAME.xml, .out.xml, .err, .warn)";
        continue;
      }
      EXPECT_TRUE(fs::exists(kDataDir / kind / (stem + ".xml"))) << kind << "/" << f << " has no input " << stem
                                                                 << ".xml";
    }
  }
}

TEST(StorageGoldenData, EveryPoolTypeAndCommonVolumeFormatHasACase) {
  std::string pools, volumes;
  for (const auto& c : caseNames("pool")) pools += readFile(kDataDir / (c + ".out.xml"));
  for (const auto& c : caseNames("volume")) volumes += readFile(kDataDir / (c + ".out.xml"));
  for (const char* t : {"dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
                        "sheepdog", "gluster", "zfs", "vstorage"})
    EXPECT_NE(pools.find(std::string("<pool type='") + t + "'>"), std::string::npos) << "no valid case of type " << t;
  for (const char* f : {"raw", "qcow2", "vmdk", "vdi", "vhdx"})
    EXPECT_NE(volumes.find(std::string("<format type='") + f + "'/>"), std::string::npos) << "no volume of format " << f;
}

TEST(StorageGoldenData, HasCases) {
  EXPECT_GE(caseNames("pool").size(), 20u);
  EXPECT_GE(caseNames("volume").size(), 10u);
  EXPECT_GE(caseNames("sources").size(), 2u);
}

}  // namespace
