#include "storage/image_info_cache.h"

#include <algorithm>
#include <set>

namespace stratus::storage {

namespace {

bool same(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

// `t` at least one second before `ref`.
bool settledBefore(const timespec& t, const timespec& ref) {
  return t.tv_sec + 1 < ref.tv_sec || (t.tv_sec + 1 == ref.tv_sec && t.tv_nsec <= ref.tv_nsec);
}

}  // namespace

std::optional<ImageInfo> ImageInfoCache::find(const std::string& path, const struct stat& st) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (e.dev != st.st_dev || e.ino != st.st_ino || e.size != st.st_size || !same(e.mtime, st.st_mtim) ||
      !same(e.ctime, st.st_ctim))
    return std::nullopt;
  if (!settledBefore(e.mtime, e.readAt)) return std::nullopt;
  ++hits_;
  return e.info;
}

void ImageInfoCache::store(const std::string& path, const struct stat& st, const ImageInfo& info) {
  Entry e{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim, {}, info};
  ::clock_gettime(CLOCK_REALTIME, &e.readAt);
  std::lock_guard lk(mu_);
  entries_[path] = std::move(e);
}

void ImageInfoCache::keepOnly(const std::vector<std::string>& paths) {
  std::set<std::string> keep(paths.begin(), paths.end());
  std::lock_guard lk(mu_);
  for (auto it = entries_.begin(); it != entries_.end();)
    it = keep.count(it->first) ? std::next(it) : entries_.erase(it);
}

std::uint64_t ImageInfoCache::hits() const {
  std::lock_guard lk(mu_);
  return hits_;
}

}  // namespace stratus::storage
