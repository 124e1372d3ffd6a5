#include "cloud/pg_db.h"

#include <libpq-fe.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace stratus::cloud {

namespace {

// Every write transaction takes this transaction-scoped advisory lock
// first. PostgreSQL's default READ COMMITTED lets two transactions read the
// same free capacity and both place on it; SQLite's BEGIN IMMEDIATE rules
// that out by letting one writer in at a time. The lock does the same here,
// for every connection to the database, so also for two service processes:
// the second placement waits, then (READ COMMITTED takes a new snapshot per
// statement) reads what the first committed. It is released at COMMIT or
// ROLLBACK, also when the connection dies. The key is "Stratus" in ASCII.
constexpr std::int64_t kWriterLock = 0x53747261747573;

// Copies `sql`, giving each run of plain SQL text (outside '...', "...",
// -- and /* */) to `code` and copying the rest unchanged. The store's SQL
// has no E'\'' or $$...$$ strings, which this does not know.
template <typename Code>
std::string rewrite(std::string_view sql, Code code) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::size_t i = 0, plain = 0;
  auto flush = [&](std::size_t end) {
    if (end > plain) code(sql.substr(plain, end - plain), out);
  };
  while (i < sql.size()) {
    char c = sql[i];
    std::size_t end = std::string_view::npos;
    if (c == '\'' || c == '"') {
      end = sql.find(c, i + 1);  // '' inside a literal reads as two literals: same text
      end = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
    }
    if (end == std::string_view::npos) {
      ++i;
      continue;
    }
    flush(i);
    out.append(sql.substr(i, end - i));
    i = plain = end;
  }
  flush(sql.size());
  return out;
}

bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upper(std::string_view s) {
  std::string u(s);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percentDecoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 &&
        hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Where the URL's password sits: [begin, end) ranges, user info's and each
// password= parameter's.
std::vector<std::pair<std::size_t, std::size_t>> passwordRanges(std::string_view url) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return out;
  std::size_t auth = scheme + 3;
  std::size_t authEnd = url.find_first_of("/?#", auth);
  if (authEnd == std::string_view::npos) authEnd = url.size();
  std::size_t at = url.rfind('@', authEnd == 0 ? 0 : authEnd - 1);
  if (at != std::string_view::npos && at >= auth) {
    std::size_t colon = url.find(':', auth);
    if (colon != std::string_view::npos && colon < at) out.emplace_back(colon + 1, at);
  }
  std::size_t q = url.find('?', auth);
  while (q != std::string_view::npos && q < url.size()) {
    std::size_t start = q + 1;
    std::size_t end = url.find('&', start);
    if (end == std::string_view::npos) end = url.size();
    std::string_view param = url.substr(start, end - start);
    if (param.rfind("password=", 0) == 0) out.emplace_back(start + 9, end);
    q = end < url.size() ? end : std::string_view::npos;
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

struct ResultHandle {
  PGresult* r = nullptr;
  ~ResultHandle() { PQclear(r); }
};

class PgRow final : public SqlRow {
 public:
  PgRow(const PGresult* r, int row) : r_(r), row_(row) {}
  bool isNull(int col) const override { return PQgetisnull(r_, row_, col) != 0; }
  std::string text(int col) const override {
    if (isNull(col)) return {};
    return std::string(PQgetvalue(r_, row_, col), static_cast<std::size_t>(PQgetlength(r_, row_, col)));
  }
  std::int64_t integer(int col) const override {
    if (isNull(col)) return 0;
    const char* v = PQgetvalue(r_, row_, col);
    if (v[0] == 't' && v[1] == '\0') return 1;  // boolean
    if (v[0] == 'f' && v[1] == '\0') return 0;
    char* end = nullptr;
    long long n = std::strtoll(v, &end, 10);
    if (*end != '\0') return static_cast<std::int64_t>(std::llround(std::strtod(v, nullptr)));  // numeric
    return n;
  }
  double real(int col) const override { return isNull(col) ? 0.0 : std::strtod(PQgetvalue(r_, row_, col), nullptr); }

 private:
  const PGresult* r_;
  int row_;
};

void ignoreNotice(void*, const char*) {}

}  // namespace

std::string redactDbUrl(std::string_view url) {
  std::string out(url);
  auto ranges = passwordRanges(url);
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) out.replace(it->first, it->second - it->first, "***");
  return out;
}

