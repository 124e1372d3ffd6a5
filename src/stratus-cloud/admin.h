// stratus-cloud's administrator commands (user ..., node ...): what
// Nimbus's nimbus-new-user, nimbus-list-users and nimbus-nodes did, on the
// service's store. Each prints its result (text, or JSON with --json) and
// returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud_store.h"

namespace stratus::cloudadmin {

struct Context {
  std::string root;        // --root
  std::string serviceUrl;  // what cloud.properties points cloud-client at
  bool json = false;
};

// The quota options of `user add` and `user quota`: what is not given stays.
struct QuotaChanges {
  std::optional<std::int64_t> instances, vcpus, memoryMiB, storageMiB;
  std::optional<double> maxHours;
  cloud::Quotas applyTo(cloud::Quotas q) const;
};

int userAdd(cloud::CloudStore& store, const Context& ctx, const std::string& name, const std::string& propertiesFile,
            const QuotaChanges& quotas = {});
// Shows a user's quotas, after applying `changes` when there are any.
int userQuota(cloud::CloudStore& store, const Context& ctx, const std::string& name, const QuotaChanges& changes);
int userList(cloud::CloudStore& store, const Context& ctx);
int userDisable(cloud::CloudStore& store, const std::string& name, bool disabled);

int nodeAdd(cloud::CloudStore& store, const Context& ctx, const cloud::VmmNode& node);
int nodeList(cloud::CloudStore& store, const Context& ctx);
int nodeSetState(cloud::CloudStore& store, const std::string& uri, cloud::VmmNode::State state);
int nodeRemove(cloud::CloudStore& store, const std::string& uri);

// image add NAME FILE (--common, or --user NAME), image list [--user NAME].
int imageAdd(cloud::CloudStore& store, const Context& ctx, const std::string& name, const std::string& file,
             const std::string& user);
int imageList(cloud::CloudStore& store, const Context& ctx, const std::string& user);
std::string imageDir(const Context& ctx);

// The cloud.properties of a user: cloud-client's service URL and credentials.
std::string cloudProperties(const cloud::User& user, const std::string& serviceUrl);

}  // namespace stratus::cloudadmin
