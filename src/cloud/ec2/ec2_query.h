// The EC2 Query protocol's parameters: `Action=RunInstances&ImageId=...`
// from a form-encoded POST body or a GET query string, with EC2's
// conventions for lists (InstanceId.1, InstanceId.2), filters
// (Filter.1.Name, Filter.1.Value.1) and tags (Tag.1.Key, Tag.1.Value).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/error.h"

namespace stratus::cloud::ec2 {

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

struct Tag {
  std::string key;
  std::optional<std::string> value;  // DeleteTags may name a key alone
};

class QueryParams {
 public:
  // application/x-www-form-urlencoded text ('+' is a space). A malformed
  // escape or a parameter named twice is an error (InvalidParameterValue).
  static Result<QueryParams> parse(std::string_view text);
  // Adds `other`'s parameters (a POST's query string next to its body);
  // a name in both is an error.
  Status merge(const QueryParams& other);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::string value(const std::string& name, const std::string& fallback = {}) const;
  // A required parameter: MissingParameter when absent or empty.
  Result<std::string> required(const std::string& name) const;
  // An integer parameter in [min, max]: InvalidParameterValue otherwise.
  Result<std::optional<std::int64_t>> integer(const std::string& name, std::int64_t min, std::int64_t max) const;
  // PREFIX.1, PREFIX.2, ... in index order (indexes need not be dense).
  std::vector<std::string> list(const std::string& prefix) const;
  // Filter.N.Name with Filter.N.Value.M; a filter without a name is an error.
  Result<std::vector<Filter>> filters() const;
  // PREFIX.N.Key / PREFIX.N.Value ("Tag", "TagSpecification.1.Tag").
  Result<std::vector<Tag>> tags(const std::string& prefix) const;
  // In the order sent (Signature Version 2 signs them).
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// EC2's filter values may hold * (any run) and ? (one character).
bool wildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace stratus::cloud::ec2
