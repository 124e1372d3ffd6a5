// cloud-client's configuration: a cloud.properties file (as Nimbus's
// client had), `key=value` lines and `#` comments, written for each user by
// `stratus-cloud user add`.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "util/error.h"

namespace stratus::cloudclient {

struct CloudConf {
  std::string serviceUrl;  // stratus.service.url: http://HOST:PORT
  std::string host;
  std::uint16_t port = 8443;
  std::string token;  // stratus.client.token
  std::string user;
};

// Errors name the file and line.
Result<CloudConf> parseCloudProperties(const std::string& text, const std::string& file);

}  // namespace stratus::cloudclient
