#include "cloud/cloud_store.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "util/random.h"

namespace stratus::cloud {

namespace {

constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

Status checkUserName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' || c == '-';
  });
  if (!ok)
    return Error(ErrorCode::InvalidArgument, "invalid argument: user name '" + name +
                                                 "' must be 1-64 letters, digits or ._@- characters");
  return okStatus();
}

constexpr const char* kUserColumns =
    "id, name, access_key, secret_key, client_token, disabled, max_instances, max_vcpus, max_memory_mib, "
    "max_storage_mib, max_hours, created";

User userFrom(const SqlRow& r) {
  User u;
  u.id = r.integer(0);
  u.name = r.text(1);
  u.accessKey = r.text(2);
  u.secretKey = r.text(3);
  u.clientToken = r.text(4);
  u.disabled = r.integer(5) != 0;
  u.quotas.instances = r.integer(6);
  u.quotas.vcpus = r.integer(7);
  u.quotas.memoryMiB = r.integer(8);
  u.quotas.storageMiB = r.integer(9);
  u.quotas.maxHours = r.real(10);
  u.created = r.integer(11);
  return u;
}

constexpr const char* kNodeColumns = "id, uri, memory_mib, vcpus, networks, state, last_seen, last_error";

std::string joinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}
}  // namespace

std::vector<std::string> splitNames(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

namespace {

VmmNode::State stateFrom(const std::string& s) {
  return s == "down" ? VmmNode::State::Down : s == "disabled" ? VmmNode::State::Disabled : VmmNode::State::Up;
}

VmmNode nodeFrom(const SqlRow& r) {
  VmmNode n;
  n.id = r.integer(0);
  n.uri = r.text(1);
  n.memoryMiB = r.integer(2);
  n.vcpus = r.integer(3);
  n.networks = splitNames(r.text(4));
  n.state = stateFrom(r.text(5));
  n.lastSeen = r.integer(6);
  n.lastError = r.text(7);
  return n;
}

}  // namespace

const char* nodeStateName(VmmNode::State s) {
  switch (s) {
    case VmmNode::State::Up: return "up";
    case VmmNode::State::Down: return "down";
    case VmmNode::State::Disabled: return "disabled";
  }
  return "up";
}

Result<std::unique_ptr<CloudStore>> CloudStore::open(const std::string& url) {
  if (!isPostgresUrl(url) && url != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(url).parent_path(), ec);
    if (ec) return Error(ErrorCode::SystemError, "cannot create the directory of " + url + ": " + ec.message());
  }
  auto db = openSqlDb(url);
  if (!db) return std::move(db).error();
  STRATUS_TRY((*db)->migrate(cloudSchema()));
  return std::unique_ptr<CloudStore>(new CloudStore(std::move(*db)));
}

// ---- users ----

namespace {

Status checkQuotas(const Quotas& q) {
  if (q.instances < 0 || q.vcpus < 0 || q.memoryMiB < 0 || q.storageMiB < 0 || !(q.maxHours > 0) ||
      !std::isfinite(q.maxHours))
    return Error(ErrorCode::InvalidArgument,
                 "invalid argument: quotas are counts of 0 or more, and the longest lease is more than 0 hours");
  return okStatus();
}

}  // namespace

Result<User> CloudStore::addUser(const std::string& name, const Quotas& q) {
  STRATUS_TRY(checkUserName(name));
  STRATUS_TRY(checkQuotas(q));
  User u;
  u.name = name;
  u.accessKey = "AKST" + randomString(16, kUpperAlnum);
  u.secretKey = randomString(40, kSecretAlphabet);
  u.clientToken = randomHex(32);
  u.quotas = q;
  u.created = now();
  Status s = db_->transaction([&]() -> Status {
    bool taken = false;
    STRATUS_TRY(db_->query("SELECT 1 FROM users WHERE name = ?", {name}, [&](const SqlRow&) {
      taken = true;
      return false;
    }));
    if (taken) return Error(ErrorCode::DomainExists, "operation failed: user '" + name + "' already exists");
    return db_->query("INSERT INTO users (name, access_key, secret_key, client_token, disabled, max_instances, "
                      "max_vcpus, max_memory_mib, max_storage_mib, max_hours, created) "
                      "VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING id",
                      {name, u.accessKey, u.secretKey, u.clientToken, q.instances, q.vcpus, q.memoryMiB,
                       q.storageMiB, q.maxHours, u.created},
                      [&](const SqlRow& r) {
                        u.id = r.integer(0);
                        return false;
                      });
  });
  if (!s) return std::move(s).error();
  return u;
}

Result<std::vector<User>> CloudStore::listUsers() {
  std::vector<User> out;
  STRATUS_TRY(db_->query(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name", {},
                         [&](const SqlRow& r) {
                           out.push_back(userFrom(r));
                           return true;
                         }));
  return out;
}

namespace {
Result<User> oneUser(SqlDb& db, const char* column, const std::string& value, const std::string& what) {
  std::optional<User> u;
  STRATUS_TRY(db.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE " + column + " = ?", {value},
                       [&](const SqlRow& r) {
                         u = userFrom(r);
                         return false;
                       }));
  if (!u) return Error(ErrorCode::AuthFailed, what);
  return *u;
}
}  // namespace