std::string pgPlaceholders(std::string_view sql, int* count) {
  int n = 0;
  std::string out = rewrite(sql, [&](std::string_view code, std::string& o) {
    for (char c : code) {
      if (c == '?')
        o += "$" + std::to_string(++n);
      else
        o += c;
    }
  });
  if (count) *count = n;
  return out;
}

std::string pgDdl(std::string_view sql) {
  return rewrite(sql, [](std::string_view code, std::string& o) {
    std::size_t i = 0;
    while (i < code.size()) {
      if (!wordChar(code[i]) || (i > 0 && wordChar(code[i - 1]))) {
        o += code[i++];
        continue;
      }
      std::size_t e = i;
      while (e < code.size() && wordChar(code[e])) ++e;
      std::string word = upper(code.substr(i, e - i));
      if (word == "INTEGER") {
        // INTEGER PRIMARY KEY, with any spacing: SQLite's rowid alias.
        std::size_t j = e;
        auto skipSpace = [&] {
          while (j < code.size() && std::isspace(static_cast<unsigned char>(code[j]))) ++j;
        };
        auto nextWord = [&]() -> std::string {
          skipSpace();
          std::size_t k = j;
          while (k < code.size() && wordChar(code[k])) ++k;
          std::string w = upper(code.substr(j, k - j));
          j = k;
          return w;
        };
        if (nextWord() == "PRIMARY" && nextWord() == "KEY") {
          o += "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
          i = j;
          continue;
        }
        o += "BIGINT";
      } else if (word == "REAL") {
        o += "DOUBLE PRECISION";
      } else if (word == "BLOB") {
        o += "BYTEA";
      } else {
        o.append(code.substr(i, e - i));
      }
      i = e;
    }
  });
}

Result<std::unique_ptr<PgDb>> PgDb::open(const std::string& url) {
  std::vector<std::string> secrets;
  for (auto [b, e] : passwordRanges(url)) {
    std::string raw = url.substr(b, e - b);
    if (raw.empty()) continue;
    secrets.push_back(raw);
    if (auto dec = percentDecoded(raw); dec != raw) secrets.push_back(dec);
  }
  std::string name = redactDbUrl(url);
  std::string conninfo = url;
  if (url.find("connect_timeout=") == std::string::npos)
    conninfo += (url.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=10");
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::unique_ptr<PgDb> db(new PgDb(conn, std::move(name), std::move(secrets)));
  if (!conn) return Error(ErrorCode::SystemError, "cannot connect to database " + db->name_ + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK)
    return Error(ErrorCode::SystemError,
                 "cannot connect to database " + db->name_ + ": " + db->scrub(trimmed(PQerrorMessage(conn))));
  // NOTICEs (e.g. "relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(conn, ignoreNotice, nullptr);
  return db;
}

PgDb::~PgDb() { PQfinish(conn_); }

std::string PgDb::scrub(std::string message) const {
  for (const auto& s : secrets_)
    for (std::size_t p = message.find(s); p != std::string::npos; p = message.find(s, p + 3))
      message.replace(p, s.size(), "***");
  return message;
}

Error PgDb::pgError(std::string_view sql, std::string_view what, std::string message) const {
  return Error(ErrorCode::OperationFailed,
               "database " + name_ + ": " + std::string(what) + " '" + sqlHead(sql) + "': " + scrub(trimmed(message)));
}

// A connection the server or the network dropped is made again before the
// next statement; not inside a transaction, whose earlier statements died
// with the old connection (it fails as a whole; the next one reconnects).
Status PgDb::connected() {
  if (PQstatus(conn_) == CONNECTION_OK) return okStatus();
  if (txDepth_ > 0) {
    txBroken_ = true;
    return Error(ErrorCode::OperationFailed, "database " + name_ + ": the connection was lost inside a transaction");
  }
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    return Error(ErrorCode::OperationFailed,
                 "database " + name_ + ": cannot reconnect: " + scrub(trimmed(PQerrorMessage(conn_))));
  return okStatus();
}

Status PgDb::query(std::string_view sql, const std::vector<SqlValue>& args,
                   const std::function<bool(const SqlRow&)>& onRow) {
  std::lock_guard lk(mu_);
  STRATUS_TRY(connected());
  int placeholders = 0;
  std::string text = pgPlaceholders(sql, &placeholders);
  if (static_cast<std::size_t>(placeholders) != args.size())
    return Error(ErrorCode::InternalError, "database: '" + sqlHead(sql) + "' takes " + std::to_string(placeholders) +
                                               " values, got " + std::to_string(args.size()));
  // Values travel as text; integers and doubles say their type, strings
  // and NULL let the server infer it from where they are used.
  std::vector<std::string> values(args.size());
  std::vector<const char*> ptrs(args.size(), nullptr);
  std::vector<Oid> types(args.size(), 0);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (std::holds_alternative<std::nullptr_t>(args[i])) continue;
    if (auto* v = std::get_if<std::int64_t>(&args[i])) {
      values[i] = std::to_string(*v);
      types[i] = 20;  // int8
    } else if (auto* d = std::get_if<double>(&args[i])) {
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, *d);
      values[i].assign(buf, res.ptr);
      types[i] = 701;  // float8
    } else {
      values[i] = std::get<std::string>(args[i]);
    }
    ptrs[i] = values[i].c_str();
  }
  ResultHandle r;
  r.r = PQexecParams(conn_, text.c_str(), static_cast<int>(args.size()), types.data(), ptrs.data(), nullptr, nullptr, 0);
  ExecStatusType st = r.r ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (PQstatus(conn_) != CONNECTION_OK && txDepth_ > 0) txBroken_ = true;
    const char* primary = r.r ? PQresultErrorField(r.r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    Error e = pgError(sql, "cannot run", primary ? primary : PQerrorMessage(conn_));
    const char* state = r.r ? PQresultErrorField(r.r, PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::string_view(state) == "23505") e.code = ErrorCode::DomainExists;  // unique_violation
    return e;
  }
  std::string_view tag = PQcmdStatus(r.r);
  if (tag.rfind("INSERT", 0) == 0 || tag.rfind("UPDATE", 0) == 0 || tag.rfind("DELETE", 0) == 0)
    changes_ = std::atoll(PQcmdTuples(r.r));
  if (st == PGRES_TUPLES_OK && onRow) {
    int rows = PQntuples(r.r);
    for (int i = 0; i < rows; ++i)
      if (!onRow(PgRow(r.r, i))) break;
  }
  return okStatus();
}

