#include "util/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>

namespace stratus {

Result<TempDir> TempDir::create(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) return systemError("cannot create a temporary directory " + pattern, errno);
  return TempDir(std::move(pattern));
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace stratus
