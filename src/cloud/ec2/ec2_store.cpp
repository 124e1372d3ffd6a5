#include "cloud/ec2/ec2_store.h"

#include <algorithm>

#include "cloud/ec2/ec2_errors.h"

namespace stratus::cloud::ec2 {

namespace {
const char* kKeyColumns = "id, owner_id, name, key_type, fingerprint, public_key, created";

KeyPair keyPairRow(const SqlRow& r) {
  return KeyPair{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6)};
}
}  // namespace

Result<KeyPair> Ec2Store::addKeyPair(KeyPair k) {
  Status s = db_.transaction([&]() -> Status {
    bool taken = false;
    STRATUS_TRY(db_.query("SELECT 1 FROM ec2_key_pairs WHERE owner_id = ? AND name = ?", {k.ownerId, k.name},
                          [&](const SqlRow&) { return !(taken = true); }));
    if (taken) return ec2Error("InvalidKeyPair.Duplicate", "The keypair '" + k.name + "' already exists.");
    return db_.query(
        "INSERT INTO ec2_key_pairs (owner_id, name, key_type, fingerprint, public_key, created) VALUES (?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        {k.ownerId, k.name, k.type, k.fingerprint, k.publicKey, k.created}, [&](const SqlRow& r) {
          k.id = r.integer(0);
          return false;
        });
  });
  if (!s) return std::move(s).error();
  return k;
}

Result<std::vector<KeyPair>> Ec2Store::keyPairs(std::int64_t ownerId) {
  std::vector<KeyPair> out;
  STRATUS_TRY(db_.query(std::string("SELECT ") + kKeyColumns + " FROM ec2_key_pairs WHERE owner_id = ? ORDER BY name",
                        {ownerId}, [&](const SqlRow& r) {
                          out.push_back(keyPairRow(r));
                          return true;
                        }));
  return out;
}

Result<bool> Ec2Store::deleteKeyPair(std::int64_t ownerId, const std::string& name) {
  STRATUS_TRY(db_.exec("DELETE FROM ec2_key_pairs WHERE owner_id = ? AND name = ?", {ownerId, name}));
  return db_.changes() > 0;
}

