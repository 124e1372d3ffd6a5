// Errors are values: a stable code (one registry below), a message for humans,
// and where it happened (file, line, field) when the input had a location.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace stratus {

// One registry of stable error codes. Numbers never change once released;
// clients (CLI, cloud) map them to virsh-like messages and exit codes.
// InternalError marks a bug, everything else is the environment or the user.
enum class ErrorCode : int {
  Ok = 0,
  InternalError = 1,    // a broken invariant: a bug in Stratus
  InvalidArgument = 2,  // a malformed request or option
  XmlSyntax = 3,        // the document is not well-formed XML
  XmlInvalid = 4,       // well-formed, but not a valid configuration
  NoDomain = 5,         // no domain with that name/uuid/id
  DomainExists = 6,     // a domain with that name or uuid already exists
  OperationInvalid = 7, // not allowed in the current state (e.g. start a running domain)
  OperationFailed = 8,  // the hypervisor or host failed to do it
  Unsupported = 9,      // the driver cannot do this
  SystemError = 10,     // a syscall failed (errno in the message)
  ConnectFailed = 11,   // cannot reach the daemon
  Timeout = 12,         // waited too long
  Cancelled = 13,       // the user cancelled the operation
  AuthFailed = 14,      // missing or wrong credentials
  NoNetwork = 15,
  NoStoragePool = 16,
  NoStorageVolume = 17,
  OperationTimeout = 18,
  Busy = 19,            // another job holds the domain
  DeviceMissing = 20,   // no such device in the domain (detach, update, media change)
};

// Stable machine name of a code, used on the wire ("no-domain").
const char* errorCodeName(ErrorCode code);
// Inverse of errorCodeName; InternalError for unknown names.
ErrorCode errorCodeFromName(std::string_view name);

struct ErrorLocation {
  std::string file;   // the file (or "<stdin>", "<request>") the input came from
  int line = 0;       // 1-based; 0 when unknown
  std::string field;  // dotted/XPath-like path of the field, e.g. "domain/os/boot"
};

struct Error {
  ErrorCode code = ErrorCode::InternalError;
  std::string message;
  std::optional<ErrorLocation> where;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(ErrorCode c, std::string msg, ErrorLocation loc)
      : code(c), message(std::move(msg)), where(std::move(loc)) {}

  // "file:line: field: message" (only the parts that are known).
  std::string describe() const;
};

// A value or an error. [[nodiscard]] so a dropped error is a compile warning.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error err) : v_(std::move(err)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error err) : err_(std::move(err)) {}

  bool ok() const { return !err_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *err_; }
  Error&& error() && { return std::move(*err_); }

 private:
  std::optional<Error> err_;
};

using Status = Result<void>;

inline Status okStatus() { return Status(); }

// Error from errno with a prefix saying what we were doing.
Error systemError(const std::string& what, int err);

}  // namespace stratus

// Propagate an error from an expression returning Result<...>/Status.
#define STRATUS_TRY(expr)                                   \
  do {                                                      \
    auto stratus_try_r_ = (expr);                           \
    if (!stratus_try_r_.ok()) return std::move(stratus_try_r_).error(); \
  } while (0)
