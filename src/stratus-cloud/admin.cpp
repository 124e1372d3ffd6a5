#include "stratus-cloud/admin.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cloud/image_repository.h"
#include "util/atomic_file.h"

namespace stratus::cloudadmin {

using Json = nlohmann::ordered_json;

namespace {

int fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.describe().c_str());
  return 1;
}

void printJson(const Json& j) { std::printf("%s\n", j.dump(2).c_str()); }

}  // namespace

std::string cloudProperties(const cloud::User& u, const std::string& serviceUrl) {
  return "# cloud-client configuration of user " + u.name +
         " (written by stratus-cloud user add)\n"
         "# Keep it private: it holds the user's credentials.\n"
         "stratus.service.url=" + serviceUrl + "\n"
         "stratus.user=" + u.name + "\n"
         "stratus.client.token=" + u.clientToken + "\n"
         "stratus.access.key.id=" + u.accessKey + "\n"
         "stratus.secret.access.key=" + u.secretKey + "\n";
}

cloud::Quotas QuotaChanges::applyTo(cloud::Quotas q) const {
  if (instances) q.instances = *instances;
  if (vcpus) q.vcpus = *vcpus;
  if (memoryMiB) q.memoryMiB = *memoryMiB;
  if (storageMiB) q.storageMiB = *storageMiB;
  if (maxHours) q.maxHours = *maxHours;
  return q;
}

namespace {

Json quotaJson(const cloud::Quotas& q) {
  return Json{{"max_instances", q.instances}, {"max_vcpus", q.vcpus}, {"max_memory_mib", q.memoryMiB},
              {"max_storage_mib", q.storageMiB}, {"max_hours", q.maxHours}};
}

}  // namespace

int userQuota(cloud::CloudStore& store, const Context& ctx, const std::string& name, const QuotaChanges& changes) {
  auto u = store.user(name);
  if (!u) return fail(u.error());
  cloud::Quotas q = changes.applyTo(u->quotas);
  if (auto s = store.setUserQuotas(name, q); !s) return fail(s.error());
  if (ctx.json) {
    Json j{{"name", name}};
    j.update(quotaJson(q));
    printJson(j);
    return 0;
  }
  std::printf("Quotas of user '%s':\n", name.c_str());
  std::printf("  instances:     %lld\n", static_cast<long long>(q.instances));
  std::printf("  vCPUs:         %lld\n", static_cast<long long>(q.vcpus));
  std::printf("  memory:        %lld MiB\n", static_cast<long long>(q.memoryMiB));
  std::printf("  image storage: %lld MiB\n", static_cast<long long>(q.storageMiB));
  std::printf("  longest lease: %g hours\n", q.maxHours);
  return 0;
}

int userAdd(cloud::CloudStore& store, const Context& ctx, const std::string& name, const std::string& propertiesFile,
            const QuotaChanges& quotas) {
  auto u = store.addUser(name, quotas.applyTo({}));
  if (!u) return fail(u.error());
  std::string props = propertiesFile.empty() ? ctx.root + "/etc/stratus-cloud/users/" + name + "/cloud.properties"
                                             : propertiesFile;
  if (auto s = makeDirs(std::filesystem::path(props).parent_path().string(), 0700); !s) return fail(s.error());
  if (auto s = writeFileAtomic(props, cloudProperties(*u, ctx.serviceUrl), 0600); !s) return fail(s.error());
  if (ctx.json) {
    printJson(Json{{"name", u->name},
                   {"access_key_id", u->accessKey},
                   {"secret_access_key", u->secretKey},
                   {"client_token", u->clientToken},
                   {"properties", props}});
  } else {
    std::printf("User '%s' created.\n", u->name.c_str());
    std::printf("  access key id:     %s\n", u->accessKey.c_str());
    std::printf("  secret access key: %s\n", u->secretKey.c_str());
    std::printf("  cloud-client conf: %s\n", props.c_str());
  }
  return 0;
}

int userList(cloud::CloudStore& store, const Context& ctx) {
  auto users = store.listUsers();
  if (!users) return fail(users.error());
  if (ctx.json) {
    Json a = Json::array();
    for (const auto& u : *users) {
      Json j{{"name", u.name}, {"access_key_id", u.accessKey}, {"disabled", u.disabled}};
      j.update(quotaJson(u.quotas));
      a.push_back(j);
    }
    printJson(a);
    return 0;
  }
  std::printf(" %-24s %-22s %s\n", "Name", "Access key id", "State");
  std::printf("%s\n", std::string(58, '-').c_str());
  for (const auto& u : *users)
    std::printf(" %-24s %-22s %s\n", u.name.c_str(), u.accessKey.c_str(), u.disabled ? "disabled" : "enabled");
  return 0;
}

