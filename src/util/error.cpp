#include "util/error.h"

#include <cstring>
#include <string_view>

namespace stratus {

namespace {
struct CodeName {
  ErrorCode code;
  const char* name;
};
constexpr CodeName kNames[] = {
    {ErrorCode::Ok, "ok"},
    {ErrorCode::InternalError, "internal-error"},
    {ErrorCode::InvalidArgument, "invalid-argument"},
    {ErrorCode::XmlSyntax, "xml-syntax"},
    {ErrorCode::XmlInvalid, "xml-invalid"},
    {ErrorCode::NoDomain, "no-domain"},
    {ErrorCode::DomainExists, "domain-exists"},
    {ErrorCode::OperationInvalid, "operation-invalid"},
    {ErrorCode::OperationFailed, "operation-failed"},
    {ErrorCode::Unsupported, "unsupported"},
    {ErrorCode::SystemError, "system-error"},
    {ErrorCode::ConnectFailed, "connect-failed"},
    {ErrorCode::Timeout, "timeout"},
    {ErrorCode::Cancelled, "cancelled"},
    {ErrorCode::AuthFailed, "auth-failed"},
    {ErrorCode::NoNetwork, "no-network"},
    {ErrorCode::NoStoragePool, "no-storage-pool"},
    {ErrorCode::NoStorageVolume, "no-storage-volume"},
    {ErrorCode::OperationTimeout, "operation-timeout"},
    {ErrorCode::Busy, "busy"},
    {ErrorCode::DeviceMissing, "device-missing"},
};
}  // namespace

const char* errorCodeName(ErrorCode code) {
  for (const auto& n : kNames)
    if (n.code == code) return n.name;
  return "internal-error";
}

ErrorCode errorCodeFromName(std::string_view name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.code;
  return ErrorCode::InternalError;
}

std::string Error::describe() const {
  std::string out;
  if (where) {
    if (!where->file.empty()) out += where->file + ":";
    if (where->line > 0) out += std::to_string(where->line) + ":";
    if (!out.empty()) out += " ";
    if (!where->field.empty()) out += where->field + ": ";
  }
  out += message;
  return out;
}

Error systemError(const std::string& what, int err) {
  return Error(ErrorCode::SystemError, what + ": " + std::strerror(err));
}

}  // namespace stratus
