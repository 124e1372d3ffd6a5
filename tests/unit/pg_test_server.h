// A real PostgreSQL server for the cloud's tests, started by the test
// process itself from the installed binaries (/usr/lib/postgresql/N/bin, or
// $STRATUS_PG_BINDIR): initdb into a fresh temp dir (as the `postgres` user
// when the tests run as root, since postgres refuses root), the server on a
// free loopback port and a unix socket in that dir, password (SCRAM) auth
// over TCP. One server per test process, started on first use; stopped by
// its PID and its dir removed when the process exits, and also when the
// process dies (the server gets SIGINT as its parent-death signal).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "cloud/sql_db.h"

namespace stratus::testing {

class PgTestServer {
 public:
  // The process's server, started on the first call. nullptr when
  // PostgreSQL is not installed or did not start; `why` says which.
  static PgTestServer* shared(std::string* why);
  ~PgTestServer();
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // postgresql://stratus:PASSWORD@127.0.0.1:PORT/DBNAME
  std::string url(const std::string& dbname) const;
  const std::string& password() const { return password_; }
  int port() const { return port_; }
  // A new empty database; its URL. `options`: CREATE DATABASE's own
  // (e.g. TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US').
  Result<std::string> createDatabase(const std::string& options = {});
  // Drops it, closing whatever connections are still open on it.
  void dropDatabase(const std::string& url);
  // Runs one statement as the superuser on the `postgres` database.
  Status admin(const std::string& sql, const std::vector<cloud::SqlValue>& args = {});

 private:
  PgTestServer() = default;
  static std::unique_ptr<PgTestServer> start(std::string* why);
  std::string dir_;
  std::string password_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<cloud::SqlDb> admin_;
  std::mutex adminMu_;
  std::atomic<int> next_{0};
};

}  // namespace stratus::testing
