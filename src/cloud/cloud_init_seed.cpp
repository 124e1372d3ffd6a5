#include "cloud/cloud_init_seed.h"

#include <filesystem>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "util/process.h"

namespace stratus::cloud {

namespace {

// A YAML double-quoted scalar.
std::string yamlQuoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n' || ch == '\r') continue;
    out += ch;
  }
  return out + "\"";
}

Status writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error(ErrorCode::SystemError, "cannot write " + path);
  return okStatus();
}

bool onPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

}  // namespace

std::string seedMetaData(const Instance& i, const InstanceSeed& seed) {
  std::string host = i.nics.empty() || i.nics[0].hostname.empty() ? i.handle : i.nics[0].hostname;
  std::string out = "instance-id: " + yamlQuoted(i.handle) + "\nlocal-hostname: " + yamlQuoted(host) + "\n";
  if (!seed.publicKeys.empty()) {
    out += "public-keys:\n";
    for (const auto& k : seed.publicKeys) out += "  - " + yamlQuoted(k) + "\n";
  }
  return out;
}

Result<std::string> buildSeedIso(const Instance& i, const InstanceSeed& seed, const std::string& dir) {
  STRATUS_TRY(writeFile(dir + "/meta-data", seedMetaData(i, seed)));
  STRATUS_TRY(writeFile(dir + "/user-data", seed.userData));
  std::string iso = dir + "/seed.iso";
  std::vector<std::string> args = {"-output", iso, "-volid", "cidata", "-joliet", "-rock", "-quiet",
                                   dir + "/user-data", dir + "/meta-data"};
  std::vector<std::string> argv;
  if (onPath("genisoimage")) argv = {"genisoimage"};
  else if (onPath("xorriso")) argv = {"xorriso", "-as", "mkisofs"};
  else
    return Error(ErrorCode::Unsupported,
                 "unsupported configuration: neither genisoimage nor xorriso is installed to build the cloud-init seed");
  argv.insert(argv.end(), args.begin(), args.end());
  if (auto out = runCapture(argv); !out)
    return Error(ErrorCode::OperationFailed, "cannot build the cloud-init seed of " + i.handle + ": " + out.error().message);
  return iso;
}

}  // namespace stratus::cloud
