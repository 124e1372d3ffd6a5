// The service node's database on PostgreSQL (`--db postgresql://...`): the
// option for a database that outlives the service's host or that several
// service processes share. SqlDb over libpq: the store's SQL is SQLite's
// dialect, so ?-placeholders become $n here, and migrations' SQLite column
// types become PostgreSQL's (pgDdl). One connection serves the process's
// threads, as SqliteDb does; a lost connection is reconnected on the next
// statement (the failed one is reported as an error). The URL's password
// never appears in an error message or a log line.
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

struct pg_conn;

namespace stratus::cloud {

class PgDb final : public SqlDb {
 public:
  // Connects to the URL (libpq's form: postgresql://USER[:PASSWORD]@HOST
  // [:PORT]/DBNAME[?PARAM=VALUE...]). A connect_timeout of 10 s is added
  // when the URL has none, so an unreachable server is an error, not a hang.
  static Result<std::unique_ptr<PgDb>> open(const std::string& url);
  ~PgDb() override;
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  Status exec(std::string_view sql, const std::vector<SqlValue>& args = {}) override;
  Status query(std::string_view sql, const std::vector<SqlValue>& args,
               const std::function<bool(const SqlRow&)>& onRow) override;
  std::int64_t changes() const override { return changes_; }
  Status transaction(const std::function<Status()>& body) override;
  const std::string& name() const override { return name_; }
  SqlEngine engine() const override { return SqlEngine::PostgreSQL; }

 protected:
  Status execScript(const std::string& sql) override;

 private:
  PgDb(pg_conn* conn, std::string name, std::vector<std::string> secrets)
      : conn_(conn), name_(std::move(name)), secrets_(std::move(secrets)) {}
  Status connected();
  Status commit();
  Error pgError(std::string_view sql, std::string_view what, std::string message) const;
  std::string scrub(std::string message) const;

  pg_conn* conn_;
  std::string name_;                  // the URL without its password
  std::vector<std::string> secrets_;  // what scrub() takes out of messages
  std::recursive_mutex mu_;           // as SqliteDb: a transaction owns the connection
  int txDepth_ = 0;
  bool txBroken_ = false;             // the connection died inside the open transaction
  std::int64_t changes_ = 0;
};

// Exposed for tests.
// The URL with its password (user info or ?password=) replaced by ***.
std::string redactDbUrl(std::string_view url);
// ?-placeholders outside quotes and comments become $1, $2, ...; `count`
// receives how many there were.
std::string pgPlaceholders(std::string_view sql, int* count);
// A migration's SQLite column types in PostgreSQL's words: INTEGER PRIMARY
// KEY (SQLite's rowid alias) an identity column, INTEGER BIGINT (sizes in
// bytes overflow int4), REAL DOUBLE PRECISION (PostgreSQL's REAL is 4
// bytes), BLOB BYTEA. Quoted text is left alone.
std::string pgDdl(std::string_view sql);

}  // namespace stratus::cloud
