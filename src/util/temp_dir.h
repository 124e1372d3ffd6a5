// A private directory under the system's temporary directory that goes,
// with everything in it, when the object does: scratch space for a tool's
// input and output files (ssh-keygen's key pair, a cloud-init seed ISO).
#pragma once

#include <string>

#include "util/error.h"

namespace stratus {

class TempDir {
 public:
  // mkdtemp of TMPDIR/PREFIX.XXXXXX (mode 0700); `prefix` names the user.
  static Result<TempDir> create(const std::string& prefix);
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace stratus
