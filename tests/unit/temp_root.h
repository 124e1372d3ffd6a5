// A fresh directory under the system temp dir, removed with everything in
// it when the test ends (also when it fails).
#pragma once

#include <filesystem>
#include <string>

#include "util/uuid.h"

namespace stratus::testing {

class TempRoot {
 public:
  explicit TempRoot(const std::string& prefix = "stratus-test-")
      : path_(std::filesystem::temp_directory_path() / (prefix + Uuid::generate().str())) {
    std::filesystem::create_directories(path_);
  }
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace stratus::testing
