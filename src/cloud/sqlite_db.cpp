#include "cloud/sqlite_db.h"

#include <sqlite3.h>

namespace stratus::cloud {

namespace {

// The statement as errors name it: its first line, shortened.
std::string head(std::string_view sql) {
  std::string s(sql.substr(0, sql.find('\n')));
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

}  // namespace

std::int64_t SqlRow::integer(int col) const { return sqlite3_column_int64(st_, col); }
double SqlRow::real(int col) const { return sqlite3_column_double(st_, col); }
bool SqlRow::isNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
std::string SqlRow::text(int col) const {
  auto* p = sqlite3_column_text(st_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error(ErrorCode::SystemError, "cannot open database " + path + ": " + msg);
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db, path));
  sqlite3_busy_timeout(db, 10000);
  if (path != ":memory:") STRATUS_TRY(out->exec("PRAGMA journal_mode=WAL"));
  STRATUS_TRY(out->exec("PRAGMA foreign_keys=ON"));
  STRATUS_TRY(out->exec("PRAGMA synchronous=NORMAL"));
  return out;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Error SqliteDb::sqlError(std::string_view sql, std::string_view what) const {
  return Error(ErrorCode::OperationFailed,
               "database " + path_ + ": " + std::string(what) + " '" + head(sql) + "': " + sqlite3_errmsg(db_));
}

Status SqliteDb::query(std::string_view sql, const std::vector<SqlValue>& args,
                       const std::function<bool(const SqlRow&)>& onRow) {
  std::lock_guard lk(mu_);
  Stmt s;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s.st, nullptr) != SQLITE_OK)
    return sqlError(sql, "cannot prepare");
  if (static_cast<int>(args.size()) != sqlite3_bind_parameter_count(s.st))
    return Error(ErrorCode::InternalError, "database: '" + head(sql) + "' takes " +
                                               std::to_string(sqlite3_bind_parameter_count(s.st)) + " values, got " +
                                               std::to_string(args.size()));
  for (std::size_t i = 0; i < args.size(); ++i) {
    int idx = static_cast<int>(i) + 1, rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(args[i]))
      rc = sqlite3_bind_null(s.st, idx);
    else if (auto* v = std::get_if<std::int64_t>(&args[i]))
      rc = sqlite3_bind_int64(s.st, idx, *v);
    else if (auto* d = std::get_if<double>(&args[i]))
      rc = sqlite3_bind_double(s.st, idx, *d);
    else {
      const auto& t = std::get<std::string>(args[i]);
      rc = sqlite3_bind_text(s.st, idx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return sqlError(sql, "cannot bind a value of");
  }
  for (;;) {
    int rc = sqlite3_step(s.st);
    if (rc == SQLITE_DONE) return okStatus();
    if (rc != SQLITE_ROW) return sqlError(sql, "cannot run");
    if (onRow && !onRow(SqlRow(s.st))) return okStatus();
  }
}

Status SqliteDb::exec(std::string_view sql, const std::vector<SqlValue>& args) { return query(sql, args, nullptr); }

std::int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }
std::int64_t SqliteDb::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }

Status SqliteDb::execScript(const std::string& sql) {
  std::lock_guard lk(mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Error(ErrorCode::OperationFailed, "database " + path_ + ": '" + head(sql) + "': " + m);
  }
  return okStatus();
}

Status SqliteDb::transaction(const std::function<Status()>& body) {
  std::lock_guard lk(mu_);
  // Nested calls join the outer transaction.
  if (txDepth_ > 0) return body();
  STRATUS_TRY(exec("BEGIN IMMEDIATE"));
  ++txDepth_;
  Status s = body();
  --txDepth_;
  if (!s) {
    (void)exec("ROLLBACK");
    return s;
  }
  if (auto c = exec("COMMIT"); !c) {
    (void)exec("ROLLBACK");
    return c;
  }
  return okStatus();
}

Result<int> SqliteDb::schemaVersion() {
  STRATUS_TRY(exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  int v = 0;
  STRATUS_TRY(query("SELECT COALESCE(MAX(version), 0) FROM schema_version", {}, [&](const SqlRow& r) {
    v = static_cast<int>(r.integer(0));
    return false;
  }));
  return v;
}

Status SqliteDb::migrate(const std::vector<Migration>& migrations) {
  auto current = schemaVersion();
  if (!current) return std::move(current).error();
  int newest = 0;
  for (const auto& m : migrations) newest = std::max(newest, m.version);
  if (*current > newest)
    return Error(ErrorCode::OperationInvalid, "database " + path_ + " has schema version " + std::to_string(*current) +
                                                  ", newer than this program knows (" + std::to_string(newest) +
                                                  "); use a newer stratus-cloud");
  for (const auto& m : migrations) {
    if (m.version <= *current) continue;
    STRATUS_TRY(transaction([&]() -> Status {
      STRATUS_TRY(execScript(m.sql));
      return exec("INSERT INTO schema_version (version) VALUES (?)", {std::int64_t{m.version}});
    }));
  }
  return okStatus();
}

}  // namespace stratus::cloud
