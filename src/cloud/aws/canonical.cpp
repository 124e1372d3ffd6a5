#include "cloud/aws/canonical.h"

#include <algorithm>
#include <ctime>

namespace stratus::cloud::aws {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool isBlank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

std::string uriEncode(std::string_view s, bool encodeSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~' || (c == '/' && !encodeSlash);
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> uriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 1 < s.size() ? hexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::pair<std::string_view, std::string_view> splitTarget(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view rawQuery) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t k = 0;
  while (k <= rawQuery.size()) {
    auto amp = rawQuery.find('&', k);
    if (amp == std::string_view::npos) amp = rawQuery.size();
    auto part = rawQuery.substr(k, amp - k);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto name = uriDecode(part.substr(0, eq));
      auto value = eq == std::string_view::npos ? std::optional<std::string>("") : uriDecode(part.substr(eq + 1));
      if (!name || !value) return std::nullopt;
      out.emplace_back(std::move(*name), std::move(*value));
    }
    k = amp + 1;
  }
  return out;
}

std::optional<std::string> canonicalUri(std::string_view rawPath, bool s3) {
  if (rawPath.empty()) return std::string("/");
  std::vector<std::string> segs;
  std::size_t i = 0;
  // Segments between slashes, decoded; a trailing slash keeps its empty segment.
  while (true) {
    auto j = rawPath.find('/', i);
    auto seg = uriDecode(rawPath.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (!seg) return std::nullopt;
    segs.push_back(std::move(*seg));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (!s3) {
    // Other services sign the normalised path: no "." or "..", no empty segments.
    std::vector<std::string> norm;
    for (std::size_t k = 1; k < segs.size(); ++k) {
      const auto& s = segs[k];
      if (s == ".") continue;
      if (s == "..") {
        if (!norm.empty()) norm.pop_back();
        continue;
      }
      if (s.empty() && k + 1 < segs.size()) continue;
      norm.push_back(s);
    }
    std::string out;
    for (const auto& s : norm) out += "/" + uriEncode(uriEncode(s, true), true);
    return out.empty() ? std::string("/") : out;
  }
  std::string out;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    if (k) out.push_back('/');
    out += uriEncode(segs[k], true);
  }
  return out;
}

std::optional<std::string> canonicalQuery(std::string_view rawQuery, std::string_view omit) {
  auto params = parseQuery(rawQuery);
  if (!params) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> enc;
  for (auto& [k, v] : *params) {
    if (!omit.empty() && k == omit) continue;
    enc.emplace_back(uriEncode(k, true), uriEncode(v, true));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::string canonicalHeaderValue(std::string_view v) {
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (isBlank(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

std::optional<std::int64_t> parseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  std::tm tm{};
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, y) || !num(4, 2, mo) || !num(6, 2, d) || !num(9, 2, h) || !num(11, 2, mi) || !num(13, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::optional<std::int64_t> parseHttpDate(std::string_view s) {
  std::string text(s);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

namespace {
std::string formatTime(std::int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}
}  // namespace

std::string formatAmzDate(std::int64_t t) { return formatTime(t, "%Y%m%dT%H%M%SZ"); }
std::string formatHttpDate(std::int64_t t) { return formatTime(t, "%a, %d %b %Y %H:%M:%S GMT"); }
std::string formatIsoDate(std::int64_t t) { return formatTime(t, "%Y-%m-%dT%H:%M:%S.000Z"); }

}  // namespace stratus::cloud::aws
