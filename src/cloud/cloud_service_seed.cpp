// The cloud-init seed's way to the node: built here in a private
// temporary directory, uploaded into the node's pool as a raw volume next
// to the instance's disk (clearNode removes it with the disk).
#include <filesystem>

#include "cloud/cloud_service.h"
#include "daemon/file_volume_source.h"
#include "util/temp_dir.h"

namespace stratus::cloud {

Status CloudService::propagateSeed(daemon::NodeService& n, const std::string& pool, const Instance& inst,
                                   const InstanceSeed& seed, const std::string& volume) {
  auto dir = TempDir::create("stratus-seed");
  if (!dir) return Error(ErrorCode::SystemError, "cannot create a directory for the seed of " + inst.handle);
  auto iso = buildSeedIso(inst, seed, dir->path());
  if (!iso) return std::move(iso).error();
  std::error_code ec;
  auto size = std::filesystem::file_size(*iso, ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot size " + *iso + ": " + ec.message());
  std::string xml = "<volume><name>" + volume + "</name><capacity unit='bytes'>" + std::to_string(size) +
                    "</capacity><target><format type='raw'/></target></volume>";
  if (auto v = n.createVolume(pool, xml, "<instance seed>", {}); !v) return std::move(v).error();
  auto src = daemon::FileVolumeSource::open(*iso);
  if (!src) return std::move(src).error();
  // A simulated node (test:///) has simulated disks: nothing to copy.
  if (auto s = n.uploadVolume(pool, volume, {}, **src); !s && s.error().code != ErrorCode::Unsupported) return s;
  return okStatus();
}

}  // namespace stratus::cloud
