// The order S3 lists keys in, the UTF-8 byte order (which is also the order
// of their code points), and the bounds ListObjects seeks with: every key
// that starts with P lies in [P, keySuccessor(P)), so a prefix, or a common
// prefix to skip, is one range on the keys' index instead of a scan.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::cloud::s3 {

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what PostgreSQL stores as text, and what S3 keys are.
bool validUtf8(std::string_view s);

// The least string greater than every string that starts with `p`: `p` with
// its last code point incremented (surrogates skipped) and what follows it
// dropped; trailing U+10FFFF code points are dropped first. None when
// there is no such string (p empty, or only U+10FFFF). Still UTF-8 when p
// is; for bytes that are not UTF-8, the same by bytes (0xFF dropped, the
// last byte incremented).
std::optional<std::string> keySuccessor(std::string_view p);

}  // namespace stratus::cloud::s3
