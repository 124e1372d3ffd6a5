#include "cloud/ec2/ec2_flavours.h"

#include <fstream>
#include <sstream>

namespace stratus::cloud::ec2 {

const std::vector<Flavour>& builtinFlavours() {
  static const std::vector<Flavour> kBuiltin = {
      {"t1.micro", 1, 613},    {"m1.small", 1, 1740},   {"m1.medium", 1, 3840},  {"m1.large", 2, 7680},
      {"m1.xlarge", 4, 15360}, {"c1.medium", 2, 1740},  {"c1.xlarge", 8, 7168},  {"t2.nano", 1, 512},
      {"t2.micro", 1, 1024},   {"t2.small", 1, 2048},   {"t2.medium", 2, 4096},  {"t2.large", 2, 8192},
      {"t2.xlarge", 4, 16384}, {"t2.2xlarge", 8, 32768}, {"t3.nano", 2, 512},     {"t3.micro", 2, 1024},
      {"t3.small", 2, 2048},   {"t3.medium", 2, 4096},  {"t3.large", 2, 8192},   {"t3.xlarge", 4, 16384},
      {"t3.2xlarge", 8, 32768},
  };
  return kBuiltin;
}

Result<std::vector<Flavour>> parseFlavours(const std::string& text, const std::string& source) {
  std::vector<Flavour> all = builtinFlavours();
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    Flavour f;
    std::string extra;
    if (!(words >> f.name)) continue;  // blank or comment
    if (!(words >> f.vcpus >> f.memoryMiB) || (words >> extra) || f.vcpus < 1 || f.vcpus > 1024 || f.memoryMiB < 16 ||
        f.memoryMiB > (std::int64_t{16} << 20))
      return Error(ErrorCode::InvalidArgument, "invalid flavour line (expected NAME VCPUS MEMORY_MIB)",
                   ErrorLocation{source, lineNo, {}});
    bool replaced = false;
    for (auto& existing : all)
      if (existing.name == f.name) {
        existing = f;
        replaced = true;
      }
    if (!replaced) all.push_back(f);
  }
  return all;
}

Result<std::vector<Flavour>> loadFlavours(const std::string& path) {
  std::ifstream in(path);
  if (!in) return builtinFlavours();
  std::ostringstream text;
  text << in.rdbuf();
  return parseFlavours(text.str(), path);
}

std::optional<Flavour> findFlavour(const std::vector<Flavour>& all, const std::string& name) {
  for (const auto& f : all)
    if (f.name == name) return f;
  return std::nullopt;
}

std::string flavourFor(const std::vector<Flavour>& all, std::int64_t vcpus, std::int64_t memoryMiB) {
  const Flavour* best = nullptr;
  for (const auto& f : all) {
    if (f.vcpus == vcpus && f.memoryMiB == memoryMiB) return f.name;
    if (f.vcpus >= vcpus && f.memoryMiB >= memoryMiB &&
        (!best || f.memoryMiB < best->memoryMiB || (f.memoryMiB == best->memoryMiB && f.vcpus < best->vcpus)))
      best = &f;
  }
  return best ? best->name : kDefaultInstanceType;
}

}  // namespace stratus::cloud::ec2
