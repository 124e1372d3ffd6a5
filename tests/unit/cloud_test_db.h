// The store tests run on both database engines: a test written as
// TEST_P(Suite, ...) on a CloudDbTest fixture and instantiated with
// STRATUS_DB_ENGINES(Suite) runs once on SQLite (a file in a temp dir) and
// once on PostgreSQL (a fresh database on the process's PgTestServer);
// the PostgreSQL half SKIPs, saying why, when PostgreSQL is not installed.
// The cases are named .../SQLite and .../PostgreSQL (ctest runs the latter
// in one process, so one server serves them all: tests/unit/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "pg_test_server.h"
#include "temp_root.h"

namespace stratus::testing {

enum class DbEngine { SQLite, PostgreSQL };
inline void PrintTo(DbEngine e, std::ostream* os) { *os << (e == DbEngine::SQLite ? "SQLite" : "PostgreSQL"); }

class CloudDbTest : public ::testing::TestWithParam<DbEngine> {
 protected:
  void SetUp() override {
    if (GetParam() == DbEngine::SQLite) {
      std::filesystem::create_directories(root_.str() + "/var/lib/stratus-cloud");
      url_ = root_.str() + "/var/lib/stratus-cloud/cloud.db";
      return;
    }
    std::string why;
    pg_ = PgTestServer::shared(&why);
    if (!pg_) GTEST_SKIP() << why;
    auto url = pg_->createDatabase(pgDatabaseOptions());
    ASSERT_TRUE(url.ok()) << url.error().describe();
    url_ = *url;
  }
  void TearDown() override {
    if (pg_ && !url_.empty()) pg_->dropDatabase(url_);
  }
  bool postgres() const { return GetParam() == DbEngine::PostgreSQL; }
  // CREATE DATABASE's options for the PostgreSQL half (the server's
  // databases are C-locale unless a suite asks for another).
  virtual std::string pgDatabaseOptions() const { return {}; }
  // Where the test's database is: CloudStore::open / openSqlDb take it, and
  // a second open reaches the same data.
  const std::string& url() const { return url_; }

  TempRoot root_;
  PgTestServer* pg_ = nullptr;
  std::string url_;
};

// A CloudDbTest whose PostgreSQL database sorts text like a language
// (ICU en-US), as a server installed with a language locale does: what
// must keep S3's byte order of keys is tested there.
class LanguageSortedDbTest : public CloudDbTest {
 protected:
  std::string pgDatabaseOptions() const override {
    return "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'";
  }
};

inline std::string dbEngineName(const ::testing::TestParamInfo<DbEngine>& info) {
  return info.param == DbEngine::SQLite ? "SQLite" : "PostgreSQL";
}

}  // namespace stratus::testing

#define STRATUS_DB_ENGINES(Suite)                                                                                  \
  INSTANTIATE_TEST_SUITE_P(Db, Suite,                                                                              \
                           ::testing::Values(::stratus::testing::DbEngine::SQLite,                                 \
                                             ::stratus::testing::DbEngine::PostgreSQL),                            \
                           ::stratus::testing::dbEngineName)
