// The service node's default database: SQLite, an embedded file under its
// --root (WAL so readers never wait for the writer). SqlDb over SQLite's C
// API: prepared statements with bound values, rows read by column,
// transactions that roll back unless committed. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/sql_db.h"
#include "util/error.h"

struct sqlite3;

namespace stratus::cloud {

class SqliteDb final : public SqlDb {
 public:
  // Opens (creating) the database file; ":memory:" for tests. WAL, foreign
  // keys on, a busy timeout so a second process waits instead of failing.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path);
  ~SqliteDb() override;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status exec(std::string_view sql, const std::vector<SqlValue>& args = {}) override;
  Status query(std::string_view sql, const std::vector<SqlValue>& args,
               const std::function<bool(const SqlRow&)>& onRow) override;
  std::int64_t changes() const override;

  // One IMMEDIATE transaction: SQLite's write lock taken up front, so two
  // writers (threads or processes) never deadlock half-way and never both
  // read the same state before writing.
  Status transaction(const std::function<Status()>& body) override;

  const std::string& name() const override { return path_; }
  SqlEngine engine() const override { return SqlEngine::SQLite; }
  const std::string& path() const { return path_; }

 protected:
  Status execScript(const std::string& sql) override;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Error sqlError(std::string_view sql, std::string_view what) const;
  sqlite3* db_;
  std::string path_;
  // One connection serves many threads: a transaction holds this for its
  // whole body, so another thread's statement never lands inside it.
  std::recursive_mutex mu_;
  int txDepth_ = 0;
};

}  // namespace stratus::cloud
