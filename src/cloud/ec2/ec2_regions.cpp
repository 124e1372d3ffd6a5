// DescribeRegions (one: stratus-1, at the address the client reached) and
// DescribeAvailabilityZones (one per group of nodes: `node add --zone`).
#include "cloud/ec2/ec2_context.h"

namespace stratus::cloud::ec2 {

Status describeAvailabilityZones(Ctx& c) {
  auto zones = c.s.ec2.zones();
  if (!zones) return std::move(zones).error();
  auto names = c.p.list("ZoneName");
  for (const auto& n : names)
    if (std::find(zones->begin(), zones->end(), n) == zones->end())
      return ec2Error("InvalidParameterValue", "Invalid availability zone: [" + n.substr(0, 64) + "]");
  auto set = c.root.append_child("availabilityZoneInfo");
  int n = 0;
  for (const auto& z : *zones) {
    ++n;
    if (!names.empty() && std::find(names.begin(), names.end(), z) == names.end()) continue;
    auto item = set.append_child("item");
    addText(item, "zoneName", z);
    addText(item, "zoneState", "available");
    addText(item, "regionName", c.s.opts.region);
    addText(item, "zoneId", c.s.opts.region + "-az" + std::to_string(n));
    addText(item, "zoneType", "availability-zone");
    item.append_child("messageSet");
  }
  return okStatus();
}

Status describeRegions(Ctx& c) {
  auto names = c.p.list("RegionName");
  for (const auto& n : names)
    if (n != c.s.opts.region) return ec2Error("InvalidParameterValue", "Invalid region: " + n.substr(0, 64));
  auto host = c.req.headers.find("host");
  auto set = c.root.append_child("regionInfo");
  auto item = set.append_child("item");
  addText(item, "regionName", c.s.opts.region);
  addText(item, "regionEndpoint", host == c.req.headers.end() ? std::string("127.0.0.1:8444") : host->second);
  addText(item, "optInStatus", "opt-in-not-required");
  return okStatus();
}

}  // namespace stratus::cloud::ec2
