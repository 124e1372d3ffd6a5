// ListObjects' pages straight from the keys' index (S3Store::listPage):
// each query seeks to where the page goes on (after the last key, or past a
// whole common prefix) and reads only as many rows as the page still needs,
// so a page costs the same in a bucket of ten keys or of millions.
#include <algorithm>

#include "cloud/s3/s3_key_order.h"
#include "cloud/s3/s3_store.h"

namespace stratus::cloud::s3 {

namespace {

constexpr const char* kListSelect =
    "SELECT bucket, object_key, file, size_bytes, etag, content_type, metadata, owner_id, modified FROM s3_objects "
    "WHERE bucket = ? AND object_key ";
// Rows a query reads where a common prefix may end it after the first one;
// grows while rows turn out to be keys of their own.
constexpr int kFirstBatch = 16;

}  // namespace

Result<ListResult> S3Store::listPage(const std::string& bucket, const ListRequest& r) {
  ListResult out;
  if (r.maxKeys <= 0) return out;  // max-keys=0 asks for nothing, not for an endless walk
  // Where the page starts: just after `after`, or at the prefix when that
  // comes later; where the prefix's keys end.
  bool inclusive = r.after.empty() || r.after < r.prefix;
  std::string from = inclusive ? r.prefix : r.after;
  std::optional<std::string> to = keySuccessor(r.prefix);
  int count = 0;
  int batch = r.delimiter.empty() ? r.maxKeys + 1 : std::min(r.maxKeys + 1, kFirstBatch);
  for (;;) {
    const int want = std::min(batch, r.maxKeys - count + 1);
    std::string sql = std::string(kListSelect) + (inclusive ? ">= ?" : "> ?") + (to ? " AND object_key < ?" : "") +
                      " ORDER BY object_key LIMIT ?";
    std::vector<SqlValue> args = {bucket, from};
    if (to) args.push_back(*to);
    args.push_back(static_cast<std::int64_t>(want));
    int rows = 0;
    bool done = false;                // the page is full (and truncated) or has ended
    std::optional<std::string> jump;  // the next query starts here, past a common prefix
    bool jumped = false;
    STRATUS_TRY(db_.query(sql, args, [&](const SqlRow& row) {
      ++rows;
      std::string key = row.text(1);
      from = key;
      inclusive = false;
      // Only a key that is not UTF-8 (SQLite keeps any bytes) can sort
      // inside the range without the prefix.
      if (key.compare(0, r.prefix.size(), r.prefix) != 0) return true;
      std::string cp;
      if (!r.delimiter.empty()) {
        auto d = key.find(r.delimiter, r.prefix.size());
        if (d != std::string::npos) cp = key.substr(0, d + r.delimiter.size());
      }
      if (!cp.empty()) {
        // A page that resumes inside a common prefix (the last page ended
        // on it) skips it whole, as S3's NextMarker does.
        bool resumed = !r.after.empty() && r.after.compare(0, cp.size(), cp) == 0;
        if (!resumed) {
          if (count == r.maxKeys) {
            out.truncated = true;
            done = true;
            return false;
          }
          out.commonPrefixes.push_back(cp);
          out.lastItem = cp;
          ++count;
        }
        jump = keySuccessor(cp);
        jumped = true;
        return false;
      }
      if (count == r.maxKeys) {
        out.truncated = true;
        done = true;
        return false;
      }
      out.contents.push_back(ObjectInfo{row.text(0), std::move(key), row.text(2), row.integer(3), row.text(4),
                                        row.text(5), row.text(6), row.integer(7), row.integer(8)});
      out.lastItem = out.contents.back().key;
      ++count;
      return true;
    }));
    if (done) return out;
    if (jumped) {
      if (!jump || (to && *jump >= *to)) return out;  // nothing sorts after the common prefix
      from = *jump;
      inclusive = true;
      batch = std::min(r.maxKeys + 1, kFirstBatch);
      continue;
    }
    if (rows < want) return out;  // the keys ran out
    batch = std::min(r.maxKeys + 1, batch * 4);
  }
}

}  // namespace stratus::cloud::s3
