#include "cloud/image_repository.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <optional>

#include "storage/command.h"
#include "storage/qemu_img.h"
#include "util/random.h"

namespace stratus::cloud {

namespace fs = std::filesystem;

namespace {

Status checkImageName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 && name.front() != '.' &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
            });
  if (!ok)
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: image name '" + name + "' must be 1-128 letters, digits or ._- characters");
  return okStatus();
}

constexpr const char* kColumns = "id, name, COALESCE(owner_id, 0), path, format, size_bytes, created";

Image imageFrom(const SqlRow& r) {
  Image i;
  i.id = r.integer(0);
  i.name = r.text(1);
  i.ownerId = r.integer(2);
  i.path = r.text(3);
  i.format = r.text(4);
  i.sizeBytes = r.integer(5);
  i.created = r.integer(6);
  return i;
}

// A user's images, the new one included, stay within their storage quota.
Status checkStorageQuota(SqlDb& db, std::int64_t owner, std::int64_t adding) {
  std::string name;
  std::int64_t maxMiB = 0, used = 0;
  STRATUS_TRY(db.query("SELECT name, max_storage_mib FROM users WHERE id = ?", {owner}, [&](const SqlRow& r) {
    name = r.text(0);
    maxMiB = r.integer(1);
    return false;
  }));
  STRATUS_TRY(db.query("SELECT COALESCE(SUM(size_bytes), 0) FROM images WHERE owner_id = ?", {owner},
                       [&](const SqlRow& r) {
                         used = r.integer(0);
                         return false;
                       }));
  constexpr std::int64_t MiB = 1 << 20;
  if (used + adding > maxMiB * MiB)
    return Error(ErrorCode::OperationInvalid, "quota exceeded: user '" + name + "' would store " +
                                                  std::to_string((used + adding + MiB - 1) / MiB) +
                                                  " MiB of images, more than their quota of " +
                                                  std::to_string(maxMiB) + " MiB");
  return okStatus();
}

SqlValue ownerValue(std::int64_t owner) { return owner ? SqlValue(owner) : SqlValue(nullptr); }

}  // namespace

std::string ImageRepository::pathFor(std::int64_t owner, const std::string& name) const {
  return dir_ + (owner ? "/users/" + std::to_string(owner) : std::string("/common")) + "/" + name;
}

Result<Image> ImageRepository::add(std::int64_t owner, const std::string& name, const std::string& file) {
  return addWith(owner, name, [&file](const std::string& path) -> Status {
    std::error_code ec;
    fs::copy_file(file, path, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot copy " + file + " into the image store: " + ec.message());
    return okStatus();
  });
}

Result<Image> ImageRepository::addWith(std::int64_t owner, const std::string& name,
                                       const std::function<Status(const std::string& path)>& fill) {
  STRATUS_TRY(checkImageName(name));
  // Said before the bytes move (an upload may be large); the table's unique
  // index still decides a race between two.
  bool taken = false;
  STRATUS_TRY(store_.db().query("SELECT 1 FROM images WHERE name = ? AND COALESCE(owner_id, 0) = ?", {name, owner},
                                [&](const SqlRow&) {
                                  taken = true;
                                  return false;
                                }));
  if (taken) return Error(ErrorCode::DomainExists, "operation failed: image '" + name + "' already exists");
  std::string target = pathFor(owner, name);
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec) return Error(ErrorCode::SystemError, "cannot create " + fs::path(target).parent_path().string() + ": " + ec.message());
  // A partial file never carries the image's name, and never outlives a failure.
  std::string tmp = target + ".part-" + randomHex(4);
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ignored;
      if (!path.empty()) fs::remove(path, ignored);
    }
  } cleanup{tmp};
  STRATUS_TRY(fill(tmp));
  auto info = storage::runCommand({"qemu-img", "info", "--output=json", tmp});
  if (!info) return Error(ErrorCode::InvalidArgument, "cannot read image '" + name + "': " + info.error().message);
  auto parsed = storage::parseImageInfoJson(info->out, name);
  if (!parsed) return std::move(parsed).error();
  if (parsed->format != "raw" && parsed->format != "qcow2")
    return Error(ErrorCode::Unsupported, "unsupported configuration: image '" + name + "' is " + parsed->format +
                                             "; images are raw or qcow2");
  if (!parsed->backingFile.empty())
    return Error(ErrorCode::Unsupported, "unsupported configuration: image '" + name + "' has a backing file (" +
                                             parsed->backingFile + "); upload a standalone image");
  Image img;
  img.name = name;
  img.ownerId = owner;
  img.path = target;
  img.format = parsed->format;
  img.sizeBytes = static_cast<std::int64_t>(fs::file_size(tmp, ec));
  img.created = static_cast<std::int64_t>(std::time(nullptr));
  Status s = store_.db().transaction([&]() -> Status {
    if (owner) STRATUS_TRY(checkStorageQuota(store_.db(), owner, img.sizeBytes));
    STRATUS_TRY(store_.db().query("INSERT INTO images (name, owner_id, path, format, size_bytes, created) "
                                  "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                  {name, ownerValue(owner), target, img.format, img.sizeBytes, img.created},
                                  [&](const SqlRow& r) {
                                    img.id = r.integer(0);
                                    return false;
                                  }));
    fs::rename(tmp, target, ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot store image " + target + ": " + ec.message());
    return okStatus();
  });
  if (!s) {
    if (s.error().code == ErrorCode::DomainExists)  // the unique index on the name
      return Error(ErrorCode::DomainExists, "operation failed: image '" + name + "' already exists");
    return std::move(s).error();
  }
  cleanup.path.clear();
  return img;
}

Result<Image> ImageRepository::find(std::int64_t user, const std::string& name) {
  std::optional<Image> found;
  STRATUS_TRY(store_.db().query(std::string("SELECT ") + kColumns +
                                    " FROM images WHERE name = ? AND (owner_id IS NULL OR owner_id = ?) "
                                    "ORDER BY owner_id IS NULL LIMIT 1",
                                {name, user}, [&](const SqlRow& r) {
                                  found = imageFrom(r);
                                  return false;
                                }));
  if (!found) return Error(ErrorCode::InvalidArgument, "no image named '" + name + "'");
  return *found;
}

Result<std::vector<Image>> ImageRepository::list(std::int64_t user) {
  std::vector<Image> out;
  STRATUS_TRY(store_.db().query(std::string("SELECT ") + kColumns +
                                    " FROM images WHERE owner_id IS NULL OR owner_id = ? ORDER BY name, owner_id IS NULL",
                                {user}, [&](const SqlRow& r) {
                                  out.push_back(imageFrom(r));
                                  return true;
                                }));
  return out;
}

Status ImageRepository::remove(std::int64_t owner, const std::string& name) {
  std::string path;
  Status s = store_.db().transaction([&]() -> Status {
    STRATUS_TRY(store_.db().query("SELECT path FROM images WHERE name = ? AND owner_id IS NOT DISTINCT FROM ?", {name, ownerValue(owner)},
                                  [&](const SqlRow& r) {
                                    path = r.text(0);
                                    return false;
                                  }));
    if (path.empty()) return Error(ErrorCode::InvalidArgument, "no image named '" + name + "' of yours");
    return store_.db().exec("DELETE FROM images WHERE name = ? AND owner_id IS NOT DISTINCT FROM ?", {name, ownerValue(owner)});
  });
  if (!s) return s;
  std::error_code ec;
  fs::remove(path, ec);
  return okStatus();
}

}  // namespace stratus::cloud
