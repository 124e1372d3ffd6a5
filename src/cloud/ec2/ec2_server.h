// The EC2-compatible Query API of `stratus-cloud serve` (issue 10; port
// 8444): `Action=RunInstances&...` as a form-encoded POST or a GET query,
// signed with a user's access key (Signature Version 4 for service "ec2",
// or Version 2 for old clients; aws/request_auth.h), answered in EC2's XML.
// A thin adapter: instances are the service node's (CloudService), images
// its ImageRepository (RegisterImage takes a disk image from the S3
// repository), key pairs and tags live in the service database (ec2_store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "cloud/cloud_service.h"

namespace stratus::cloud::ec2 {

struct Ec2Options {
  std::string region = "stratus-1";
  std::string flavoursFile;  // ROOT/etc/stratus-cloud/flavours
  std::string keygen = "ssh-keygen";
  // How long StopInstances lets a guest power off by itself before forcing it.
  std::int64_t stopGraceSeconds = 30;
  std::function<std::int64_t()> clock;  // unix seconds; null: the system clock
};

class Ec2Server {
 public:
  Ec2Server(CloudService& service, CloudStore& store, ImageRepository& images, Ec2Options opts);
  ~Ec2Server();
  api::Response handle(api::Request& req);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Every request, whatever its path, goes to `server`.
api::Router makeEc2Router(Ec2Server& server);

}  // namespace stratus::cloud::ec2
