// DescribeInstances: the user's instances with what RunInstances recorded
// and their tags, filtered and paged (ec2_instance_view.h).
#include <algorithm>

#include "cloud/ec2/ec2_context.h"
#include "cloud/ec2/ec2_flavours.h"

namespace stratus::cloud::ec2 {

std::string reservationIdFor(const Instance& i) {
  // Instances cloud-client started are a reservation each.
  return "r-" + (i.handle.rfind("vm-", 0) == 0 ? i.handle.substr(3) : i.handle);
}

Result<std::vector<InstanceView>> instanceViews(Ctx& c) {
  auto instances = c.s.store.listInstances(c.user.id, true);
  if (!instances) return std::move(instances).error();
  auto launches = c.s.ec2.launches(c.user.id);
  if (!launches) return std::move(launches).error();
  auto tags = c.s.ec2.tagsByResource(c.user.id);
  if (!tags) return std::move(tags).error();
  auto images = c.s.images.list(c.user.id);
  if (!images) return std::move(images).error();
  auto flavours = loadFlavours(c.s.opts.flavoursFile);
  if (!flavours) flavours = builtinFlavours();
  std::vector<InstanceView> out;
  std::sort(instances->begin(), instances->end(), [](const Instance& a, const Instance& b) { return a.id < b.id; });
  for (auto& i : *instances) {
    InstanceView v;
    v.instanceId = instanceIdOf(i.handle);
    // The image it was started from, by name: the user's own shadows a common one.
    for (const auto& img : *images)
      if (img.name == i.image && (v.imageId.empty() || img.ownerId == c.user.id)) v.imageId = imageIdOf(img.id);
    if (auto l = launches->find(i.id); l != launches->end()) {
      v.reservationId = l->second.reservationId;
      v.instanceType = l->second.instanceType;
      v.keyName = l->second.keyName;
      v.zone = l->second.zone;
      v.launchIndex = l->second.launchIndex;
    } else {
      v.reservationId = reservationIdFor(i);
      v.instanceType = flavourFor(*flavours, i.vcpus, i.memoryMiB);
      v.zone = kDefaultZone;
    }
    if (auto t = tags->find(v.instanceId); t != tags->end()) v.tags = t->second;
    v.instance = std::move(i);
    out.push_back(std::move(v));
  }
  return out;
}

Status describeInstances(Ctx& c) {
  auto ids = c.p.list("InstanceId");
  for (const auto& id : ids) STRATUS_TRY(handleOf(id));
  auto filters = c.p.filters();
  if (!filters) return std::move(filters).error();
  auto maxResults = c.p.integer("MaxResults", 0, 100000);
  if (!maxResults) return std::move(maxResults).error();
  auto views = instanceViews(c);
  if (!views) return std::move(views).error();
  auto page = selectInstances(*views, ids, *filters, *maxResults, c.p.value("NextToken"));
  if (!page) return std::move(page).error();
  appendReservations(c.root.append_child("reservationSet"), page->items, accountIdOf(c.user.id));
  if (!page->nextToken.empty()) addText(c.root, "nextToken", page->nextToken);
  return okStatus();
}

}  // namespace stratus::cloud::ec2