int userDisable(cloud::CloudStore& store, const std::string& name, bool disabled) {
  if (auto s = store.setUserDisabled(name, disabled); !s) return fail(s.error());
  std::printf("User '%s' %s.\n", name.c_str(), disabled ? "disabled" : "enabled");
  return 0;
}

int nodeAdd(cloud::CloudStore& store, const Context& ctx, const cloud::VmmNode& node) {
  auto n = store.addNode(node);
  if (!n) return fail(n.error());
  if (ctx.json) {
    printJson(Json{{"uri", n->uri}, {"memory_mib", n->memoryMiB}, {"vcpus", n->vcpus}, {"networks", n->networks}});
  } else {
    std::printf("Node '%s' added.\n", n->uri.c_str());
  }
  return 0;
}

int nodeList(cloud::CloudStore& store, const Context& ctx) {
  auto nodes = store.listNodes();
  if (!nodes) return fail(nodes.error());
  auto networks = [](const cloud::VmmNode& n) {
    std::string s;
    for (const auto& p : n.networks) s += (s.empty() ? "" : ",") + p;
    return s.empty() ? std::string("-") : s;
  };
  if (ctx.json) {
    Json a = Json::array();
    for (const auto& n : *nodes)
      a.push_back({{"uri", n.uri}, {"memory_mib", n.memoryMiB}, {"vcpus", n.vcpus}, {"networks", n.networks},
                   {"state", cloud::nodeStateName(n.state)}, {"last_error", n.lastError},
                   {"last_seen", n.lastSeen}});  // Unix seconds of the last answer to a health check, 0: never
    printJson(a);
    return 0;
  }
  std::printf(" %-36s %10s %6s %-10s %s\n", "Node", "Memory", "vCPUs", "State", "Networks");
  std::printf("%s\n", std::string(80, '-').c_str());
  for (const auto& n : *nodes)
    std::printf(" %-36s %6lld MiB %6lld %-10s %s\n", n.uri.c_str(), static_cast<long long>(n.memoryMiB),
                static_cast<long long>(n.vcpus), cloud::nodeStateName(n.state), networks(n).c_str());
  return 0;
}

int nodeSetState(cloud::CloudStore& store, const std::string& uri, cloud::VmmNode::State state) {
  if (auto s = store.setNodeState(uri, state); !s) return fail(s.error());
  std::printf("Node '%s' %s.\n", uri.c_str(), state == cloud::VmmNode::State::Disabled ? "disabled" : "enabled");
  return 0;
}

int nodeRemove(cloud::CloudStore& store, const std::string& uri) {
  if (auto s = store.removeNode(uri); !s) return fail(s.error());
  std::printf("Node '%s' removed.\n", uri.c_str());
  return 0;
}

std::string imageDir(const Context& ctx) { return cloud::repositoryDir(ctx.root); }

namespace {
Result<std::int64_t> ownerId(cloud::CloudStore& store, const std::string& user) {
  if (user.empty()) return std::int64_t{0};
  auto u = store.user(user);
  if (!u) return std::move(u).error();
  return u->id;
}
}  // namespace

int imageAdd(cloud::CloudStore& store, const Context& ctx, const std::string& name, const std::string& file,
             const std::string& user) {
  auto owner = ownerId(store, user);
  if (!owner) return fail(owner.error());
  cloud::ImageRepository repo(store, imageDir(ctx));
  auto img = repo.add(*owner, name, file);
  if (!img) return fail(img.error());
  if (ctx.json)
    printJson(Json{{"name", img->name}, {"common", img->ownerId == 0}, {"format", img->format}, {"size", img->sizeBytes}});
  else
    std::printf("Image '%s' added (%s, %lld bytes%s).\n", img->name.c_str(), img->format.c_str(),
                static_cast<long long>(img->sizeBytes), img->ownerId ? "" : ", common");
  return 0;
}

int imageList(cloud::CloudStore& store, const Context& ctx, const std::string& user) {
  auto owner = ownerId(store, user);
  if (!owner) return fail(owner.error());
  cloud::ImageRepository repo(store, imageDir(ctx));
  auto images = repo.list(*owner);
  if (!images) return fail(images.error());
  if (ctx.json) {
    Json a = Json::array();
    for (const auto& i : *images)
      a.push_back({{"name", i.name}, {"common", i.ownerId == 0}, {"format", i.format}, {"size", i.sizeBytes}});
    printJson(a);
    return 0;
  }
  std::printf(" %-32s %-7s %-7s %14s\n", "Image", "Owner", "Format", "Size");
  std::printf("%s\n", std::string(64, '-').c_str());
  for (const auto& i : *images)
    std::printf(" %-32s %-7s %-7s %14lld\n", i.name.c_str(), i.ownerId ? "user" : "common", i.format.c_str(),
                static_cast<long long>(i.sizeBytes));
  return 0;
}

}  // namespace stratus::cloudadmin
