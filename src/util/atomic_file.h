// Crash-safe file writes: write a temp file in the same directory, fdatasync
// it, rename it over the target. A crash (of the process or the machine)
// leaves the old or the new content, never a mix or a torn file.
//
// The directory is not fsynced after the rename unless asked: one sync costs
// ~4 ms on our disks, and without it a power loss can only roll the rename
// back to the old file (the journal commits it within seconds), which is
// still "old or new".
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus {

enum class DirSync { No, Yes };
Status writeFileAtomic(const std::string& path, std::string_view content, int mode = 0600,
                       DirSync dirSync = DirSync::No);
Result<std::string> readFile(const std::string& path);
// Remove a file (fsync its directory when asked); a missing file is not an error.
Status removeFileDurable(const std::string& path, DirSync dirSync = DirSync::No);
// mkdir -p with the given mode for created directories.
Status makeDirs(const std::string& path, int mode = 0755);
// fsync a directory so a rename/unlink in it is durable.
Status syncDir(const std::string& dir);

}  // namespace stratus
