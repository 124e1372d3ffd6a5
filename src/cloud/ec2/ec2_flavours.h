// Instance types (EC2's InstanceType) as vCPU/memory flavours. The
// built-in table follows AWS's published sizes for t1.micro, the m1 and c1
// families and t2/t3; an administrator changes or adds flavours in
// ROOT/etc/stratus-cloud/flavours, one a line: `NAME VCPUS MEMORY_MIB`
// (# starts a comment). A line there overrides the built-in flavour of
// its name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace stratus::cloud::ec2 {

inline constexpr const char* kDefaultInstanceType = "m1.small";

struct Flavour {
  std::string name;
  std::int64_t vcpus = 1;
  std::int64_t memoryMiB = 256;
};

const std::vector<Flavour>& builtinFlavours();
// The built-in table with the file's lines applied; a missing file is the
// built-in table, a malformed line an error naming file and line.
Result<std::vector<Flavour>> loadFlavours(const std::string& path);
Result<std::vector<Flavour>> parseFlavours(const std::string& text, const std::string& source);
std::optional<Flavour> findFlavour(const std::vector<Flavour>& all, const std::string& name);
// The flavour that names an instance's size (exact match first, else the
// smallest that holds it), for instances cloud-client started.
std::string flavourFor(const std::vector<Flavour>& all, std::int64_t vcpus, std::int64_t memoryMiB);

}  // namespace stratus::cloud::ec2
