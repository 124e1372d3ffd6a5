// RunInstances: an instance type becomes vCPUs and memory (ec2_flavours.h),
// MinCount..MaxCount instances are placed one by one through the service,
// each with its slot on the node's network; a ClientToken makes the call
// idempotent (the same token returns the same reservation; with other
// parameters it is refused as IdempotentParameterMismatch).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cloud/aws/crypto.h"
#include "cloud/ec2/ec2_context.h"
#include "cloud/ec2/ec2_flavours.h"
#include "util/random.h"

namespace stratus::cloud::ec2 {

namespace {

// The service's refusals in EC2's words.
Error runError(const Error& e) {
  if (e.where) return e;  // already EC2's (or AWS's) code
  const auto& m = e.message;
  if (m.find("quota exceeded") != std::string::npos) return ec2Error("InstanceLimitExceeded", m);
  if (m.find("no node has room") != std::string::npos || m.find("no free slot") != std::string::npos)
    return ec2Error("InsufficientInstanceCapacity", m);
  if (e.code == ErrorCode::InvalidArgument) return ec2Error("InvalidParameterValue", m);
  return e;
}

// The NIC: the "default" network pool when there is one, else the first.
std::vector<std::string> defaultNetworks(CloudService& service) {
  auto pools = service.pools();
  for (const auto& p : pools)
    if (p.name == "default") return {p.name};
  if (pools.empty()) return {};
  return {pools.front().name};
}

// What a client token is bound to: the parameters that decide what is
// launched, as they take effect (InstanceType's default filled in, tags in
// key order), each field length-prefixed so no two requests run together.
// The availability zone is left out, as EC2 leaves it out ("other than the
// Region or Availability Zone"): it says where, not what.
std::string runFingerprint(const std::string& imageId, const std::string& type, std::int64_t minCount,
                           std::int64_t maxCount, const std::string& keyName, const std::string& userData,
                           std::vector<Tag> tags) {
  std::string canon;
  auto field = [&](std::string_view name, std::string_view value) {
    canon.append(name).append(":").append(std::to_string(value.size())).append(":").append(value).append("\n");
  };
  field("ImageId", imageId);
  field("InstanceType", type);
  field("MinCount", std::to_string(minCount));
  field("MaxCount", std::to_string(maxCount));
  field("KeyName", keyName);
  field("UserData", userData);
  std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
  for (const auto& t : tags) {
    field("TagKey", t.key);
    field("TagValue", t.value.value_or(""));
  }
  return aws::toHex(aws::sha256(canon));
}

}  // namespace

Status runInstances(Ctx& c) {
  auto imageId = c.p.required("ImageId");
  if (!imageId) return std::move(imageId).error();
  auto minCount = c.p.integer("MinCount", 1, 1000);
  if (!minCount) return std::move(minCount).error();
  auto maxCount = c.p.integer("MaxCount", 1, 1000);
  if (!maxCount) return std::move(maxCount).error();
  if (!*minCount) return ec2Error("MissingParameter", "The request must contain the parameter MinCount");
  if (!*maxCount) return ec2Error("MissingParameter", "The request must contain the parameter MaxCount");
  if (**minCount > **maxCount)
    return ec2Error("InvalidParameterValue", "MinCount (" + std::to_string(**minCount) + ") is greater than MaxCount (" +
                                                 std::to_string(**maxCount) + ")");
  auto image = visibleImage(c, *imageId);
  if (!image) return std::move(image).error();
  if (!image->problem.empty())
    return ec2Error("InvalidAMIID.Unavailable", "The image id '[" + *imageId + "]' is no longer available: the image " + image->problem);

  auto flavours = loadFlavours(c.s.opts.flavoursFile);
  if (!flavours) return ec2Error("InternalError", "the flavour table is broken: " + flavours.error().describe());
  std::string type = c.p.value("InstanceType", kDefaultInstanceType);
  auto flavour = findFlavour(*flavours, type);
  if (!flavour) return ec2Error("InvalidParameterValue", "Invalid value '" + type.substr(0, 64) + "' for InstanceType.");

  // The guest's cloud-init seed: the key pair's public key and the user data.
  InstanceSeed seed;
  std::string keyName = c.p.value("KeyName");
  if (!keyName.empty()) {
    auto keys = c.s.ec2.keyPairs(c.user.id);
    if (!keys) return std::move(keys).error();
    auto k = std::find_if(keys->begin(), keys->end(), [&](const KeyPair& k) { return k.name == keyName; });
    if (k == keys->end()) return ec2Error("InvalidKeyPair.NotFound", "The key pair '" + keyName.substr(0, 64) + "' does not exist");
    seed.publicKeys.push_back(k->publicKey);
  }
  std::string userData = c.p.value("UserData");
  if (!userData.empty()) {
    auto decoded = aws::base64Decode(userData);
    if (!decoded) return ec2Error("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
    if (decoded->size() > 16384) return ec2Error("InvalidParameterValue", "User data is limited to 16384 bytes");
    seed.userData = std::move(*decoded);
  }
  bool seeded = !keyName.empty() || !userData.empty();
  auto zones = c.s.ec2.zones();
  if (!zones) return std::move(zones).error();
  // A zone asked for: only its nodes (the scheduler's filter); none: any node.
  std::string zone = c.p.value("Placement.AvailabilityZone", "");
  if (!zone.empty() && std::find(zones->begin(), zones->end(), zone) == zones->end())
    return ec2Error("InvalidParameterValue", "Invalid availability zone: [" + zone.substr(0, 64) + "]");
  std::string token = c.p.value("ClientToken");
  if (token.size() > 64 || std::any_of(token.begin(), token.end(), [](char ch) { return ch < 0x20 || ch == 0x7f; }))
    return ec2Error("InvalidParameterValue", "ClientToken is at most 64 printable ASCII characters");
  auto tags = c.p.tags("TagSpecification.1.Tag");
  if (!tags) return std::move(tags).error();

  // A token used before: the same parameters answer its reservation below
  // (the service returns the instances it already made for it); other
  // parameters are refused here, before anything is launched.
  bool claimed = false;
  if (!token.empty()) {
    auto claim = c.s.ec2.claimClientToken(
        c.user.id, token, runFingerprint(*imageId, flavour->name, **minCount, **maxCount, keyName, seed.userData, *tags),
        c.s.now());
    if (!claim) return std::move(claim).error();
    claimed = *claim;
  }

  // The reservation: derived from the token when there is one, so a retry
  // that finds its instances names the same reservation.
  std::string reservation = token.empty()
                                ? "r-" + randomHex(8).substr(0, 17)
                                : "r-" + aws::toHex(aws::sha256(std::to_string(c.user.id) + "/" + token)).substr(0, 17);
  std::vector<Instance> made;
  for (std::int64_t n = 0; n < **maxCount; ++n) {
    InstanceRequest r;
    r.image = image->name;
    r.vcpus = flavour->vcpus;
    r.memoryMiB = flavour->memoryMiB;
    r.hours = c.user.quotas.maxHours;  // EC2 has no lease: the longest the user may hold
    r.networks = defaultNetworks(c.s.service);
    if (!token.empty()) r.clientToken = token + "#" + std::to_string(n);
    r.zone = zone;
    auto inst = c.s.service.run(c.user, r, c.s.now(), seeded ? &seed : nullptr);
    if (!inst) {
      if (n >= **minCount) break;  // MinCount reached: launch what fits
      for (const auto& i : made)
        if (auto s = c.s.service.terminate(c.user, i.handle); !s)
          spdlog::warn("RunInstances: cannot undo {}: {}", i.handle, s.error().message);
      // Nothing launched: the token is free again, as after a failed EC2 request.
      if (claimed && n == 0)
        if (auto s = c.s.ec2.releaseClientToken(c.user.id, token); !s)
          spdlog::warn("RunInstances: cannot release client token: {}", s.error().message);
      return runError(inst.error());
    }
    auto placedZone = c.s.ec2.nodeZone(inst->nodeUri);
    if (!placedZone) return std::move(placedZone).error();
    LaunchInfo info{inst->id, reservation, flavour->name, keyName, userData, *placedZone, n};
    STRATUS_TRY(c.s.ec2.recordLaunch(info));
    if (!tags->empty()) STRATUS_TRY(c.s.ec2.setTags(c.user.id, {instanceIdOf(inst->handle)}, *tags));
    made.push_back(std::move(*inst));
  }

  // The answer shows them as DescribeInstances would.
  auto views = instanceViews(c);
  if (!views) return std::move(views).error();
  std::vector<const InstanceView*> mine;
  for (const auto& i : made)
    for (const auto& v : *views)
      if (v.instance.id == i.id) mine.push_back(&v);
  std::string reservationId = mine.empty() ? reservation : mine.front()->reservationId;
  addText(c.root, "reservationId", reservationId);
  addText(c.root, "ownerId", accountIdOf(c.user.id));
  c.root.append_child("groupSet");
  auto set = c.root.append_child("instancesSet");
  for (const auto* v : mine) appendInstanceItem(set, *v);
  return okStatus();
}

}  // namespace stratus::cloud::ec2
