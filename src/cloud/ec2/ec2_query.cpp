#include "cloud/ec2/ec2_query.h"

#include <algorithm>
#include <charconv>

#include "api/http.h"
#include "cloud/ec2/ec2_errors.h"

namespace stratus::cloud::ec2 {

namespace {

// "7" -> 7; nullopt unless a positive decimal.
std::optional<long> index(std::string_view s) {
  if (s.empty() || s.size() > 9 || s[0] == '0') return std::nullopt;
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<QueryParams> QueryParams::parse(std::string_view text) {
  QueryParams q;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    bool okName = true, okValue = true;
    std::string name = api::percentDecode(part.substr(0, eq), true, &okName);
    std::string value = eq == std::string_view::npos ? std::string() : api::percentDecode(part.substr(eq + 1), true, &okValue);
    if (!okName || !okValue || name.empty())
      return ec2Error("InvalidParameterValue", "malformed parameter encoding: '" + std::string(part.substr(0, 64)) + "'");
    if (q.values_.count(name)) return ec2Error("InvalidParameterValue", "the parameter " + name + " is given twice");
    q.values_[name] = value;
    q.pairs_.emplace_back(std::move(name), std::move(value));
  }
  return q;
}

Status QueryParams::merge(const QueryParams& other) {
  for (const auto& [k, v] : other.pairs_) {
    if (values_.count(k)) return ec2Error("InvalidParameterValue", "the parameter " + k + " is given twice");
    values_[k] = v;
    pairs_.emplace_back(k, v);
  }
  return okStatus();
}

std::optional<std::string> QueryParams::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string QueryParams::value(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<std::string> QueryParams::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty())
    return ec2Error("MissingParameter", "The request must contain the parameter " + name);
  return it->second;
}

Result<std::optional<std::int64_t>> QueryParams::integer(const std::string& name, std::int64_t min, std::int64_t max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::optional<std::int64_t>();
  std::int64_t v = 0;
  const auto& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < min || v > max)
    return ec2Error("InvalidParameterValue", "Value (" + s + ") for parameter " + name + " is invalid. Expected an integer from " +
                                                 std::to_string(min) + " to " + std::to_string(max) + ".");
  return std::optional<std::int64_t>(v);
}

std::vector<std::string> QueryParams::list(const std::string& prefix) const {
  std::vector<std::pair<long, std::string>> found;
  const std::string dotted = prefix + ".";
  for (auto it = values_.lower_bound(dotted); it != values_.end() && it->first.rfind(dotted, 0) == 0; ++it)
    if (auto n = index(std::string_view(it->first).substr(dotted.size()))) found.emplace_back(*n, it->second);
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, v] : found) out.push_back(std::move(v));
  return out;
}

Result<std::vector<Filter>> QueryParams::filters() const {
  // Filter.N.Name and Filter.N.Value.M, grouped by N.
  std::map<long, Filter> byIndex;
  std::map<long, bool> named;
  const std::string prefix = "Filter.";
  for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    auto dot = rest.find('.');
    auto n = index(rest.substr(0, dot));
    if (!n || dot == std::string_view::npos)
      return ec2Error("InvalidParameterValue", "malformed filter parameter " + it->first);
    std::string_view field = rest.substr(dot + 1);
    if (field == "Name") {
      byIndex[*n].name = it->second;
      named[*n] = true;
    } else if (field.rfind("Value.", 0) == 0 && index(field.substr(6))) {
      byIndex[*n];  // values are collected in order below
    } else {
      return ec2Error("InvalidParameterValue", "malformed filter parameter " + it->first);
    }
  }
  std::vector<Filter> out;
  for (auto& [n, f] : byIndex) {
    if (!named[n] || f.name.empty())
      return ec2Error("InvalidParameterValue", "Filter." + std::to_string(n) + ".Name is missing");
    f.values = list("Filter." + std::to_string(n) + ".Value");
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Tag>> QueryParams::tags(const std::string& prefix) const {
  std::map<long, Tag> byIndex;
  std::map<long, bool> keyed;
  const std::string dotted = prefix + ".";
  for (auto it = values_.lower_bound(dotted); it != values_.end() && it->first.rfind(dotted, 0) == 0; ++it) {
    std::string_view rest = std::string_view(it->first).substr(dotted.size());
    auto dot = rest.find('.');
    auto n = index(rest.substr(0, dot));
    if (!n || dot == std::string_view::npos) continue;  // e.g. TagSpecification.1.ResourceType
    std::string_view field = rest.substr(dot + 1);
    if (field == "Key") {
      byIndex[*n].key = it->second;
      keyed[*n] = true;
    } else if (field == "Value") {
      byIndex[*n].value = it->second;
    }
  }
  std::vector<Tag> out;
  for (auto& [n, t] : byIndex) {
    if (!keyed[n] || t.key.empty())
      return ec2Error("InvalidParameterValue", dotted + std::to_string(n) + ".Key is missing");
    if (t.key.size() > 128 || (t.value && t.value->size() > 256))
      return ec2Error("InvalidParameterValue", "tag " + t.key.substr(0, 128) + ": keys are at most 128 characters, values 256");
    if (t.key.rfind("aws:", 0) == 0)
      return ec2Error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
    out.push_back(std::move(t));
  }
  return out;
}

bool wildcardMatch(std::string_view p, std::string_view t) {
  // Iterative glob: remember the last * to backtrack to.
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace stratus::cloud::ec2
