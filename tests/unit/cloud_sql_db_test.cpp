// The service node's database layer on both engines (cloud_test_db.h):
// values round-trip (also sizes past 32 bits), new keys come back from
// INSERT ... RETURNING, transactions roll back on failure, migrations run
// once, in order, also when two processes start at once, a newer database
// is refused, state survives reopening. PostgreSQL only: a lost connection
// fails one statement and is made again, the URL's password never shows.
// No server: the SQL rewriting PgDb does.
#include <gtest/gtest.h>

#include <thread>

#include "cloud/pg_db.h"
#include "cloud/sql_db.h"
#include "cloud_test_db.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

const std::vector<Migration> kSchema = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, hours REAL, size INTEGER, note TEXT);"},
    {2, "ALTER TABLE t ADD COLUMN extra INTEGER DEFAULT 7;"},
};

std::unique_ptr<SqlDb> openAt(const std::string& url) {
  auto db = openSqlDb(url);
  EXPECT_TRUE(db.ok()) << db.error().describe();
  return db ? std::move(db).value() : nullptr;
}

std::int64_t count(SqlDb& db, const std::string& sql) {
  std::int64_t n = -1;
  EXPECT_TRUE(db.query(sql, {}, [&](const SqlRow& r) {
                  n = r.integer(0);
                  return false;
                }).ok());
  return n;
}

class SqlDbTest : public stratus::testing::CloudDbTest {};
STRATUS_DB_ENGINES(SqlDbTest);

// The PostgreSQL half only.
class PgDbTest : public stratus::testing::CloudDbTest {};
INSTANTIATE_TEST_SUITE_P(Db, PgDbTest, ::testing::Values(stratus::testing::DbEngine::PostgreSQL),
                         stratus::testing::dbEngineName);

}  // namespace

TEST_P(SqlDbTest, ValuesRoundTripAndMigrationsRunOnce) {
  constexpr std::int64_t kBig = 5'000'000'000'000;  // bytes: past int4
  {
    auto db = openAt(url());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->migrate(kSchema).ok());
    EXPECT_EQ(*db->schemaVersion(), 2);
    std::int64_t id = 0;
    ASSERT_TRUE(db->query("INSERT INTO t (name, hours, size, note) VALUES (?, ?, ?, ?) RETURNING id",
                          {std::string("a'b\"c ünï ?"), 0.01, kBig, nullptr},
                          [&](const SqlRow& r) {
                            id = r.integer(0);
                            return false;
                          })
                    .ok());
    EXPECT_EQ(id, 1);
    EXPECT_EQ(db->changes(), 1);
    ASSERT_TRUE(db->exec("UPDATE t SET extra = ? WHERE id = ? OR name = '?'", {std::int64_t{8}, id}).ok());
    EXPECT_EQ(db->changes(), 1);
  }
  auto db = openAt(url());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate(kSchema).ok());  // nothing to do: no "duplicate column"
  int rows = 0;
  ASSERT_TRUE(db->query("SELECT name, hours, note, extra, size FROM t WHERE note IS NOT DISTINCT FROM ?", {nullptr},
                        [&](const SqlRow& r) {
                          EXPECT_EQ(r.text(0), "a'b\"c ünï ?");
                          EXPECT_DOUBLE_EQ(r.real(1), 0.01);
                          EXPECT_TRUE(r.isNull(2));
                          EXPECT_EQ(r.text(2), "");
                          EXPECT_EQ(r.integer(3), 8);
                          EXPECT_EQ(r.integer(4), kBig);
                          ++rows;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(rows, 1);
}

TEST_P(SqlDbTest, AFailedTransactionLeavesNothing) {
  auto db = openAt(url());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate(kSchema).ok());
  auto s = db->transaction([&]() -> Status {
    STRATUS_TRY(db->exec("INSERT INTO t (name) VALUES (?)", {std::string("x")}));
    return db->exec("INSERT INTO t (name) VALUES (?)", {std::string("x")});  // UNIQUE fails
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::DomainExists) << s.error().describe();
  EXPECT_NE(s.error().message.find(postgres() ? "duplicate key value violates unique constraint \"t_name_key\""
                                              : "UNIQUE constraint failed: t.name"),
            std::string::npos)
      << s.error().message;
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 0);
  // A body that swallows a failed statement does not commit the rest.
  auto swallowed = db->transaction([&]() -> Status {
    STRATUS_TRY(db->exec("INSERT INTO t (name) VALUES (?)", {std::string("y")}));
    (void)db->exec("SELEKT");
    return okStatus();
  });
  if (postgres()) {
    // PostgreSQL aborts the whole transaction at the failed statement.
    EXPECT_FALSE(swallowed.ok());
    EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 0);
  } else {
    // SQLite keeps the statements before it: the body's choice.
    EXPECT_TRUE(swallowed.ok());
    EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 1);
  }
}

