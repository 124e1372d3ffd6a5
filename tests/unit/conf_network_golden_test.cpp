// Golden data tests for the network XML model.
//
// tests/data/network/NAME.xml is the input. Expected results next to it:
//   NAME.out.xml  canonical output (formatNetworkXml with default options)
//   NAME.err      the error, as Error::describe() prints it
//   NAME.warn     the warnings, one per line ("file:line: field: message")
// STRATUS_REGENERATE=1 rewrites the expected files instead of comparing.
// A data file without its NAME.xml fails the test (nothing is left unused).
// Inputs without <uuid> / <mac> get generated ones; the test pins those to
// fixed values so the expected output stays stable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conf/network_def.h"

namespace fs = std::filesystem;
using stratus::conf::formatNetworkXml;
using stratus::conf::NetworkDef;
using stratus::conf::parseNetworkXml;

namespace {

const fs::path kDataDir = STRATUS_NETWORK_DATA_DIR;

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

std::vector<std::string> caseNames() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kDataDir)) {
    std::string f = e.path().filename().string();
    if (endsWith(f, ".xml") && !endsWith(f, ".out.xml")) out.push_back(f.substr(0, f.size() - 4));
  }
  std::sort(out.begin(), out.end());
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

// Replaces what the defaults generated at random with fixed values.
void pinGenerated(NetworkDef& def, const std::string& input) {
  if (input.find("<uuid>") == std::string::npos)
    def.uuid = *stratus::Uuid::parse("00000000-0000-4000-8000-000000000000");
  if (input.find("<mac ") == std::string::npos && !def.mac.empty()) def.mac = "52:54:00:00:00:00";
}

class NetworkGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(NetworkGolden, Case) {
  const std::string name = GetParam();
  const std::string input = readFile(kDataDir / (name + ".xml"));
  auto parsed = parseNetworkXml(input, name + ".xml");

  std::string out, err, warn;
  if (parsed) {
    pinGenerated(parsed->def, input);
    out = formatNetworkXml(parsed->def, {});
    for (const auto& w : parsed->warnings)
      warn += stratus::Error(stratus::ErrorCode::XmlInvalid, w.message, w.where).describe() + "\n";
    // Canonical output is a fixed point: parsing it again changes nothing.
    auto again = parseNetworkXml(out, name + ".out.xml");
    ASSERT_TRUE(again.ok()) << again.error().describe();
    EXPECT_EQ(formatNetworkXml(again->def, {}), out) << "round trip is not stable";
  } else {
    err = parsed.error().describe() + "\n";
  }
  expectFile(kDataDir / (name + ".out.xml"), out);
  expectFile(kDataDir / (name + ".err"), err);
  expectFile(kDataDir / (name + ".warn"), warn);
}

std::string paramName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Data, NetworkGolden, ::testing::ValuesIn(caseNames()), paramName);

TEST(NetworkGoldenData, NoUnusedFiles) {
  for (const auto& e : fs::directory_iterator(kDataDir)) {
    std::string f = e.path().filename().string();
    std::string stem;
    if (endsWith(f, ".out.xml")) stem = f.substr(0, f.size() - 8);
    else if (endsWith(f, ".err")) stem = f.substr(0, f.size() - 4);
    else if (endsWith(f, ".warn")) stem = f.substr(0, f.size() - 5);
    else if (endsWith(f, ".xml") || f == "README.md") continue;
    else {
      ADD_FAILURE() << f << " is not a case file (NAME.xml, .out.xml, .err, .warn)";
      continue;
    }
    EXPECT_TRUE(fs::exists(kDataDir / (stem + ".xml"))) << f << " has no input " << stem << ".xml";
  }
}

TEST(NetworkGoldenData, HasCases) { EXPECT_GE(caseNames().size(), 25u); }

}  // namespace
