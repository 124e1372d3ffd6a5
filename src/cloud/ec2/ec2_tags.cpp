// CreateTags, DeleteTags, DescribeTags on the user's instances (i-...)
// and the images they see (ami-...). Tags are the user's own: tagging a
// shared image labels it for that user alone.
#include "cloud/ec2/ec2_context.h"

namespace stratus::cloud::ec2 {

namespace {

// Every resource named exists and is the user's to tag.
Result<std::vector<std::string>> taggable(Ctx& c) {
  auto ids = c.p.list("ResourceId");
  if (ids.empty()) return ec2Error("MissingParameter", "The request must contain the parameter ResourceId");
  std::optional<std::vector<InstanceView>> views;
  for (const auto& id : ids) {
    if (id.rfind("i-", 0) == 0) {
      STRATUS_TRY(handleOf(id));
      if (!views) {
        auto v = instanceViews(c);
        if (!v) return std::move(v).error();
        views = std::move(*v);
      }
      if (std::none_of(views->begin(), views->end(), [&](const InstanceView& v) { return v.instanceId == id; }))
        return ec2Error("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
    } else if (id.rfind("ami-", 0) == 0) {
      STRATUS_TRY(visibleImage(c, id));
    } else {
      return ec2Error("InvalidID", "The ID '" + id.substr(0, 64) + "' is not valid");
    }
  }
  return ids;
}

const char* resourceType(const std::string& id) { return id.rfind("ami-", 0) == 0 ? "image" : "instance"; }

}  // namespace

Status createTags(Ctx& c) {
  auto ids = taggable(c);
  if (!ids) return std::move(ids).error();
  auto tags = c.p.tags("Tag");
  if (!tags) return std::move(tags).error();
  if (tags->empty()) return ec2Error("MissingParameter", "The request must contain the parameter Tag");
  STRATUS_TRY(c.s.ec2.setTags(c.user.id, *ids, *tags));
  addBool(c.root, "return", true);
  return okStatus();
}

Status deleteTags(Ctx& c) {
  auto ids = taggable(c);
  if (!ids) return std::move(ids).error();
  auto tags = c.p.tags("Tag");
  if (!tags) return std::move(tags).error();
  STRATUS_TRY(c.s.ec2.deleteTags(c.user.id, *ids, *tags));
  addBool(c.root, "return", true);
  return okStatus();
}

Status describeTags(Ctx& c) {
  auto filters = c.p.filters();
  if (!filters) return std::move(filters).error();
  auto all = c.s.ec2.tags(c.user.id);
  if (!all) return std::move(all).error();
  auto set = c.root.append_child("tagSet");
  for (const auto& t : *all) {
    bool pass = true;
    for (const auto& f : *filters) {
      std::string field;
      if (f.name == "resource-id") field = t.resourceId;
      else if (f.name == "resource-type") field = resourceType(t.resourceId);
      else if (f.name == "key") field = t.key;
      else if (f.name == "value") field = t.value;
      else return ec2Error("InvalidParameterValue", "The filter '" + f.name.substr(0, 64) + "' is invalid");
      if (std::none_of(f.values.begin(), f.values.end(), [&](const std::string& p) { return wildcardMatch(p, field); }))
        pass = false;
    }
    if (!pass) continue;
    auto item = set.append_child("item");
    addText(item, "resourceId", t.resourceId);
    addText(item, "resourceType", resourceType(t.resourceId));
    addText(item, "key", t.key);
    addText(item, "value", t.value);
  }
  return okStatus();
}

}  // namespace stratus::cloud::ec2
