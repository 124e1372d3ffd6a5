// EC2's error codes (InvalidParameterValue, InvalidInstanceID.NotFound,
// AuthFailure...) on stratus::Error values: the code name travels in the
// error's location field, as aws_error.h does for S3's, so a handler three
// calls deep decides what the client is told.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::cloud::ec2 {

Error ec2Error(std::string_view code, std::string message);
// The EC2 code of `e`: the one ec2Error gave it; a signature problem from
// aws/request_auth.h is AuthFailure (RequestExpired for a skewed clock);
// otherwise one that fits its stratus code.
std::string ec2Code(const Error& e);
// The HTTP status EC2 answers an error code with (401 AuthFailure, 403
// UnauthorizedOperation, 500/503 for the service's own trouble, else 400).
int ec2HttpStatus(std::string_view code);

}  // namespace stratus::cloud::ec2
