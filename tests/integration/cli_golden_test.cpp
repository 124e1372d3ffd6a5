// Runs every tests/data/cli/NAME.cmd through `stratus -c test:///default` and
// compares stdout, stderr and the exit code with what the real virsh printed
// (captured by tests/data/cli/capture.sh). Normalisation, documented in
// docs/cli.md: "CPU time:" lines are dropped (they depend on the clock), and in
// `version` output the library name and every version number are masked.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const fs::path kData = STRATUS_CLI_DATA_DIR;
const fs::path kBinary = STRATUS_BINARY;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Captured {
  std::string out, err;
  int rc = -1;
};

Captured runStratus(const fs::path& dir, const std::vector<std::string>& args) {
  fs::path outFile = dir / ".stdout", errFile = dir / ".stderr";
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    if (!freopen(outFile.c_str(), "w", stdout) || !freopen(errFile.c_str(), "w", stderr) ||
        !freopen("/dev/null", "r", stdin))
      _exit(126);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kBinary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    unsetenv("VISUAL");
    unsetenv("EDITOR");
    execv(kBinary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Captured r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = slurp(outFile);
  r.err = slurp(errFile);
  fs::remove(outFile);
  fs::remove(errFile);
  return r;
}

std::string normalise(const std::string& text) {
  static const std::regex cpuTime("^CPU time: +[0-9.]+s\n", std::regex::multiline);
  static const std::regex versionLine(
      "^(Compiled against library|Using library|Using API|Running hypervisor|Running against daemon): "
      "(libvirt|stratus)? ?([A-Za-z]*) ?[0-9][0-9.]*",
      std::regex::multiline);
  std::string s = std::regex_replace(text, cpuTime, "");
  s = std::regex_replace(s, versionLine, "$1: LIB $3 VERSION");
  return s;
}

struct KnownDifference {
  std::string rule, reason;
};

std::map<std::string, KnownDifference> knownDifferences() {
  std::map<std::string, KnownDifference> m;
  std::istringstream in(slurp(kData / "known_differences.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto a = line.find('|'), b = line.find('|', a + 1);
    m[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
  }
  return m;
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kData))
    if (e.path().extension() == ".cmd") names.push_back(e.path().stem());
  std::sort(names.begin(), names.end());
  return names;
}

bool testNodeAvailable() {
  fs::path dir = fs::temp_directory_path();
  Captured r = runStratus(dir, {"-c", "test:///default", "uri"});
  return r.rc == 0;
}

class CliGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CliGolden, MatchesVirsh) {
  static const bool available = testNodeAvailable();
  if (!available) GTEST_SKIP() << "this build has no test:///default node";
  const std::string name = GetParam();
  static const auto known = knownDifferences();
  auto kd = known.find(name);
  if (kd != known.end() && kd->second.rule == "skip") GTEST_SKIP() << kd->second.reason;

  fs::path scratch = fs::temp_directory_path() / ("stratus-cli-golden-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  for (const auto& e : fs::directory_iterator(kData))
    if (e.path().extension() == ".xml") fs::copy_file(e.path(), scratch / e.path().filename());

  std::vector<std::string> args;
  if (fs::exists(kData / (name + ".opts"))) {
    std::istringstream opts(slurp(kData / (name + ".opts")));
    for (std::string w; opts >> w;) args.push_back(w);
  }
  args.insert(args.end(), {"-c", "test:///default", chomp(slurp(kData / (name + ".cmd")))});
  Captured got = runStratus(scratch, args);
  fs::remove_all(scratch);

  std::string wantOut = slurp(kData / (name + ".out"));
  std::string wantErr = slurp(kData / (name + ".err"));
  int wantRc = std::stoi(slurp(kData / (name + ".rc")));
  if (kd != known.end() && kd->second.rule == "clock-numbers") {
    // Counters libvirt's test driver derives from the clock: every number of
    // seven or more digits is masked on both sides.
    static const std::regex clockNumber("[0-9]{7,}");
    got.out = std::regex_replace(got.out, clockNumber, "N");
    wantOut = std::regex_replace(wantOut, clockNumber, "N");
  }
  EXPECT_EQ(normalise(got.out), normalise(wantOut)) << "stdout of: " << args.back();
  if (kd != known.end() && kd->second.rule == "first-error-line") {
    EXPECT_EQ(got.err.substr(0, got.err.find('\n')), wantErr.substr(0, wantErr.find('\n')));
  } else {
    EXPECT_EQ(got.err, wantErr) << "stderr of: " << args.back();
  }
  EXPECT_EQ(got.rc, wantRc) << "exit code of: " << args.back();
}

INSTANTIATE_TEST_SUITE_P(Cases, CliGolden, ::testing::ValuesIn(caseNames()),
                         [](const auto& info) { return info.param; });

// Every case of cases.txt has its data files, and no data file is left over.
TEST(CliGoldenData, CasesAndFilesAgree) {
  std::set<std::string> listed;
  std::istringstream in(slurp(kData / "cases.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string head = line.substr(0, line.find('|'));
    listed.insert(head.substr(0, head.find(' ')));
  }
  for (const auto& name : listed)
    for (const char* ext : {".cmd", ".out", ".err", ".rc"})
      EXPECT_TRUE(fs::exists(kData / (name + ext))) << name << ext << " missing: run capture.sh";
  for (const auto& e : fs::directory_iterator(kData)) {
    auto ext = e.path().extension();
    if (ext == ".cmd" || ext == ".out" || ext == ".err" || ext == ".rc" || ext == ".opts") {
      EXPECT_TRUE(listed.count(e.path().stem())) << e.path().filename() << " is not in cases.txt";
    }
  }
  for (const auto& [name, kd] : knownDifferences()) EXPECT_TRUE(listed.count(name)) << name;
}

}  // namespace

namespace {

// Separate arguments are one command, word for word (virsh's argv mode).
TEST(CliArgvMode, SeparateArgumentsAreOneCommand) {
  if (!testNodeAvailable()) GTEST_SKIP() << "this build has no test:///default node";
  fs::path dir = fs::temp_directory_path();
  Captured list = runStratus(dir, {"-c", "test:///default", "list", "--all"});
  EXPECT_EQ(list.out, slurp(kData / "list_all.out"));
  EXPECT_EQ(list.rc, 0);
  Captured desc = runStratus(dir, {"-c", "test:///default", "desc", "test", "--new-desc", "a; b \"c\""});
  EXPECT_EQ(desc.out, "Domain description updated successfully\n");
  Captured semi = runStratus(dir, {"-c", "test:///default", "domid", "test", ";", "domuuid", "test"});
  EXPECT_EQ(semi.out, "");
  EXPECT_EQ(semi.err, "error: unexpected data ';'\n");
  EXPECT_EQ(semi.rc, 1);
}

TEST(CliConnectErrors, UnknownSchemeFailsToConnect) {
  Captured r = runStratus(fs::temp_directory_path(), {"-c", "xen:///system", "list"});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "error: failed to connect to the hypervisor\n"
            "error: no connection driver available for xen:///system\n");
  EXPECT_EQ(r.rc, 1);
}

}  // namespace
