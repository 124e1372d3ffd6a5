// The service node's REST API (port 8443, Nimbus's service port): what
// cloud-client speaks. JSON over HTTP, every request authenticated with the
// user's client token (`Authorization: Bearer TOKEN`). docs/cloud.md lists
// the routes:
//   GET    /v1/info                        the service: version, networks
//   GET    /v1/images                      the user's and the common images
//   PUT    /v1/images/{name}               upload a user image (streamed body)
//   DELETE /v1/images/{name}
//   POST   /v1/instances                   run: {image, hours, networks[], count, vcpus, memory_mib, client_token}
//   GET    /v1/instances                   the user's instances
//   GET    /v1/instances/{handle}
//   DELETE /v1/instances/{handle}          terminate
//   POST   /v1/instances/{handle}/lease    {hours}: a new lease end, from now
#pragma once

#include <cstdint>
#include <functional>

#include <nlohmann/json_fwd.hpp>

#include "api/http.h"
#include "cloud/cloud_service.h"

namespace stratus::cloud {

// `now`: unix seconds (tests pass a fake clock).
api::Router makeCloudRouter(CloudService& service, CloudStore& store, ImageRepository& images,
                            std::function<std::int64_t()> now);

// An instance as the API and `cloud-client --json` show it (Nimbus's
// fields: handle, name (the image), state, ip, hostname, node, start,
// termination as ISO 8601 UTC).
nlohmann::json instanceJson(const Instance& i);

}  // namespace stratus::cloud
