// DescribeImages, RegisterImage (a disk image the user put in the S3
// repository becomes one of their images, the object itself, no copy) and
// DeregisterImage (the object stays).
#include <filesystem>

#include "cloud/aws/canonical.h"
#include "cloud/ec2/ec2_context.h"
#include "cloud/s3/s3_store.h"

namespace stratus::cloud::ec2 {

namespace {

bool imageMatches(const Image& img, const std::string& id, const std::map<std::string, std::string>& tags,
                  const Filter& f, Result<bool>& verdict) {
  auto any = [&](const std::string& text) {
    return std::any_of(f.values.begin(), f.values.end(), [&](const std::string& p) { return wildcardMatch(p, text); });
  };
  if (f.name == "image-id") verdict = any(id);
  else if (f.name == "name") verdict = any(img.name);
  else if (f.name == "is-public") verdict = any(img.ownerId == 0 ? "true" : "false");
  else if (f.name == "state") verdict = any(img.problem.empty() ? "available" : "failed");
  else if (f.name.rfind("tag:", 0) == 0) {
    auto t = tags.find(f.name.substr(4));
    verdict = t != tags.end() && any(t->second);
  } else verdict = ec2Error("InvalidParameterValue", "The filter '" + f.name.substr(0, 64) + "' is invalid");
  return verdict.ok() && *verdict;
}

}  // namespace

Status describeImages(Ctx& c) {
  auto ids = c.p.list("ImageId");
  for (const auto& id : ids) STRATUS_TRY(imageRowOf(id));
  auto owners = c.p.list("Owner");
  auto filters = c.p.filters();
  if (!filters) return std::move(filters).error();
  auto all = c.s.images.list(c.user.id);
  if (!all) return std::move(all).error();
  auto tags = c.s.ec2.tagsByResource(c.user.id);
  if (!tags) return std::move(tags).error();
  for (const auto& id : ids)
    if (std::none_of(all->begin(), all->end(), [&](const Image& i) { return imageIdOf(i.id) == id; }))
      return ec2Error("InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist");
  std::string self = accountIdOf(c.user.id);
  auto set = c.root.append_child("imagesSet");
  for (const auto& img : *all) {
    std::string id = imageIdOf(img.id);
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    std::string owner = img.ownerId == 0 ? "stratus" : accountIdOf(img.ownerId);
    if (!owners.empty() && std::none_of(owners.begin(), owners.end(), [&](const std::string& o) {
          return o == "all" || o == owner || (o == "self" && img.ownerId == c.user.id) ||
                 ((o == "amazon" || o == "stratus") && img.ownerId == 0);
        }))
      continue;
    static const std::map<std::string, std::string> kNoTags;
    auto t = tags->find(id);
    const auto& imgTags = t == tags->end() ? kNoTags : t->second;
    bool pass = true;
    for (const auto& f : *filters) {
      Result<bool> verdict = false;
      if (!imageMatches(img, id, imgTags, f, verdict)) {
        if (!verdict) return std::move(verdict).error();
        pass = false;
        break;
      }
    }
    if (!pass) continue;
    auto item = set.append_child("item");
    addText(item, "imageId", id);
    addText(item, "imageLocation",
            img.bucket.empty() ? (img.ownerId == 0 ? "common/" : owner + "/") + img.name : img.location());
    addText(item, "imageState", img.problem.empty() ? "available" : "failed");
    if (!img.problem.empty()) {
      auto reason = item.append_child("stateReason");
      addText(reason, "code", "Client.InvalidImage");
      addText(reason, "message", "The image " + img.problem);
    }
    addText(item, "imageOwnerId", owner);
    addText(item, "creationDate", aws::formatIsoDate(img.created));
    addBool(item, "isPublic", img.ownerId == 0);
    addText(item, "architecture", "x86_64");
    addText(item, "imageType", "machine");
    addText(item, "name", img.name);
    addText(item, "description", img.format + " disk image, " + std::to_string(img.sizeBytes) + " bytes");
    addText(item, "rootDeviceType", "instance-store");
    addText(item, "virtualizationType", "hvm");
    addText(item, "hypervisor", "xen");  // the SDK's enum knows ovm and xen only; the nodes run QEMU/KVM
    auto tagSet = item.append_child("tagSet");
    for (const auto& [k, v] : imgTags) {
      auto ti = tagSet.append_child("item");
      addText(ti, "key", k);
      addText(ti, "value", v);
    }
  }
  return okStatus();
}

Status registerImage(Ctx& c) {
  auto name = c.p.required("Name");
  if (!name) return std::move(name).error();
  auto location = c.p.required("ImageLocation");
  if (!location) return std::move(location).error();
  auto slash = location->find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == location->size())
    return ec2Error("InvalidParameterValue", "ImageLocation must be BUCKET/KEY of an object in the S3 repository");
  std::string bucketName = location->substr(0, slash), key = location->substr(slash + 1);
  s3::S3Store objects(c.s.store.db());
  auto bucket = objects.bucket(bucketName);
  if (!bucket) return std::move(bucket).error();
  if (!*bucket || ((*bucket)->ownerId && *(*bucket)->ownerId != c.user.id))
    return ec2Error("InvalidManifest", "The bucket '" + bucketName + "' does not exist or is not yours");
  auto object = objects.object(bucketName, key);
  if (!object) return std::move(object).error();
  if (!*object) return ec2Error("InvalidManifest", "No object '" + key + "' in bucket '" + bucketName + "'");
  // The object itself becomes the image (no copy): replacing or deleting
  // it later makes the image unavailable, as an S3 bundle's AMI on AWS.
  auto img = c.s.images.registerObject(c.user.id, *name, bucketName, key);
  if (!img) {
    const auto& e = img.error();
    if (e.code == ErrorCode::DomainExists)
      return ec2Error("InvalidAMIName.Duplicate", "AMI name " + *name + " is already in use");
    if (e.code == ErrorCode::InvalidArgument && e.message.find("image name") != std::string::npos)
      return ec2Error("InvalidAMIName.Malformed", e.message);
    if (e.code == ErrorCode::InvalidArgument || e.code == ErrorCode::Unsupported) return ec2Error("InvalidManifest", e.message);
    if (e.message.find("quota") != std::string::npos) return ec2Error("ResourceLimitExceeded", e.message);
    return e;
  }
  addText(c.root, "imageId", imageIdOf(img->id));
  return okStatus();
}

Status deregisterImage(Ctx& c) {
  auto id = c.p.required("ImageId");
  if (!id) return std::move(id).error();
  auto img = visibleImage(c, *id);
  if (!img) return std::move(img).error();
  if (img->ownerId != c.user.id)
    return ec2Error("UnauthorizedOperation", "You are not authorized to deregister the shared image " + *id);
  STRATUS_TRY(c.s.images.remove(c.user.id, img->name, /*deleteObject=*/false));
  STRATUS_TRY(c.s.ec2.deleteTags(c.user.id, {*id}, {}));
  addBool(c.root, "return", true);
  return okStatus();
}

}  // namespace stratus::cloud::ec2