TEST_P(SqlDbTest, ErrorsNameTheStatementAndANewerSchemaIsRefused) {
  auto db = openAt(url());
  ASSERT_TRUE(db);
  auto bad = db->exec("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  if (postgres())
    EXPECT_EQ(bad.error().message,
              "database " + redactDbUrl(url()) + ": cannot run 'SELEKT 1': syntax error at or near \"SELEKT\"");
  else
    EXPECT_EQ(bad.error().message, "database " + url() + ": cannot prepare 'SELEKT 1': near \"SELEKT\": syntax error");
  auto args = db->exec("SELECT ?", {});
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.error().code, ErrorCode::InternalError);
  ASSERT_TRUE(db->migrate(kSchema).ok());
  auto older = db->migrate({kSchema[0]});
  ASSERT_FALSE(older.ok());
  EXPECT_NE(older.error().message.find("newer than this program knows"), std::string::npos);
  // A failing migration leaves nothing and is not recorded: the next start
  // tries again.
  auto broken = db->migrate({kSchema[0], kSchema[1], {3, "CREATE TABLE u (x INTEGER); SELEKT;"}});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(*db->schemaVersion(), 2);
  EXPECT_FALSE(db->exec("SELECT COUNT(*) FROM u").ok());
  ASSERT_TRUE(db->exec("SELECT COUNT(*) FROM t").ok());
}

TEST_P(SqlDbTest, TwoProcessesStartingAtOnceMigrateOnce) {
  std::vector<std::unique_ptr<SqlDb>> dbs;
  for (int i = 0; i < 4; ++i) {
    dbs.push_back(openAt(url()));
    ASSERT_TRUE(dbs.back());
  }
  std::vector<Status> results(dbs.size(), okStatus());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < dbs.size(); ++i) threads.emplace_back([&, i] { results[i] = dbs[i]->migrate(kSchema); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(count(*dbs[0], "SELECT COUNT(*) FROM schema_version"), 2);
}

TEST_P(PgDbTest, ALostConnectionFailsOneStatementThenComesBack) {
  auto db = openAt(url());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate(kSchema).ok());
  auto killBackend = [&] {
    std::int64_t pid = count(*db, "SELECT pg_backend_pid()");
    ASSERT_GT(pid, 0);
    // Waits (up to 10 s) until the backend is gone.
    ASSERT_TRUE(pg_->admin("SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)", {pid}).ok());
  };
  killBackend();
  auto lost = db->exec("INSERT INTO t (name) VALUES ('lost')");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::OperationFailed);
  EXPECT_NE(lost.error().message.find("database " + redactDbUrl(url()) + ": cannot run 'INSERT INTO t"),
            std::string::npos)
      << lost.error().message;
  ASSERT_TRUE(db->exec("INSERT INTO t (name) VALUES ('after')").ok());
  // Inside a transaction: that transaction fails as a whole (its first
  // statements died with the connection); the next one works.
  auto tx = db->transaction([&]() -> Status {
    STRATUS_TRY(db->exec("INSERT INTO t (name) VALUES ('in-1')"));
    killBackend();
    STRATUS_TRY(db->exec("INSERT INTO t (name) VALUES ('in-2')"));
    return db->exec("INSERT INTO t (name) VALUES ('in-3')");
  });
  ASSERT_FALSE(tx.ok());
  EXPECT_TRUE(db->transaction([&] { return db->exec("INSERT INTO t (name) VALUES ('next')"); }).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 2);  // after, next
}

