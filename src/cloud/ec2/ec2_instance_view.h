// An instance as EC2 shows it: the service's record with what RunInstances
// recorded and its tags; EC2's state codes; DescribeInstances' filters and
// pagination; the XML of instancesSet items and reservations. Pure
// functions over values, so tests need no service.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/cloud_types.h"
#include "cloud/ec2/ec2_query.h"
#include "util/error.h"

namespace stratus::cloud::ec2 {

struct InstanceView {
  Instance instance;
  std::string instanceId;     // i-...
  std::string imageId;        // ami-... ("" when the image is gone)
  std::string reservationId;  // r-...
  std::string instanceType;
  std::string keyName;
  std::string zone;
  std::int64_t launchIndex = 0;
  std::map<std::string, std::string> tags;
};

struct InstanceState {
  int code;
  const char* name;
};
// The service's state words -> EC2's: 0 pending, 16 running, 32
// shutting-down, 48 terminated, 64 stopping, 80 stopped.
InstanceState ec2State(const std::string& serviceState);

// Does the instance pass the filter (one of its values)? Names: instance-id,
// instance-state-name, instance-state-code, image-id, instance-type,
// key-name, availability-zone, private-ip-address, ip-address,
// reservation-id, tag:KEY, tag-key. Another name is InvalidParameterValue.
Result<bool> matchesFilter(const InstanceView& v, const Filter& f);

struct InstancePage {
  std::vector<const InstanceView*> items;
  std::string nextToken;  // "" on the last page
};
// DescribeInstances' selection: the ids asked for (each must exist:
// InvalidInstanceID.NotFound), the filters (all must pass), then a page of
// at most maxResults (5-1000; not with ids) from nextToken on. Terminated
// instances appear only when asked for by id or by a state filter.
Result<InstancePage> selectInstances(const std::vector<InstanceView>& all, const std::vector<std::string>& ids,
                                     const std::vector<Filter>& filters, std::optional<std::int64_t> maxResults,
                                     const std::string& nextToken);

void appendInstanceItem(pugi::xml_node instancesSet, const InstanceView& v);
// reservationSet items: the page's instances grouped by reservation, in
// the order the page first names them.
void appendReservations(pugi::xml_node reservationSet, const std::vector<const InstanceView*>& page,
                        const std::string& ownerId);

}  // namespace stratus::cloud::ec2
