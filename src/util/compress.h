// Save-image formats (libvirt's save_image_format): which external program
// compresses and decompresses a stream in that format. "raw" needs none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace stratus {

struct Compressor {
  std::string format;                    // "gzip", "zstd", ...
  std::vector<std::string> compressArgv;    // stdin -> stdout
  std::vector<std::string> decompressArgv;  // stdin -> stdout
};

// Every format name we know, "raw" first.
const std::vector<std::string>& imageFormats();

// The program of a compressed format. InvalidArgument for an unknown name,
// Unsupported when its program is not installed on this host; "raw" is
// InvalidArgument too (it needs no program; callers check for it first).
Result<Compressor> compressorFor(std::string_view format);

// "" and "raw" mean uncompressed; other known names are kept; unknown:
// InvalidArgument naming the known ones.
Result<std::string> normalizeImageFormat(std::string_view format);

// The absolute path of `program` in $PATH, or "" when absent.
std::string findProgram(std::string_view program);

}  // namespace stratus
