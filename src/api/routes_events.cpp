// GET /v1/events: Server-Sent Events, one DomainEvent JSON per "data:" line.
#include "api/routes_common.h"

namespace stratus::api {

void addEventRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  r.add("GET", "/v1/events", [&node](Request&) {
    auto stream = std::make_shared<EventStream>();
    auto sink = stream->sink();
    auto sub = node.subscribeEvents([sink](const daemon::DomainEvent& ev) { sink(nlohmann::json(ev).dump()); });
    if (!sub.ok()) return errorResponse(sub.error());
    stream->hold(std::move(sub).value());
    Response resp;
    resp.status = 200;
    resp.contentType = "text/event-stream";
    resp.events = std::move(stream);
    return resp;
  });
}

}  // namespace stratus::api
