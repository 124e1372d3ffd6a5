#include "cloud/aws/aws_error.h"

#include <map>

namespace stratus::cloud::aws {

namespace {
struct CodeInfo {
  int status;
  ErrorCode code;
};

const std::map<std::string_view, CodeInfo>& codes() {
  static const std::map<std::string_view, CodeInfo> kCodes = {
      {"AccessDenied", {403, ErrorCode::AuthFailed}},
      {"AuthorizationHeaderMalformed", {400, ErrorCode::AuthFailed}},
      {"AuthorizationQueryParametersError", {400, ErrorCode::AuthFailed}},
      {"BadDigest", {400, ErrorCode::InvalidArgument}},
      {"BucketAlreadyExists", {409, ErrorCode::DomainExists}},
      {"BucketAlreadyOwnedByYou", {409, ErrorCode::DomainExists}},
      {"BucketNotEmpty", {409, ErrorCode::OperationInvalid}},
      {"EntityTooSmall", {400, ErrorCode::InvalidArgument}},
      {"IncompleteBody", {400, ErrorCode::InvalidArgument}},
      {"InternalError", {500, ErrorCode::InternalError}},
      {"InvalidAccessKeyId", {403, ErrorCode::AuthFailed}},
      {"InvalidArgument", {400, ErrorCode::InvalidArgument}},
      {"InvalidBucketName", {400, ErrorCode::InvalidArgument}},
      {"InvalidDigest", {400, ErrorCode::InvalidArgument}},
      {"InvalidPart", {400, ErrorCode::InvalidArgument}},
      {"InvalidPartOrder", {400, ErrorCode::InvalidArgument}},
      {"InvalidRange", {416, ErrorCode::InvalidArgument}},
      {"InvalidRequest", {400, ErrorCode::InvalidArgument}},
      {"KeyTooLongError", {400, ErrorCode::InvalidArgument}},
      {"MalformedXML", {400, ErrorCode::InvalidArgument}},
      {"MethodNotAllowed", {405, ErrorCode::Unsupported}},
      {"MissingContentLength", {411, ErrorCode::InvalidArgument}},
      {"MissingSecurityHeader", {400, ErrorCode::AuthFailed}},
      {"NoSuchBucket", {404, ErrorCode::InvalidArgument}},
      {"NoSuchKey", {404, ErrorCode::InvalidArgument}},
      {"NoSuchUpload", {404, ErrorCode::InvalidArgument}},
      {"NotImplemented", {501, ErrorCode::Unsupported}},
      {"NotModified", {304, ErrorCode::OperationInvalid}},
      {"PreconditionFailed", {412, ErrorCode::OperationInvalid}},
      {"QuotaExceeded", {403, ErrorCode::OperationInvalid}},
      {"RequestTimeTooSkewed", {403, ErrorCode::AuthFailed}},
      {"SignatureDoesNotMatch", {403, ErrorCode::AuthFailed}},
      {"XAmzContentSHA256Mismatch", {400, ErrorCode::InvalidArgument}},
  };
  return kCodes;
}
}  // namespace

Error awsError(std::string_view awsCode, std::string message) {
  auto it = codes().find(awsCode);
  ErrorCode c = it == codes().end() ? ErrorCode::InvalidArgument : it->second.code;
  return Error(c, std::move(message), ErrorLocation{"<request>", 0, std::string(awsCode)});
}

std::string awsCode(const Error& e) {
  if (e.where && e.where->file == "<request>" && codes().count(e.where->field)) return e.where->field;
  switch (e.code) {
    case ErrorCode::AuthFailed: return "AccessDenied";
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::Unsupported: return "NotImplemented";
    default: return "InternalError";
  }
}

int awsHttpStatus(std::string_view awsCode) {
  auto it = codes().find(awsCode);
  return it == codes().end() ? 400 : it->second.status;
}

}  // namespace stratus::cloud::aws
