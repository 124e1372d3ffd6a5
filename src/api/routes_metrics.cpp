// GET /metrics: Prometheus text exposition format 0.0.4.
#include <array>

#include <fmt/format.h>

#include "api/routes_common.h"

namespace stratus::api {

void addMetricsRoutes(Router& r, RouteContext ctx) {
  auto& node = ctx.node;
  auto& stats = ctx.stats;
  r.add("GET", "/metrics", [&node, &stats](Request&) {
    auto list = node.listDomains();
    if (!list.ok()) return errorResponse(list.error());
    std::array<std::uint64_t, 8> byState{};
    for (const auto& d : *list) {
      auto i = static_cast<std::size_t>(d.state);
      if (i < byState.size()) ++byState[i];
    }
    std::string out;
    out += "# HELP stratus_domains Domains known to the node, by power state.\n";
    out += "# TYPE stratus_domains gauge\n";
    for (std::size_t i = 0; i < byState.size(); ++i)
      out += fmt::format("stratus_domains{{state=\"{}\"}} {}\n", stateWireName(static_cast<conf::DomainState>(i)),
                         byState[i]);
    auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - stats.started).count();
    out += "# HELP stratus_http_requests_total HTTP requests served.\n# TYPE stratus_http_requests_total counter\n";
    out += fmt::format("stratus_http_requests_total {}\n", stats.requests.load());
    out += "# HELP stratus_http_request_errors_total HTTP requests answered with an error status.\n"
           "# TYPE stratus_http_request_errors_total counter\n";
    out += fmt::format("stratus_http_request_errors_total {}\n", stats.errors.load());
    out += "# HELP stratus_http_connections Open client connections.\n# TYPE stratus_http_connections gauge\n";
    out += fmt::format("stratus_http_connections {}\n", stats.connections.load());
    out += "# HELP stratus_event_streams Open event streams.\n# TYPE stratus_event_streams gauge\n";
    out += fmt::format("stratus_event_streams {}\n", stats.eventStreams.load());
    out += "# HELP stratus_uptime_seconds Seconds since the API server started.\n"
           "# TYPE stratus_uptime_seconds gauge\n";
    out += fmt::format("stratus_uptime_seconds {:.3f}\n", uptime);
    return textResponse(200, "text/plain; version=0.0.4", std::move(out));
  });
}

}  // namespace stratus::api
