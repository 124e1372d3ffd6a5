// AWS services answer errors with a code name ("SignatureDoesNotMatch",
// "NoSuchBucket") and an HTTP status. Errors stay stratus::Error values; the
// AWS code name travels in the error's location field (the part of the AWS
// protocol that failed), so a caller three layers up can still answer with it.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace stratus::cloud::aws {

// An error carrying AWS's code name; the stratus code follows from it
// (AuthFailed for signature problems, InvalidArgument for malformed input...).
Error awsError(std::string_view awsCode, std::string message);
// The AWS code name of `e`: the one awsError gave it, else one that fits its
// stratus code (InternalError, InvalidArgument, ...).
std::string awsCode(const Error& e);
// The HTTP status AWS answers with for an error code name.
int awsHttpStatus(std::string_view awsCode);

}  // namespace stratus::cloud::aws