Status PgDb::exec(std::string_view sql, const std::vector<SqlValue>& args) { return query(sql, args, nullptr); }

Status PgDb::execScript(const std::string& sql) {
  std::lock_guard lk(mu_);
  STRATUS_TRY(connected());
  ResultHandle r;
  r.r = PQexec(conn_, pgDdl(sql).c_str());
  ExecStatusType st = r.r ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    if (PQstatus(conn_) != CONNECTION_OK && txDepth_ > 0) txBroken_ = true;
    const char* primary = r.r ? PQresultErrorField(r.r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    return pgError(sql, "cannot run", primary ? primary : PQerrorMessage(conn_));
  }
  return okStatus();
}

// COMMIT of a transaction in which a statement failed (and whose error
// the body ignored) answers with the tag ROLLBACK, not with an error.
Status PgDb::commit() {
  ResultHandle r;
  r.r = PQexec(conn_, "COMMIT");
  if (!r.r || PQresultStatus(r.r) != PGRES_COMMAND_OK) {
    const char* primary = r.r ? PQresultErrorField(r.r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    return pgError("COMMIT", "cannot run", primary ? primary : PQerrorMessage(conn_));
  }
  if (std::string_view(PQcmdStatus(r.r)) != "COMMIT")
    return Error(ErrorCode::OperationFailed, "database " + name_ + ": the transaction was rolled back (a statement in it failed)");
  return okStatus();
}

Status PgDb::transaction(const std::function<Status()>& body) {
  std::lock_guard lk(mu_);
  if (txDepth_ > 0) return body();
  // READ COMMITTED on purpose: each statement after the lock sees what the
  // previous holder committed (a snapshot taken before the lock would not).
  STRATUS_TRY(exec("BEGIN ISOLATION LEVEL READ COMMITTED"));
  ++txDepth_;
  txBroken_ = false;
  Status s = exec("SELECT pg_advisory_xact_lock(?)", {kWriterLock});
  if (s) s = body();
  if (s && txBroken_)
    s = Error(ErrorCode::OperationFailed, "database " + name_ + ": the connection was lost inside a transaction");
  if (s) s = commit();
  --txDepth_;
  if (!s) {
    if (PQstatus(conn_) == CONNECTION_OK) (void)exec("ROLLBACK");
    txBroken_ = false;
    return s;
  }
  txBroken_ = false;
  return okStatus();
}

}  // namespace stratus::cloud
