#include "cloud/ec2/ec2_instance_view.h"

#include <algorithm>
#include <charconv>

#include "cloud/aws/canonical.h"
#include "cloud/ec2/ec2_errors.h"
#include "cloud/ec2/ec2_xml.h"

namespace stratus::cloud::ec2 {

InstanceState ec2State(const std::string& s) {
  if (s == "Unpropagated" || s == "Propagated" || s == "TransportReady") return {0, "pending"};
  if (s == "Running" || s == "Paused" || s == "Unknown") return {16, "running"};
  if (s == "Destroying" || s == "Cancelled") return {32, "shutting-down"};
  if (s == "Stopping") return {64, "stopping"};
  if (s == "Stopped") return {80, "stopped"};
  return {48, "terminated"};  // Destroyed, Corrupted
}

namespace {

bool anyMatch(const std::vector<std::string>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return wildcardMatch(p, text); });
}

std::string firstIp(const InstanceView& v) { return v.instance.nics.empty() ? std::string() : v.instance.nics[0].ip; }

}  // namespace

Result<bool> matchesFilter(const InstanceView& v, const Filter& f) {
  const auto& n = f.name;
  if (n.rfind("tag:", 0) == 0) {
    auto it = v.tags.find(n.substr(4));
    return it != v.tags.end() && anyMatch(f.values, it->second);
  }
  if (n == "tag-key") {
    for (const auto& [k, val] : v.tags)
      if (anyMatch(f.values, k)) return true;
    return false;
  }
  auto state = ec2State(v.instance.state);
  if (n == "instance-id") return anyMatch(f.values, v.instanceId);
  if (n == "instance-state-name") return anyMatch(f.values, state.name);
  if (n == "instance-state-code") return anyMatch(f.values, std::to_string(state.code));
  if (n == "image-id") return anyMatch(f.values, v.imageId);
  if (n == "instance-type") return anyMatch(f.values, v.instanceType);
  if (n == "key-name") return anyMatch(f.values, v.keyName);
  if (n == "availability-zone") return anyMatch(f.values, v.zone);
  if (n == "reservation-id") return anyMatch(f.values, v.reservationId);
  if (n == "private-ip-address" || n == "ip-address") return anyMatch(f.values, firstIp(v));
  return ec2Error("InvalidParameterValue", "The filter '" + n.substr(0, 64) + "' is invalid");
}

Result<InstancePage> selectInstances(const std::vector<InstanceView>& all, const std::vector<std::string>& ids,
                                     const std::vector<Filter>& filters, std::optional<std::int64_t> maxResults,
                                     const std::string& nextToken) {
  if (maxResults && !ids.empty())
    return ec2Error("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  if (maxResults && (*maxResults < 5 || *maxResults > 1000))
    return ec2Error("InvalidParameterValue", "Value (" + std::to_string(*maxResults) +
                                                 ") for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
  for (const auto& id : ids)
    if (std::none_of(all.begin(), all.end(), [&](const InstanceView& v) { return v.instanceId == id; }))
      return ec2Error("InvalidInstanceID.NotFound", "The instance ID '" + id.substr(0, 64) + "' does not exist");
  bool stateFiltered = std::any_of(filters.begin(), filters.end(), [](const Filter& f) {
    return f.name == "instance-state-name" || f.name == "instance-state-code";
  });
  std::vector<const InstanceView*> chosen;
  for (const auto& v : all) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), v.instanceId) == ids.end()) continue;
    if (ids.empty() && !stateFiltered && ec2State(v.instance.state).code == 48) continue;
    bool pass = true;
    for (const auto& f : filters) {
      auto m = matchesFilter(v, f);
      if (!m) return std::move(m).error();
      if (!*m) {
        pass = false;
        break;
      }
    }
    if (pass) chosen.push_back(&v);
  }
  // The token is the position of the next instance, in the order of their
  // row ids (new instances land after it, so a page never repeats one).
  std::size_t from = 0;
  if (!nextToken.empty()) {
    std::int64_t after = 0;
    auto [p, ec] = std::from_chars(nextToken.data(), nextToken.data() + nextToken.size(), after);
    if (ec != std::errc() || p != nextToken.data() + nextToken.size() || after < 0)
      return ec2Error("InvalidParameterValue", "The NextToken '" + nextToken.substr(0, 64) + "' is not valid");
    while (from < chosen.size() && chosen[from]->instance.id <= after) ++from;
  }
  InstancePage page;
  std::size_t limit = maxResults ? static_cast<std::size_t>(*maxResults) : chosen.size();
  for (std::size_t i = from; i < chosen.size() && page.items.size() < limit; ++i) page.items.push_back(chosen[i]);
  if (from + page.items.size() < chosen.size()) page.nextToken = std::to_string(page.items.back()->instance.id);
  return page;
}

