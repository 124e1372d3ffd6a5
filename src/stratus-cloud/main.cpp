// stratus-cloud: the IaaS service node (issue 9). Administrator commands on
// the service's state under --root (its database: --db, an SQLite file or a
// PostgreSQL URL); `serve` (the REST / EC2 / S3 front ends) comes with the
// service itself.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cloud/cloud_store.h"
#include "cloud/ec2/ec2_store.h"
#include "stratus-cloud/admin.h"
#include "stratus-cloud/serve.h"

using namespace stratus;

namespace {

std::string databasePath(const std::string& root) { return root + "/var/lib/stratus-cloud/cloud.db"; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stratus-cloud: the Stratus IaaS service node (users, VMM nodes, images, instances, leases)"};
  app.require_subcommand(1);
  cloudadmin::Context ctx;
  ctx.root = "/";
  std::string db;
  app.add_option("--root", ctx.root, "Root of the service's state: ROOT/var/lib/stratus-cloud/cloud.db, "
                                     "ROOT/etc/stratus-cloud/")
      ->default_val("/");
  // Global, and accepted after any subcommand too (fallthrough), so the
  // administrator commands reach the database `serve --db URL` uses.
  app.add_option("--db", db,
                 "The service's database, for every subcommand: an SQLite file (default "
                 "ROOT/var/lib/stratus-cloud/cloud.db) or a PostgreSQL URL "
                 "postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME (several service processes may share one)");
  app.fallthrough();
  app.add_option("--service-url", ctx.serviceUrl, "The service URL written into users' cloud.properties")
      ->default_val("http://127.0.0.1:8443");
  app.add_flag("--json", ctx.json, "Print results as JSON");

  auto* user = app.add_subcommand("user", "Users and their credentials (nimbus-new-user, nimbus-list-users)");
  user->require_subcommand(1);
  std::string userName, properties;
  auto* userAdd = user->add_subcommand("add", "Create a user: prints its access key id and secret, writes its "
                                              "cloud.properties");
  userAdd->add_option("NAME", userName, "User name (letters, digits, ._@-)")->required();
  userAdd->add_option("--properties", properties,
                      "Where to write the user's cloud.properties (default ROOT/etc/stratus-cloud/users/NAME/cloud.properties)");
  userAdd->add_flag("--json", ctx.json, "Print JSON: name, access_key_id, secret_access_key, client_token");
  cloudadmin::QuotaChanges quotas;
  // The same limits on `user add` and `user quota`.
  auto quotaOptions = [&quotas](CLI::App* c) {
    c->add_option("--instances", quotas.instances, "At most this many instances at once")->check(CLI::NonNegativeNumber);
    c->add_option("--vcpus", quotas.vcpus, "At most this many vCPUs in all")->check(CLI::NonNegativeNumber);
    c->add_option("--memory", quotas.memoryMiB, "At most this much memory in all, MiB")->check(CLI::NonNegativeNumber);
    c->add_option("--storage", quotas.storageMiB, "At most this much image storage, MiB")->check(CLI::NonNegativeNumber);
    c->add_option("--hours", quotas.maxHours, "The longest lease one may ask for, hours")->check(CLI::PositiveNumber);
  };
  quotaOptions(userAdd);
  auto* userQuota = user->add_subcommand("quota", "Show a user's quotas, or change those given");
  userQuota->add_option("NAME", userName)->required();
  quotaOptions(userQuota);
  userQuota->add_flag("--json", ctx.json, "Print JSON");
  auto* userList = user->add_subcommand("list", "List users");
  userList->add_flag("--json", ctx.json, "Print JSON");
  auto* userDisable = user->add_subcommand("disable", "Disable a user: their requests are refused");
  userDisable->add_option("NAME", userName)->required();
  auto* userEnable = user->add_subcommand("enable", "Enable a disabled user again");
  userEnable->add_option("NAME", userName)->required();

  auto* node = app.add_subcommand("node", "VMM nodes the service places instances on (nimbus-nodes)");
  node->require_subcommand(1);
  cloud::VmmNode n;
  std::string networks, uri;
  auto* nodeAdd = node->add_subcommand("add", "Register a node (qemu+tcp://HOST/system, or test:///default)");
  nodeAdd->add_option("URI", n.uri, "The node's stratusd URI")->required();
  nodeAdd->add_option("--memory", n.memoryMiB, "Memory for guests, MiB")->required();
  nodeAdd->add_option("--vcpus", n.vcpus, "vCPUs for guests")->required();
  nodeAdd->add_option("--networks", networks, "Network pools it serves, comma separated");
  std::string zone;
  nodeAdd->add_option("--zone", zone, "The availability zone it belongs to in the EC2 API (default stratus-1a)");
  nodeAdd->add_flag("--json", ctx.json, "Print JSON");
  auto* nodeList = node->add_subcommand("list", "List nodes with their state");
  nodeList->add_flag("--json", ctx.json, "Print JSON");
  auto* nodeDisable = node->add_subcommand("disable", "Place nothing new on a node");
  nodeDisable->add_option("URI", uri)->required();
  auto* nodeEnable = node->add_subcommand("enable", "Place instances on a disabled node again");
  nodeEnable->add_option("URI", uri)->required();
  auto* nodeRemove = node->add_subcommand("remove", "Unregister a node without instances");
  nodeRemove->add_option("URI", uri)->required();

  auto* image = app.add_subcommand("image", "Images in the service's repository");
  image->require_subcommand(1);
  std::string imageName, imageFile, imageUser;
  bool common = false;
  auto* imageAdd = image->add_subcommand("add", "Add a bootable disk image (raw or qcow2)");
  imageAdd->add_option("NAME", imageName, "Image name (letters, digits, ._-)")->required();
  imageAdd->add_option("FILE", imageFile, "The image file")->required()->check(CLI::ExistingFile);
  auto* commonFlag = imageAdd->add_flag("--common", common, "A common image every user can run");
  imageAdd->add_option("--user", imageUser, "The user who owns it")->excludes(commonFlag);
  imageAdd->add_flag("--json", ctx.json, "Print JSON");
  auto* imageList = image->add_subcommand("list", "List the common images (and a user's own with --user)");
  imageList->add_option("--user", imageUser, "Also this user's images");
  imageList->add_flag("--json", ctx.json, "Print JSON");

  auto* serveCmd = app.add_subcommand("serve", "Run the service in the foreground: the REST API for cloud-client "
                                              "(port 8443), lease timers and node health checks");
  cloudadmin::ServeOptions serveOpts;
  std::string strategy = "greedy-fill";
  serveCmd->add_option("--listen", serveOpts.listen, "Serve on ADDR[:PORT] (default 127.0.0.1:8443; repeatable)");
  serveCmd->add_option("--s3-listen", serveOpts.s3Listen,
                       "Serve S3 on ADDR[:PORT] (default: the first --listen address, port 8888; repeatable)");
  serveCmd->add_option("--ec2-listen", serveOpts.ec2Listen,
                       "Serve the EC2 Query API on ADDR[:PORT] (default: the first --listen address, port 8444; repeatable)");
  serveCmd->add_option("--grace-seconds", serveOpts.graceSeconds,
                       "Seconds between a lease's end (shutdown) and the instance's destruction")
      ->default_val(600);
  serveCmd->add_option("--console-dir", serveOpts.consoleDir,
                       "A directory on the nodes where each instance's serial console is logged "
                       "(DIR/HANDLE.console, which EC2's GetConsoleOutput reads; default: a pty on the node)");
  serveCmd->add_option("--strategy", strategy, "Placement: greedy-fill or round-robin")
      ->check(CLI::IsMember({"greedy-fill", "round-robin"}))
      ->default_val("greedy-fill");
  serveCmd->add_flag("--verbose,-v", serveOpts.verbose, "Debug logging");
  serveCmd->footer("The database is stratus-cloud's global --db FILE|postgresql://... (also accepted here, "
                   "after serve); several serve processes may share one PostgreSQL database.");

  CLI11_PARSE(app, argc, argv);
  if (*serveCmd) {
    serveOpts.root = ctx.root;
    serveOpts.db = db;
    serveOpts.strategy = strategy == "round-robin" ? cloud::PlacementStrategy::RoundRobin : cloud::PlacementStrategy::GreedyFill;
    return cloudadmin::serve(serveOpts);
  }
  if (*imageAdd && !common && imageUser.empty()) {
    std::fprintf(stderr, "error: image add: say whose image it is: --common or --user NAME\n");
    return 1;
  }

  auto store = cloud::CloudStore::open(db.empty() ? databasePath(ctx.root) : db);
  if (!store) {
    std::fprintf(stderr, "error: %s\n", store.error().describe().c_str());
    return 1;
  }
  auto& s = **store;
  if (*userAdd) return cloudadmin::userAdd(s, ctx, userName, properties, quotas);
  if (*userQuota) return cloudadmin::userQuota(s, ctx, userName, quotas);
  if (*userList) return cloudadmin::userList(s, ctx);
  if (*userDisable) return cloudadmin::userDisable(s, userName, true);
  if (*userEnable) return cloudadmin::userDisable(s, userName, false);
  if (*nodeAdd) {
    n.networks = cloud::splitNames(networks);
    if (!zone.empty()) {
      if (auto v = cloud::ec2::validZoneName(zone); !v) {
        std::fprintf(stderr, "error: %s\n", v.error().message.c_str());
        return 1;
      }
    }
    int rc = cloudadmin::nodeAdd(s, ctx, n);
    if (rc == 0 && !zone.empty()) {
      if (auto z = cloud::ec2::Ec2Store(s.db()).setNodeZone(n.uri, zone); !z) {
        std::fprintf(stderr, "error: %s\n", z.error().describe().c_str());
        return 1;
      }
    }
    return rc;
  }
  if (*nodeList) return cloudadmin::nodeList(s, ctx);
  if (*nodeDisable) return cloudadmin::nodeSetState(s, uri, cloud::VmmNode::State::Disabled);
  if (*nodeEnable) return cloudadmin::nodeSetState(s, uri, cloud::VmmNode::State::Up);
  if (*nodeRemove) return cloudadmin::nodeRemove(s, uri);
  if (*imageAdd) return cloudadmin::imageAdd(s, ctx, imageName, imageFile, imageUser);
  if (*imageList) return cloudadmin::imageList(s, ctx, imageUser);
  return 0;
}
