// Mounts and loop devices for the fs and netfs pools: what is mounted where
// (/proc/self/mountinfo), attaching an image file to a loop device with
// losetup and finding the loop device a file is attached to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus::storage {

struct MountEntry {
  std::string target;  // mount point, octal escapes (\040) decoded
  std::string source;  // "/dev/loop0", "host:/export"
  std::string fstype;
};

// The lines of /proc/self/mountinfo.
std::vector<MountEntry> parseMountInfo(std::string_view text);
std::vector<MountEntry> currentMounts();
// The entry mounted last at `target` (the visible one), if any.
std::optional<MountEntry> mountAt(const std::string& target);

// The loop devices `file` is attached to (by its backing file in sysfs).
std::vector<std::string> loopDevicesOf(const std::string& file);
// losetup --find --show FILE.
Result<std::string> attachLoop(const std::string& file);
Status detachLoop(const std::string& device);

Status mountFs(const std::string& source, const std::string& target, const std::string& fstype,
               const std::vector<std::string>& options);
Status unmountFs(const std::string& target);

bool isRegularFile(const std::string& path);
bool isBlockDevice(const std::string& path);
bool isDirectory(const std::string& path);

}  // namespace stratus::storage