void appendInstanceItem(pugi::xml_node set, const InstanceView& v) {
  const Instance& i = v.instance;
  auto item = set.append_child("item");
  addText(item, "instanceId", v.instanceId);
  addText(item, "imageId", v.imageId);
  auto st = item.append_child("instanceState");
  auto state = ec2State(i.state);
  addInt(st, "code", state.code);
  addText(st, "name", state.name);
  std::string host = i.nics.empty() ? std::string() : i.nics[0].hostname;
  addText(item, "privateDnsName", host);
  addText(item, "dnsName", host);
  addText(item, "reason", "");
  if (!v.keyName.empty()) addText(item, "keyName", v.keyName);
  addInt(item, "amiLaunchIndex", v.launchIndex);
  item.append_child("productCodes");
  addText(item, "instanceType", v.instanceType);
  addText(item, "launchTime", aws::formatIsoDate(i.started));
  auto placement = item.append_child("placement");
  addText(placement, "availabilityZone", v.zone);
  addText(placement, "groupName", "");
  addText(placement, "tenancy", "default");
  addText(item.append_child("monitoring"), "state", "disabled");
  if (!i.nics.empty()) {
    addText(item, "privateIpAddress", i.nics[0].ip);
    addText(item, "ipAddress", i.nics[0].ip);
  }
  item.append_child("groupSet");
  addText(item, "architecture", "x86_64");
  addText(item, "rootDeviceType", "instance-store");
  item.append_child("blockDeviceMapping");
  addText(item, "virtualizationType", "hvm");
  addText(item, "clientToken", i.clientToken);
  auto tagSet = item.append_child("tagSet");
  for (const auto& [k, val] : v.tags) {
    auto t = tagSet.append_child("item");
    addText(t, "key", k);
    addText(t, "value", val);
  }
  auto cpu = item.append_child("cpuOptions");
  addInt(cpu, "coreCount", i.vcpus);
  addInt(cpu, "threadsPerCore", 1);
  auto nics = item.append_child("networkInterfaceSet");
  for (std::size_t n = 0; n < i.nics.size(); ++n) {
    auto ni = nics.append_child("item");
    addText(ni, "macAddress", i.nics[n].mac);
    addText(ni, "privateIpAddress", i.nics[n].ip);
    addText(ni, "privateDnsName", i.nics[n].hostname);
    addText(ni, "subnetId", i.nics[n].pool);
    addText(ni.append_child("attachment"), "deviceIndex", std::to_string(n));
  }
}

void appendReservations(pugi::xml_node reservationSet, const std::vector<const InstanceView*>& page,
                        const std::string& ownerId) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const InstanceView*>> byReservation;
  for (const auto* v : page) {
    if (!byReservation.count(v->reservationId)) order.push_back(v->reservationId);
    byReservation[v->reservationId].push_back(v);
  }
  for (const auto& r : order) {
    auto item = reservationSet.append_child("item");
    addText(item, "reservationId", r);
    addText(item, "ownerId", ownerId);
    item.append_child("groupSet");
    auto set = item.append_child("instancesSet");
    for (const auto* v : byReservation[r]) appendInstanceItem(set, *v);
  }
}

}  // namespace stratus::cloud::ec2