Result<User> CloudStore::user(const std::string& name) {
  auto u = oneUser(*db_, "name", name, "no user named '" + name + "'");
  if (!u) return Error(ErrorCode::InvalidArgument, u.error().message);
  return u;
}
Result<User> CloudStore::userByAccessKey(const std::string& key) {
  return oneUser(*db_, "access_key", key, "authentication failed: unknown access key");
}
Result<User> CloudStore::userByToken(const std::string& token) {
  return oneUser(*db_, "client_token", token, "authentication failed: unknown client token");
}

Status CloudStore::setUserQuotas(const std::string& name, const Quotas& q) {
  STRATUS_TRY(checkQuotas(q));
  STRATUS_TRY(db_->exec("UPDATE users SET max_instances = ?, max_vcpus = ?, max_memory_mib = ?, max_storage_mib = ?, "
                        "max_hours = ? WHERE name = ?",
                        {q.instances, q.vcpus, q.memoryMiB, q.storageMiB, q.maxHours, name}));
  if (db_->changes() == 0) return Error(ErrorCode::InvalidArgument, "no user named '" + name + "'");
  return okStatus();
}

Status CloudStore::setUserDisabled(const std::string& name, bool disabled) {
  STRATUS_TRY(db_->exec("UPDATE users SET disabled = ? WHERE name = ?", {std::int64_t{disabled}, name}));
  if (db_->changes() == 0) return Error(ErrorCode::InvalidArgument, "no user named '" + name + "'");
  return okStatus();
}

// ---- nodes ----

Result<VmmNode> CloudStore::addNode(const VmmNode& in) {
  if (in.uri.empty()) return Error(ErrorCode::InvalidArgument, "invalid argument: a node needs a URI");
  if (in.memoryMiB <= 0 || in.vcpus <= 0)
    return Error(ErrorCode::InvalidArgument, "invalid argument: node '" + in.uri +
                                                 "' needs --memory and --vcpus greater than 0");
  VmmNode n = in;
  Status s = db_->transaction([&]() -> Status {
    bool taken = false;
    STRATUS_TRY(db_->query("SELECT 1 FROM nodes WHERE uri = ?", {n.uri}, [&](const SqlRow&) {
      taken = true;
      return false;
    }));
    if (taken) return Error(ErrorCode::DomainExists, "operation failed: node '" + n.uri + "' is already registered");
    return db_->query("INSERT INTO nodes (uri, memory_mib, vcpus, networks, state) VALUES (?, ?, ?, ?, ?) RETURNING id",
                      {n.uri, n.memoryMiB, n.vcpus, joinList(n.networks), std::string(nodeStateName(n.state))},
                      [&](const SqlRow& r) {
                        n.id = r.integer(0);
                        return false;
                      });
  });
  if (!s) return std::move(s).error();
  return n;
}

Result<std::vector<VmmNode>> CloudStore::listNodes() {
  std::vector<VmmNode> out;
  STRATUS_TRY(db_->query(std::string("SELECT ") + kNodeColumns + " FROM nodes ORDER BY id", {}, [&](const SqlRow& r) {
    out.push_back(nodeFrom(r));
    return true;
  }));
  return out;
}

Result<VmmNode> CloudStore::node(const std::string& uri) {
  std::optional<VmmNode> n;
  STRATUS_TRY(db_->query(std::string("SELECT ") + kNodeColumns + " FROM nodes WHERE uri = ?", {uri},
                         [&](const SqlRow& r) {
                           n = nodeFrom(r);
                           return false;
                         }));
  if (!n) return Error(ErrorCode::InvalidArgument, "no node '" + uri + "' is registered");
  return *n;
}

Status CloudStore::setNodeState(const std::string& uri, VmmNode::State state, const std::string& error) {
  STRATUS_TRY(db_->exec("UPDATE nodes SET state = ?, last_error = ?, last_seen = CASE WHEN ? = 'up' THEN ? ELSE "
                        "last_seen END WHERE uri = ?",
                        {std::string(nodeStateName(state)), error, std::string(nodeStateName(state)), now(), uri}));
  if (db_->changes() == 0) return Error(ErrorCode::InvalidArgument, "no node '" + uri + "' is registered");
  return okStatus();
}

Status CloudStore::removeNode(const std::string& uri) {
  return db_->transaction([&]() -> Status {
    auto n = node(uri);
    if (!n) return std::move(n).error();
    std::int64_t placed = 0;
    STRATUS_TRY(db_->query("SELECT COUNT(*) FROM instances WHERE node_id = ? AND state NOT IN ('Destroyed', 'Corrupted')", {n->id},
                           [&](const SqlRow& r) {
                             placed = r.integer(0);
                             return false;
                           }));
    if (placed)
      return Error(ErrorCode::OperationInvalid, "Requested operation is not valid: node '" + uri + "' still has " +
                                                    std::to_string(placed) + " instance(s); disable it first");
    return db_->exec("DELETE FROM nodes WHERE id = ?", {n->id});
  });
}

}  // namespace stratus::cloud
