// stratus-cloud's administrator commands (user ..., node ...): what
// Nimbus's nimbus-new-user, nimbus-list-users and nimbus-nodes did, on the
// service's store. Each prints its result (text, or JSON with --json) and
// returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "cloud/cloud_store.h"

namespace stratus::cloudadmin {

struct Context {
  std::string root;        // --root
  std::string serviceUrl;  // what cloud.properties points cloud-client at
  bool json = false;
};

int userAdd(cloud::CloudStore& store, const Context& ctx, const std::string& name, const std::string& propertiesFile,
            const cloud::Quotas& quotas = {});
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
