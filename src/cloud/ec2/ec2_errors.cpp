#include "cloud/ec2/ec2_errors.h"

#include <set>

#include "cloud/aws/aws_error.h"

namespace stratus::cloud::ec2 {

namespace {
constexpr const char* kEc2Marker = "<ec2>";
}

Error ec2Error(std::string_view code, std::string message) {
  ErrorCode c = ErrorCode::InvalidArgument;
  if (code == "AuthFailure" || code == "UnauthorizedOperation") c = ErrorCode::AuthFailed;
  else if (code == "InternalError") c = ErrorCode::InternalError;
  else if (code.find("NotFound") != std::string_view::npos) c = ErrorCode::NoDomain;
  else if (code == "IncorrectInstanceState") c = ErrorCode::OperationInvalid;
  return Error(c, std::move(message), ErrorLocation{kEc2Marker, 0, std::string(code)});
}

std::string ec2Code(const Error& e) {
  if (e.where && e.where->file == kEc2Marker) return e.where->field;
  if (e.where && e.where->file == "<request>") {
    // aws/request_auth.h's verdicts, in EC2's words.
    std::string aws = aws::awsCode(e);
    if (aws == "RequestTimeTooSkewed") return "RequestExpired";
    if (aws == "AccessDenied" || aws == "SignatureDoesNotMatch" || aws == "InvalidAccessKeyId" ||
        aws == "AuthorizationHeaderMalformed" || aws == "AuthorizationQueryParametersError" ||
        aws == "MissingSecurityHeader" || aws == "XAmzContentSHA256Mismatch")
      return "AuthFailure";
  }
  switch (e.code) {
    case ErrorCode::AuthFailed: return "AuthFailure";
    case ErrorCode::InvalidArgument:
    case ErrorCode::XmlInvalid:
    case ErrorCode::XmlSyntax: return "InvalidParameterValue";
    case ErrorCode::OperationInvalid: return "IncorrectState";
    case ErrorCode::Unsupported: return "Unsupported";
    case ErrorCode::DomainExists: return "InvalidParameterValue";
    default: return "InternalError";
  }
}

int ec2HttpStatus(std::string_view code) {
  if (code == "AuthFailure") return 401;
  if (code == "UnauthorizedOperation" || code == "Blocked") return 403;
  if (code == "InternalError") return 500;
  if (code == "InsufficientInstanceCapacity" || code == "Unavailable") return 503;
  return 400;
}

}  // namespace stratus::cloud::ec2
