// The service node's SQLite layer: values round-trip, transactions roll
// back on failure, migrations run once and in order, a newer database is
// refused, and state survives reopening the file.
#include <gtest/gtest.h>

#include "cloud/sqlite_db.h"
#include "temp_root.h"

using namespace stratus;
using namespace stratus::cloud;

namespace {

const std::vector<Migration> kSchema = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, hours REAL, note TEXT);"},
    {2, "ALTER TABLE t ADD COLUMN extra INTEGER DEFAULT 7;"},
};

std::unique_ptr<SqliteDb> openAt(const std::string& path) {
  auto db = SqliteDb::open(path);
  EXPECT_TRUE(db.ok()) << db.error().describe();
  return std::move(db).value();
}

}  // namespace

TEST(SqliteDb, ValuesRoundTripAndMigrationsRunOnce) {
  stratus::testing::TempRoot root;
  std::string path = root.str() + "/cloud.db";
  {
    auto db = openAt(path);
    ASSERT_TRUE(db->migrate(kSchema).ok());
    EXPECT_EQ(*db->schemaVersion(), 2);
    ASSERT_TRUE(db->exec("INSERT INTO t (name, hours, note) VALUES (?, ?, ?)",
                         {std::string("a'b\"c ünï"), 0.01, nullptr})
                    .ok());
    EXPECT_EQ(db->changes(), 1);
    EXPECT_EQ(db->lastInsertId(), 1);
  }
  auto db = openAt(path);
  ASSERT_TRUE(db->migrate(kSchema).ok());  // nothing to do: no "duplicate column"
  int rows = 0;
  ASSERT_TRUE(db->query("SELECT name, hours, note, extra FROM t", {}, [&](const SqlRow& r) {
                  EXPECT_EQ(r.text(0), "a'b\"c ünï");
                  EXPECT_DOUBLE_EQ(r.real(1), 0.01);
                  EXPECT_TRUE(r.isNull(2));
                  EXPECT_EQ(r.integer(3), 7);
                  ++rows;
                  return true;
                }).ok());
  EXPECT_EQ(rows, 1);
}

TEST(SqliteDb, AFailedTransactionLeavesNothing) {
  auto db = openAt(":memory:");
  ASSERT_TRUE(db->migrate(kSchema).ok());
  auto s = db->transaction([&]() -> Status {
    STRATUS_TRY(db->exec("INSERT INTO t (name) VALUES (?)", {std::string("x")}));
    return db->exec("INSERT INTO t (name) VALUES (?)", {std::string("x")});  // UNIQUE fails
  });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("UNIQUE constraint failed: t.name"), std::string::npos) << s.error().message;
  std::int64_t n = -1;
  ASSERT_TRUE(db->query("SELECT COUNT(*) FROM t", {}, [&](const SqlRow& r) {
                  n = r.integer(0);
                  return false;
                }).ok());
  EXPECT_EQ(n, 0);
}

TEST(SqliteDb, ErrorsNameTheStatementAndANewerSchemaIsRefused) {
  auto db = openAt(":memory:");
  auto bad = db->exec("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "database :memory:: cannot prepare 'SELEKT 1': near \"SELEKT\": syntax error");
  auto count = db->exec("SELECT ?", {});
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, ErrorCode::InternalError);
  ASSERT_TRUE(db->migrate(kSchema).ok());
  auto older = db->migrate({kSchema[0]});
  ASSERT_FALSE(older.ok());
  EXPECT_NE(older.error().message.find("newer than this program knows"), std::string::npos);
  // A failing migration is not recorded: the next start tries again.
  auto broken = db->migrate({kSchema[0], kSchema[1], {3, "CREATE TABLE u (x); SELEKT;"}});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(*db->schemaVersion(), 2);
  ASSERT_TRUE(db->exec("SELECT COUNT(*) FROM t").ok());
}
