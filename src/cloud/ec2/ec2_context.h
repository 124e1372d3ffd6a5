// Inside the EC2 Query API: what one request's action handlers share (the
// caller, the parameters, the answer being built), EC2's identifiers for
// the service's records, and the handlers by group.
#pragma once

#include <pugixml.hpp>

#include <cstdint>
#include <string>

#include "api/http.h"
#include "cloud/cloud_service.h"
#include "cloud/ec2/ec2_errors.h"
#include "cloud/ec2/ec2_instance_view.h"
#include "cloud/ec2/ec2_query.h"
#include "cloud/ec2/ec2_server.h"
#include "cloud/ec2/ec2_store.h"
#include "cloud/ec2/ec2_xml.h"

namespace stratus::cloud::ec2 {

struct Ec2Server::Impl {
  CloudService& service;
  CloudStore& store;
  ImageRepository& images;
  Ec2Store ec2;
  Ec2Options opts;
  std::int64_t now() const;
};

struct Ctx {
  Ec2Server::Impl& s;
  const api::Request& req;
  QueryParams p;
  User user;
  std::string requestId;
  std::string action;
  pugi::xml_document doc;
  pugi::xml_node root;  // ACTIONResponse, with requestId already in it
};

// ---- identifiers ----
// Instance handles vm-0001a2b3 are EC2's i-0001a2b3; image rows are
// ami-XXXXXXXX (their row id in hex); users' account ids are their row id
// in 12 digits, as AWS account ids are.
std::string instanceIdOf(const std::string& handle);
// InvalidInstanceID.Malformed unless i- and 8 hex digits.
Result<std::string> handleOf(const std::string& instanceId);
std::string imageIdOf(std::int64_t imageRowId);
// InvalidAMIID.Malformed unless ami- and 8 hex digits.
Result<std::int64_t> imageRowOf(const std::string& imageId);
std::string accountIdOf(std::int64_t userId);

// The image an ami- id names among those the user sees (own and common).
Result<Image> visibleImage(Ctx& c, const std::string& imageId);

// The user's instances as EC2 shows them (terminated ones included), by row id.
Result<std::vector<InstanceView>> instanceViews(Ctx& c);
std::string reservationIdFor(const Instance& i);

// ---- actions (one group per file) ----
Status runInstances(Ctx& c);         // ec2_run.cpp
Status terminateInstances(Ctx& c);   // ec2_power.cpp
Status stopInstances(Ctx& c);
Status startInstances(Ctx& c);
Status rebootInstances(Ctx& c);
Status getConsoleOutput(Ctx& c);
Status describeInstances(Ctx& c);    // ec2_describe.cpp
Status describeImages(Ctx& c);       // ec2_images.cpp
Status registerImage(Ctx& c);
Status deregisterImage(Ctx& c);
Status createKeyPair(Ctx& c);        // ec2_keypairs.cpp
Status importKeyPair(Ctx& c);
Status describeKeyPairs(Ctx& c);
Status deleteKeyPair(Ctx& c);
Status createTags(Ctx& c);           // ec2_tags.cpp
Status deleteTags(Ctx& c);
Status describeTags(Ctx& c);
Status describeAvailabilityZones(Ctx& c);  // ec2_regions.cpp
Status describeRegions(Ctx& c);

}  // namespace stratus::cloud::ec2
