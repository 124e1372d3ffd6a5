// Crash-safe file writes: write a temp file in the same directory, fsync it,
// rename it over the target, fsync the directory. A crash leaves the old or
// the new content, never a mix.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus {

Status writeFileAtomic(const std::string& path, std::string_view content, int mode = 0600);
Result<std::string> readFile(const std::string& path);
// Remove a file and fsync its directory; a missing file is not an error.
Status removeFileDurable(const std::string& path);
// mkdir -p with the given mode for created directories.
Status makeDirs(const std::string& path, int mode = 0755);
// fsync a directory so a rename/unlink in it is durable.
Status syncDir(const std::string& dir);

}  // namespace stratus
