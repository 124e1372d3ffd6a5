// The service node's database seen by the store: one small interface that
// SQLite (sqlite_db.h, the embedded default) and PostgreSQL (pg_db.h, an
// option for several service processes on one database) both implement, so
// the store's code and SQL are written once. The SQL is SQLite's dialect
// limited to what PostgreSQL also takes: ?-placeholders, `INSERT ...
// RETURNING id` for new keys (no last-insert-id call), `IS NOT DISTINCT
// FROM` for NULL-safe comparison. The PostgreSQL side turns placeholders into
// $n and, in migrations only, SQLite's column types into its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/error.h"

namespace stratus::cloud {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

// One result row, valid only inside the query's callback. A NULL reads as
// 0 or "".
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual std::int64_t integer(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual bool isNull(int col) const = 0;
};

enum class SqlEngine { SQLite, PostgreSQL };

// One schema step: version N runs `sql` (several statements allowed).
// `postgresSql`, when not empty, is what PostgreSQL runs instead: for the
// rare step only one engine needs and the shared dialect cannot say (an
// empty `sql` is then a step SQLite skips; the version is recorded anyway).
struct Migration {
  int version;
  std::string sql;
  std::string postgresSql = {};
};

class SqlDb {
 public:
  virtual ~SqlDb() = default;

  // Statements with ?-placeholders bound to `args` in order. Errors name
  // the statement's first words and the engine's message; a row that a
  // UNIQUE constraint refuses is ErrorCode::DomainExists on both engines.
  virtual Status exec(std::string_view sql, const std::vector<SqlValue>& args = {}) = 0;
  // Calls onRow for each result row; stop early by returning false.
  virtual Status query(std::string_view sql, const std::vector<SqlValue>& args,
                       const std::function<bool(const SqlRow&)>& onRow) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  virtual std::int64_t changes() const = 0;

  // Runs `body` in one write transaction that excludes every other writer
  // of the database, from this process or another, for its whole length:
  // committed when body succeeds, rolled back when it fails (its error is
  // the result). Nested calls join the outer transaction. This is what
  // keeps "two concurrent placements never overcommit a node" true.
  virtual Status transaction(const std::function<Status()>& body) = 0;

  // Applies the migrations newer than the database's version, in order,
  // each in its own transaction, recorded in `schema_version`. A database
  // newer than the program is refused (it would be misread).
  Status migrate(const std::vector<Migration>& migrations);
  Result<int> schemaVersion();

  virtual SqlEngine engine() const = 0;

  // What errors and logs call the database: a file path, or the URL with
  // its password left out.
  virtual const std::string& name() const = 0;

 protected:
  // Several statements without placeholders: a migration's script.
  virtual Status execScript(const std::string& sql) = 0;
};

// The statement as errors name it: its first line, shortened.
std::string sqlHead(std::string_view sql);

// "postgresql://..." or "postgres://..." (libpq's URL form).
bool isPostgresUrl(std::string_view url);

// A PostgreSQL URL opens a PgDb; anything else is an SQLite file path
// (":memory:" for a private in-memory database).
Result<std::unique_ptr<SqlDb>> openSqlDb(const std::string& url);

}  // namespace stratus::cloud
