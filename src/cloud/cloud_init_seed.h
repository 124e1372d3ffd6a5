// A cloud-init NoCloud seed for an instance: an ISO 9660 image labelled
// `cidata` holding `meta-data` (instance-id, local-hostname, the key
// pair's public keys) and `user-data` (EC2's UserData, as given). The
// service puts it in the node's pool next to the instance's disk and
// attaches it as a CD-ROM; cloud-init (or the test guest) reads it at boot.
#pragma once

#include <string>
#include <vector>

#include "cloud/cloud_types.h"
#include "util/error.h"

namespace stratus::cloud {

struct InstanceSeed {
  std::string userData;                 // raw bytes
  std::vector<std::string> publicKeys;  // OpenSSH lines
};

// meta-data's YAML for the instance.
std::string seedMetaData(const Instance& instance, const InstanceSeed& seed);
// Writes DIR/seed.iso with genisoimage (or xorriso's mkisofs emulation);
// returns its path. An error names the tool's complaint, or says neither
// tool is installed.
Result<std::string> buildSeedIso(const Instance& instance, const InstanceSeed& seed, const std::string& dir);

}  // namespace stratus::cloud
