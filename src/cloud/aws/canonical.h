// The text forms AWS signatures are computed over: URI encoding as AWS
// defines it (RFC 3986 unreserved characters kept, everything else %XX in
// upper case), canonical paths and query strings, AWS timestamps.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::cloud::aws {

// AWS's UriEncode: keeps A-Z a-z 0-9 - . _ ~ (and '/' unless encodeSlash).
std::string uriEncode(std::string_view s, bool encodeSlash);
// Percent-decoding that leaves '+' alone (AWS clients send a space as %20).
// nullopt on a malformed escape.
std::optional<std::string> uriDecode(std::string_view s);

// The request-target split into its raw path and raw query (no '?').
std::pair<std::string_view, std::string_view> splitTarget(std::string_view target);

// The decoded query parameters in the order sent ("?uploads" is {"uploads",""}).
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view rawQuery);

// Signature Version 4's CanonicalURI. S3 encodes each decoded path segment
// once; every other service encodes the (normalised) path twice.
std::optional<std::string> canonicalUri(std::string_view rawPath, bool s3);
// Signature Version 4's CanonicalQueryString: every parameter but `omit`
// (the presigned URL's own signature), names and values encoded, sorted.
std::optional<std::string> canonicalQuery(std::string_view rawQuery, std::string_view omit = {});
// A header value as signed: surrounding blanks trimmed, runs of blanks one space.
std::string canonicalHeaderValue(std::string_view v);

// "20130524T000000Z" (ISO 8601 basic, UTC) -> unix seconds.
std::optional<std::int64_t> parseAmzDate(std::string_view s);
// "Fri, 24 May 2013 00:00:00 GMT" (RFC 1123) -> unix seconds.
std::optional<std::int64_t> parseHttpDate(std::string_view s);
std::string formatAmzDate(std::int64_t unixSeconds);
std::string formatHttpDate(std::int64_t unixSeconds);
// "2013-05-24T00:00:00.000Z", as S3's XML listings write times.
std::string formatIsoDate(std::int64_t unixSeconds);

}  // namespace stratus::cloud::aws