TEST_P(PgDbTest, ThePasswordNeverShows) {
  const std::string& pw = pg_->password();
  std::string url = pg_->url("postgres");
  std::string redacted = redactDbUrl(url);
  EXPECT_EQ(redacted, "postgresql://stratus:***@127.0.0.1:" + std::to_string(pg_->port()) + "/postgres");
  std::string wrong = "postgresql://stratus:Wr0ng-S3cret@127.0.0.1:" + std::to_string(pg_->port()) + "/postgres";
  auto refused = openSqlDb(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.find("Wr0ng-S3cret"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("password authentication failed"), std::string::npos)
      << refused.error().message;
  auto inQuery = openSqlDb("postgresql://stratus@127.0.0.1:" + std::to_string(pg_->port()) +
                           "/nosuchdb?password=Wr0ng-S3cret");
  ASSERT_FALSE(inQuery.ok());
  EXPECT_EQ(inQuery.error().message.find("Wr0ng-S3cret"), std::string::npos) << inQuery.error().message;
  auto db = openAt(url);
  ASSERT_TRUE(db);
  auto bad = db->exec("SELECT no_such_column");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find(pw), std::string::npos);
  EXPECT_NE(bad.error().message.find(redacted), std::string::npos) << bad.error().message;
}

TEST(PgSql, PlaceholdersBecomeNumberedOutsideQuotesAndComments) {
  int n = 0;
  EXPECT_EQ(pgPlaceholders("SELECT '?', \"a?\" FROM t WHERE x = ? -- ?\nAND y = ? /* ? */ AND z = 'it''s ?' || ?", &n),
            "SELECT '?', \"a?\" FROM t WHERE x = $1 -- ?\nAND y = $2 /* ? */ AND z = 'it''s ?' || $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(pgPlaceholders("SELECT 1", &n), "SELECT 1");
  EXPECT_EQ(n, 0);
}

TEST(PgSql, MigrationTypesBecomePostgresOnes) {
  EXPECT_EQ(pgDdl("CREATE TABLE a (id INTEGER PRIMARY KEY, n integer NOT NULL, h REAL, b BLOB, "
                  "note TEXT DEFAULT 'INTEGER REAL', real_name TEXT, intervals INTEGER)"),
            "CREATE TABLE a (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, "
            "h DOUBLE PRECISION, b BYTEA, note TEXT DEFAULT 'INTEGER REAL', real_name TEXT, intervals BIGINT)");
  EXPECT_EQ(pgDdl("CREATE TABLE s (id INTEGER\n  PRIMARY  KEY CHECK (id = 1), last INTEGER NOT NULL);"),
            "CREATE TABLE s (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY CHECK (id = 1), last BIGINT NOT "
            "NULL);");
}

TEST(PgSql, UrlsLoseTheirPasswordAndSayTheirEngine) {
  EXPECT_EQ(redactDbUrl("postgresql://u:p%40ss@db.example:5432/cloud?sslmode=require"),
            "postgresql://u:***@db.example:5432/cloud?sslmode=require");
  EXPECT_EQ(redactDbUrl("postgres://u@h/d?sslmode=disable&password=secret&application_name=x"),
            "postgres://u@h/d?sslmode=disable&password=***&application_name=x");
  EXPECT_EQ(redactDbUrl("postgresql://h/d"), "postgresql://h/d");
  EXPECT_EQ(redactDbUrl("postgresql://u:@h/d"), "postgresql://u:***@h/d");
  EXPECT_TRUE(isPostgresUrl("postgresql://h/d"));
  EXPECT_TRUE(isPostgresUrl("postgres://h/d"));
  EXPECT_FALSE(isPostgresUrl("/var/lib/stratus-cloud/cloud.db"));
  EXPECT_FALSE(isPostgresUrl(":memory:"));
}
