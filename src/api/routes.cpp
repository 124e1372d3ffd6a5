#include "api/routes_common.h"

namespace stratus::api {

Router makeRouter(daemon::NodeService& node, ServerStats& stats) {
  Router r;
  RouteContext ctx{node, stats};
  addHostRoutes(r, ctx);
  addDomainRoutes(r, ctx);
  addDomainLifecycleRoutes(r, ctx);
  addDomainDeviceRoutes(r, ctx);
  addDomainJobRoutes(r, ctx);
  addNetworkRoutes(r, ctx);
  addEventRoutes(r, ctx);
  addConsoleRoutes(r, ctx);
  addMetricsRoutes(r, ctx);
  addDomainStatsRoutes(r, ctx);
  addStoragePoolRoutes(r, ctx);
  addStorageVolumeRoutes(r, ctx);
  addDomainMigrationRoutes(r, ctx);
  return r;
}

}  // namespace stratus::api
