// What `qemu-img info` said of each file of a pool, kept while the file
// stays the same (inode, size, mtime, ctime), so a refresh spawns qemu-img
// only for the files that changed: a pool of many volumes refreshes after
// every upload or copy without re-reading all of them.
//
// A file whose mtime is within a second of when it was read is "racily
// clean" (as git calls it): a write in the same timestamp tick would not
// show, so such an entry is never trusted and the file is read again.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/qemu_img.h"

namespace stratus::storage {

class ImageInfoCache {
 public:
  // The cached answer for `path` when the file is as `st` says and was
  // when it was read; none otherwise.
  std::optional<ImageInfo> find(const std::string& path, const struct stat& st);
  void store(const std::string& path, const struct stat& st, const ImageInfo& info);
  // Drops every entry not in `paths` (files that went away).
  void keepOnly(const std::vector<std::string>& paths);
  std::uint64_t hits() const;

 private:
  struct Entry {
    dev_t dev;
    ino_t ino;
    off_t size;
    timespec mtime, ctime;
    timespec readAt;  // CLOCK_REALTIME when qemu-img read it
    ImageInfo info;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::uint64_t hits_ = 0;
};

}  // namespace stratus::storage
