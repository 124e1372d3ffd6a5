// The service node's state lives in SQLite (an embedded file under its
// --root; WAL so readers never wait for the writer). This is the small
// typed layer over SQLite's C API that the store uses: prepared
// statements with bound values, rows read by column, transactions that roll
// back unless committed, and schema migrations applied in order, each in
// its own transaction, recorded in `schema_version`. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stratus::cloud {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class SqlRow {
 public:
  explicit SqlRow(sqlite3_stmt* st) : st_(st) {}
  std::int64_t integer(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  bool isNull(int col) const;

 private:
  sqlite3_stmt* st_;
};

// One schema step: version N runs `sql` (several statements allowed).
struct Migration {
  int version;
  std::string sql;
};

class SqliteDb {
 public:
  // Opens (creating) the database file; ":memory:" for tests. WAL, foreign
  // keys on, a busy timeout so a second process waits instead of failing.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Statements with ?-placeholders bound to `args` in order. Errors name
  // the statement's first words and SQLite's message.
  Status exec(std::string_view sql, const std::vector<SqlValue>& args = {});
  // Calls onRow for each result row; stop early by returning false.
  Status query(std::string_view sql, const std::vector<SqlValue>& args, const std::function<bool(const SqlRow&)>& onRow);
  // Rows changed by the last exec.
  std::int64_t changes() const;
  std::int64_t lastInsertId() const;

  // Runs `body` in one IMMEDIATE transaction (the write lock taken up front,
  // so two writers never deadlock half-way): committed when body succeeds,
  // rolled back when it fails (its error is the result).
  Status transaction(const std::function<Status()>& body);

  // Applies the migrations newer than the database's version, in order.
  // A database newer than the program is refused (it would be misread).
  Status migrate(const std::vector<Migration>& migrations);
  Result<int> schemaVersion();

  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Error sqlError(std::string_view sql, std::string_view what) const;
  Status execScript(const std::string& sql);
  sqlite3* db_;
  std::string path_;
  // One connection serves many threads: a transaction holds this for its
  // whole body, so another thread's statement never lands inside it.
  std::recursive_mutex mu_;
  int txDepth_ = 0;
};

}  // namespace stratus::cloud
