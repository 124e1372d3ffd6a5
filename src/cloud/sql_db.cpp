#include "cloud/sql_db.h"

#include <algorithm>

#include "cloud/pg_db.h"
#include "cloud/sqlite_db.h"

namespace stratus::cloud {

std::string sqlHead(std::string_view sql) {
  std::string s(sql.substr(0, sql.find('\n')));
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

bool isPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<SqlDb>> openSqlDb(const std::string& url) {
  if (isPostgresUrl(url)) {
    auto db = PgDb::open(url);
    if (!db) return std::move(db).error();
    return std::unique_ptr<SqlDb>(std::move(*db));
  }
  auto db = SqliteDb::open(url);
  if (!db) return std::move(db).error();
  return std::unique_ptr<SqlDb>(std::move(*db));
}

Result<int> SqlDb::schemaVersion() {
  int v = 0;
  // In a transaction: two processes starting at once on a new PostgreSQL
  // database would otherwise both try to create the table.
  STRATUS_TRY(transaction([&]() -> Status {
    STRATUS_TRY(execScript("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    return query("SELECT COALESCE(MAX(version), 0) FROM schema_version", {}, [&](const SqlRow& r) {
      v = static_cast<int>(r.integer(0));
      return false;
    });
  }));
  return v;
}

Status SqlDb::migrate(const std::vector<Migration>& migrations) {
  auto current = schemaVersion();
  if (!current) return std::move(current).error();
  int newest = 0;
  for (const auto& m : migrations) newest = std::max(newest, m.version);
  if (*current > newest)
    return Error(ErrorCode::OperationInvalid, "database " + name() + " has schema version " + std::to_string(*current) +
                                                  ", newer than this program knows (" + std::to_string(newest) +
                                                  "); use a newer stratus-cloud");
  for (const auto& m : migrations) {
    if (m.version <= *current) continue;
    STRATUS_TRY(transaction([&]() -> Status {
      // Read again under the write lock: another process may have applied
      // it since.
      auto now = schemaVersion();
      if (!now) return std::move(now).error();
      if (m.version <= *now) return okStatus();
      const std::string& script = engine() == SqlEngine::PostgreSQL && !m.postgresSql.empty() ? m.postgresSql : m.sql;
      if (!script.empty()) STRATUS_TRY(execScript(script));
      return exec("INSERT INTO schema_version (version) VALUES (?)", {std::int64_t{m.version}});
    }));
  }
  return okStatus();
}

}  // namespace stratus::cloud
