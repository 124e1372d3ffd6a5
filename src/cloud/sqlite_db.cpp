#include "cloud/sqlite_db.h"

#include <sqlite3.h>

namespace stratus::cloud {

namespace {

struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* st) : st_(st) {}
  std::int64_t integer(int col) const override { return sqlite3_column_int64(st_, col); }
  double real(int col) const override { return sqlite3_column_double(st_, col); }
  bool isNull(int col) const override { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string text(int col) const override {
    auto* p = sqlite3_column_text(st_, col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
  }

 private:
  sqlite3_stmt* st_;
};

}  // namespace

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
  int ext = sqlite3_extended_errcode(db_);
  bool unique = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
  return Error(unique ? ErrorCode::DomainExists : ErrorCode::OperationFailed,
               "database " + path_ + ": " + std::string(what) + " '" + sqlHead(sql) + "': " + sqlite3_errmsg(db_));
}

Status SqliteDb::query(std::string_view sql, const std::vector<SqlValue>& args,
                       const std::function<bool(const SqlRow&)>& onRow) {
  std::lock_guard lk(mu_);
  Stmt s;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s.st, nullptr) != SQLITE_OK)
    return sqlError(sql, "cannot prepare");
  if (static_cast<int>(args.size()) != sqlite3_bind_parameter_count(s.st))
    return Error(ErrorCode::InternalError, "database: '" + sqlHead(sql) + "' takes " +
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
    if (onRow && !onRow(SqliteRow(s.st))) return okStatus();
  }
}

Status SqliteDb::exec(std::string_view sql, const std::vector<SqlValue>& args) { return query(sql, args, nullptr); }

std::int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }

Status SqliteDb::execScript(const std::string& sql) {
  std::lock_guard lk(mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Error(ErrorCode::OperationFailed, "database " + path_ + ": '" + sqlHead(sql) + "': " + m);
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

}  // namespace stratus::cloud
