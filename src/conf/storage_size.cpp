// libvirt's scaled sizes (virScaleInteger with a default scale of bytes), as
// storage documents and virsh's size arguments write them. The limit is
// INT64_MAX bytes: files and block devices are addressed with a signed off_t,
// so nothing larger can exist.
#include <fmt/format.h>

#include <cctype>
#include <cstdint>

#include "conf/domain_xml_io.h"
#include "conf/storage_def.h"

namespace stratus::conf {

namespace {

constexpr std::uint64_t kMaxBytes = static_cast<std::uint64_t>(INT64_MAX);

}  // namespace

Result<std::uint64_t> parseScaledSize(std::string_view number, std::string_view unit, std::string_view what) {
  const std::string num = trim(number);
  const std::string u = trim(unit);
  std::uint64_t value = 0;
  if (!parseUInt(num, value))
    return Error(ErrorCode::InvalidArgument, fmt::format("malformed {} '{}': expected a whole number", what, num));
  // An absent unit means bytes here (unitScale's own default is KiB, for memory).
  std::optional<std::uint64_t> scale = u.empty() ? std::optional<std::uint64_t>(1) : unitScale(u);
  if (!scale)
    return Error(ErrorCode::InvalidArgument,
                 fmt::format("unknown unit '{}' for {} (use b, KiB, MiB, GiB, TiB, PiB, EiB or KB, MB, GB, TB, PB, EB)",
                             u, what));
  if (value > kMaxBytes / *scale)
    return Error(ErrorCode::InvalidArgument,
                 fmt::format("{} '{}{}{}' is too large (at most {} bytes)", what, num, u.empty() ? "" : " ", u,
                             kMaxBytes));
  return value * *scale;
}

Result<std::uint64_t> parseScaledSizeText(std::string_view text, std::string_view what) {
  const std::string t = trim(text);
  std::size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0)
    return Error(ErrorCode::InvalidArgument, fmt::format("malformed {} '{}': expected a number with an optional unit "
                                                         "such as 512M or 10G",
                                                         what, t));
  // virsh takes the suffix exactly as it follows the digits ("1G", not "1 G").
  std::string_view unit = std::string_view(t).substr(digits);
  if (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front())))
    return Error(ErrorCode::InvalidArgument, fmt::format("malformed {} '{}': no space between number and unit", what, t));
  return parseScaledSize(std::string_view(t).substr(0, digits), unit, what);
}

}  // namespace stratus::conf