Status Ec2Store::setTags(std::int64_t ownerId, const std::vector<std::string>& resources, const std::vector<Tag>& tags) {
  return db_.transaction([&]() -> Status {
    for (const auto& r : resources)
      for (const auto& t : tags)
        STRATUS_TRY(db_.exec(
            "INSERT INTO ec2_tags (owner_id, resource_id, tag_key, tag_value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (owner_id, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            {ownerId, r, t.key, t.value.value_or("")}));
    return okStatus();
  });
}

Status Ec2Store::deleteTags(std::int64_t ownerId, const std::vector<std::string>& resources, const std::vector<Tag>& tags) {
  return db_.transaction([&]() -> Status {
    for (const auto& r : resources) {
      if (tags.empty()) STRATUS_TRY(db_.exec("DELETE FROM ec2_tags WHERE owner_id = ? AND resource_id = ?", {ownerId, r}));
      for (const auto& t : tags) {
        if (t.value)
          STRATUS_TRY(db_.exec("DELETE FROM ec2_tags WHERE owner_id = ? AND resource_id = ? AND tag_key = ? AND tag_value = ?",
                               {ownerId, r, t.key, *t.value}));
        else
          STRATUS_TRY(db_.exec("DELETE FROM ec2_tags WHERE owner_id = ? AND resource_id = ? AND tag_key = ?", {ownerId, r, t.key}));
      }
    }
    return okStatus();
  });
}

Result<std::vector<ResourceTag>> Ec2Store::tags(std::int64_t ownerId) {
  std::vector<ResourceTag> out;
  STRATUS_TRY(db_.query("SELECT resource_id, tag_key, tag_value FROM ec2_tags WHERE owner_id = ? ORDER BY resource_id, tag_key",
                        {ownerId}, [&](const SqlRow& r) {
                          out.push_back(ResourceTag{r.text(0), r.text(1), r.text(2)});
                          return true;
                        }));
  return out;
}

Result<std::map<std::string, std::map<std::string, std::string>>> Ec2Store::tagsByResource(std::int64_t ownerId) {
  auto all = tags(ownerId);
  if (!all) return std::move(all).error();
  std::map<std::string, std::map<std::string, std::string>> out;
  for (auto& t : *all) out[t.resourceId][t.key] = t.value;
  return out;
}

Status Ec2Store::recordLaunch(const LaunchInfo& i) {
  return db_.exec(
      "INSERT INTO ec2_launches (instance_id, reservation_id, instance_type, key_name, user_data, zone, launch_index) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instance_id) DO NOTHING",
      {i.instanceRowId, i.reservationId, i.instanceType, i.keyName, i.userData, i.zone, i.launchIndex});
}

Result<std::map<std::int64_t, LaunchInfo>> Ec2Store::launches(std::int64_t ownerId) {
  std::map<std::int64_t, LaunchInfo> out;
  STRATUS_TRY(db_.query(
      "SELECT l.instance_id, l.reservation_id, l.instance_type, l.key_name, l.user_data, l.zone, l.launch_index "
      "FROM ec2_launches l JOIN instances i ON i.id = l.instance_id WHERE i.owner_id = ?",
      {ownerId}, [&](const SqlRow& r) {
        out[r.integer(0)] = LaunchInfo{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6)};
        return true;
      }));
  return out;
}

Result<bool> Ec2Store::claimClientToken(std::int64_t ownerId, const std::string& token, const std::string& fingerprint,
                                        std::int64_t now) {
  bool claimed = false;
  Status s = db_.transaction([&]() -> Status {
    std::optional<std::string> first;
    STRATUS_TRY(db_.query("SELECT fingerprint FROM ec2_client_tokens WHERE owner_id = ? AND client_token = ?",
                          {ownerId, token}, [&](const SqlRow& r) {
                            first = r.text(0);
                            return false;
                          }));
    if (first && *first != fingerprint)
      return ec2Error("IdempotentParameterMismatch",
                      "Arguments on this idempotent request are inconsistent with arguments used in previous request(s) "
                      "with the client token '" + token + "'.");
    if (first) return okStatus();
    claimed = true;
    return db_.exec("INSERT INTO ec2_client_tokens (owner_id, client_token, fingerprint, created) VALUES (?, ?, ?, ?)",
                    {ownerId, token, fingerprint, now});
  });
  if (!s) return std::move(s).error();
  return claimed;
}

Status Ec2Store::releaseClientToken(std::int64_t ownerId, const std::string& token) {
  // Only while no instance carries it (RunInstances names them TOKEN#N): a
  // placed instance whose start failed stays what a retry finds.
  std::string launched = token + "#";
  return db_.exec(
      "DELETE FROM ec2_client_tokens WHERE owner_id = ? AND client_token = ? AND NOT EXISTS (SELECT 1 FROM instances "
      "WHERE owner_id = ? AND substr(client_token, 1, CAST(? AS INTEGER)) = ?)",
      {ownerId, token, ownerId, static_cast<std::int64_t>(launched.size()), launched});
}

Status validZoneName(const std::string& z) {
  bool ok = !z.empty() && z.size() <= 64 && std::all_of(z.begin(), z.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
  if (!ok) return Error(ErrorCode::InvalidArgument, "invalid argument: zone '" + z + "' must be 1-64 lower-case letters, digits or -");
  return okStatus();
}

Status Ec2Store::setNodeZone(const std::string& uri, const std::string& zone) {
  STRATUS_TRY(validZoneName(zone));
  STRATUS_TRY(db_.exec("UPDATE nodes SET zone = ? WHERE uri = ?", {zone, uri}));
  if (db_.changes() == 0) return Error(ErrorCode::InvalidArgument, "invalid argument: no node '" + uri + "'");
  return okStatus();
}

Result<std::vector<std::string>> Ec2Store::zones() {
  std::vector<std::string> out;
  STRATUS_TRY(db_.query("SELECT DISTINCT zone FROM nodes ORDER BY zone", {}, [&](const SqlRow& r) {
    out.push_back(r.text(0));
    return true;
  }));
  if (out.empty()) out.push_back(kDefaultZone);
  return out;
}

Result<std::string> Ec2Store::nodeZone(const std::string& uri) {
  std::string zone = kDefaultZone;
  STRATUS_TRY(db_.query("SELECT zone FROM nodes WHERE uri = ?", {uri}, [&](const SqlRow& r) {
    zone = r.text(0);
    return false;
  }));
  return zone;
}

}  // namespace stratus::cloud::ec2
