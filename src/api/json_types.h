// Wire forms (JSON) of the NodeService types: one shared place for the server
// routes, the client and the tests. docs/api.md documents every field.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/node_service.h"
#include "daemon/types.h"
#include "util/error.h"

namespace stratus::daemon {

void to_json(nlohmann::json& j, const DomainSummary& v);
void from_json(const nlohmann::json& j, DomainSummary& v);
void to_json(nlohmann::json& j, const DomainInfo& v);
void from_json(const nlohmann::json& j, DomainInfo& v);
void to_json(nlohmann::json& j, const NodeInfo& v);
void from_json(const nlohmann::json& j, NodeInfo& v);
void to_json(nlohmann::json& j, const VersionInfo& v);
void from_json(const nlohmann::json& j, VersionInfo& v);
void to_json(nlohmann::json& j, const DefineResult& v);
void from_json(const nlohmann::json& j, DefineResult& v);
void to_json(nlohmann::json& j, const DomainEvent& v);
void from_json(const nlohmann::json& j, DomainEvent& v);
// Options travel as JSON bodies of the action routes.
void to_json(nlohmann::json& j, const StartOptions& v);
void from_json(const nlohmann::json& j, StartOptions& v);
void to_json(nlohmann::json& j, const ShutdownOptions& v);
void from_json(const nlohmann::json& j, ShutdownOptions& v);
void to_json(nlohmann::json& j, const DestroyOptions& v);
void from_json(const nlohmann::json& j, DestroyOptions& v);
void to_json(nlohmann::json& j, const SaveOptions& v);
void from_json(const nlohmann::json& j, SaveOptions& v);
void to_json(nlohmann::json& j, const JobInfo& v);
void from_json(const nlohmann::json& j, JobInfo& v);
void to_json(nlohmann::json& j, const ModifyScope& v);
void from_json(const nlohmann::json& j, ModifyScope& v);
void to_json(nlohmann::json& j, const UndefineOptions& v);
void from_json(const nlohmann::json& j, UndefineOptions& v);
void to_json(nlohmann::json& j, const XmlOptions& v);
void from_json(const nlohmann::json& j, XmlOptions& v);
// Virtual networks.
void to_json(nlohmann::json& j, const NetworkSummary& v);
void from_json(const nlohmann::json& j, NetworkSummary& v);
void to_json(nlohmann::json& j, const NetworkDefineResult& v);
void from_json(const nlohmann::json& j, NetworkDefineResult& v);
void to_json(nlohmann::json& j, const NetworkUpdate& v);
void from_json(const nlohmann::json& j, NetworkUpdate& v);
void to_json(nlohmann::json& j, const DhcpLease& v);
void from_json(const nlohmann::json& j, DhcpLease& v);
void to_json(nlohmann::json& j, const NetworkPort& v);
void from_json(const nlohmann::json& j, NetworkPort& v);

}  // namespace stratus::daemon

namespace stratus::conf {
void to_json(nlohmann::json& j, const Warning& v);
void from_json(const nlohmann::json& j, Warning& v);
}  // namespace stratus::conf

namespace stratus {
void to_json(nlohmann::json& j, const ErrorLocation& v);
void from_json(const nlohmann::json& j, ErrorLocation& v);
}  // namespace stratus

namespace stratus::api {

// Machine names of power states on the wire: "running", "shutoff", ...
std::string_view stateWireName(conf::DomainState s);
std::optional<conf::DomainState> stateFromWireName(std::string_view name);

std::string_view metadataKindName(daemon::MetadataKind k);  // "title", "description"
std::optional<daemon::MetadataKind> metadataKindFromName(std::string_view name);

// {"error":{"code":"no-domain","message":"...","file":"..","line":N,"field":".."}}
nlohmann::json errorToJson(const Error& e);
// Rebuilds the exact Error (code, message, location); a body that is not an
// error document gives InternalError describing it.
Error errorFromJson(const nlohmann::json& j);
// HTTP status for an error code: 404 no-domain, 409 domain-exists, ...
int httpStatusFor(ErrorCode code);

// Fast paths for the big list (10,000 domains in a few ms): the same JSON as
// nlohmann::json{{"domains", list}}.dump(), written and read without building
// a DOM.
std::string encodeDomainList(const std::vector<daemon::DomainSummary>& list);
Result<std::vector<daemon::DomainSummary>> decodeDomainList(std::string_view text);
// Appends `s` as a JSON string literal (invalid UTF-8 becomes U+FFFD).
void appendJsonString(std::string& out, std::string_view s);

// Parses `text` as JSON, or an InvalidArgument error naming `what`.
Result<nlohmann::json> parseJson(std::string_view text, std::string_view what);

// j.get<T>() as a Result: a malformed document is an InvalidArgument error
// naming `what` instead of an exception.
template <class T>
Result<T> fromJson(const nlohmann::json& j, std::string_view what) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::InvalidArgument, std::string("malformed ") + std::string(what) + ": " + e.what());
  }
}

}  // namespace stratus::api
