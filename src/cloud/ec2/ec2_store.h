// What the EC2 Query API keeps beside the service's own records (schema
// migration "EC2 Query API" in cloud_schema.cpp): users' key pairs, tags
// on instances and images, and per instance what RunInstances was asked
// (reservation, instance type, key pair, user data, zone); and (migration
// 7) each RunInstances client token's parameter fingerprint.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/ec2/ec2_query.h"
#include "cloud/sql_db.h"
#include "util/error.h"

namespace stratus::cloud::ec2 {

struct KeyPair {
  std::int64_t id = 0;
  std::int64_t ownerId = 0;
  std::string name;
  std::string type;  // rsa | ed25519
  std::string fingerprint;
  std::string publicKey;  // one OpenSSH line
  std::int64_t created = 0;
};

// The EC2 side of an instance (its row id in `instances`).
struct LaunchInfo {
  std::int64_t instanceRowId = 0;
  std::string reservationId;
  std::string instanceType;
  std::string keyName;
  std::string userData;  // base64, as sent
  std::string zone;
  std::int64_t launchIndex = 0;
};

struct ResourceTag {
  std::string resourceId;
  std::string key;
  std::string value;
};

inline constexpr const char* kDefaultZone = "stratus-1a";
// Zone names: lower-case letters, digits and '-', 1-64 characters.
Status validZoneName(const std::string& zone);

class Ec2Store {
 public:
  explicit Ec2Store(SqlDb& db) : db_(db) {}

  // InvalidKeyPair.Duplicate when the user has one of that name.
  Result<KeyPair> addKeyPair(KeyPair k);
  Result<std::vector<KeyPair>> keyPairs(std::int64_t ownerId);
  // false when there was none.
  Result<bool> deleteKeyPair(std::int64_t ownerId, const std::string& name);

  // Sets (adds or replaces) tags on resources in one transaction.
  Status setTags(std::int64_t ownerId, const std::vector<std::string>& resources, const std::vector<Tag>& tags);
  // Removes the named keys (only where the value matches, when given);
  // no tags at all: every tag of the resources.
  Status deleteTags(std::int64_t ownerId, const std::vector<std::string>& resources, const std::vector<Tag>& tags);
  Result<std::vector<ResourceTag>> tags(std::int64_t ownerId);
  Result<std::map<std::string, std::map<std::string, std::string>>> tagsByResource(std::int64_t ownerId);

  // Recorded once: a retried RunInstances (same client token) keeps the
  // first launch's record.
  Status recordLaunch(const LaunchInfo& info);
  // By instance row id, for the owner's instances.
  Result<std::map<std::int64_t, LaunchInfo>> launches(std::int64_t ownerId);

  // RunInstances' client token `token` for these parameters (their
  // fingerprint): true when it is new (claimed now), false when it was used
  // before with the same parameters; IdempotentParameterMismatch when it was
  // used with other ones. One transaction, so of two concurrent first uses
  // one claims and the other compares.
  Result<bool> claimClientToken(std::int64_t ownerId, const std::string& token, const std::string& fingerprint,
                                std::int64_t now);
  // Forgets a claim whose request launched nothing, so it may be retried
  // with other parameters, as a failed EC2 request may; kept once any
  // instance carries the token.
  Status releaseClientToken(std::int64_t ownerId, const std::string& token);

  // The zones nodes are grouped in (nodes.zone), kDefaultZone without nodes.
  Result<std::vector<std::string>> zones();
  // The zone of the node at `uri`.
  Result<std::string> nodeZone(const std::string& uri);
  // `stratus-cloud node add URI --zone NAME`.
  Status setNodeZone(const std::string& uri, const std::string& zone);

 private:
  SqlDb& db_;
};

}  // namespace stratus::cloud::ec2
