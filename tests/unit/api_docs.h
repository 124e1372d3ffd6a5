// Parses docs/api.md: the route table and the field tables of the types.
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::apitest {

struct ApiDocs {
  std::set<std::pair<std::string, std::string>> routes;            // (method, path)
  std::map<std::pair<std::string, std::string>, std::string> responseType;  // route -> `Type` of a 2xx JSON answer
  std::map<std::string, std::set<std::string>> types;               // type -> fields
};

inline std::string apiDocsPath() { return std::string(STRATUS_SOURCE_DIR) + "/docs/api.md"; }

inline ApiDocs loadApiDocs(const std::string& path = apiDocsPath()) {
  ApiDocs d;
  std::ifstream in(path);
  std::string line;
  bool inTypes = false;
  std::string currentType;
  static const std::regex route(R"(^\| (GET|POST|PUT|DELETE|PATCH|HEAD) \| (/\S*) \|(.*)$)");
  static const std::regex heading(R"(^### `(\w+)`\s*$)");
  static const std::regex field(R"(^\| `(\w+)` \|)");
  static const std::regex respType(R"(^\s*\d{3} `(\w+)`)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("## Types", 0) == 0) inTypes = true;
    if (!inTypes && std::regex_match(line, m, route)) {
      auto key = std::make_pair(m[1].str(), m[2].str());
      d.routes.insert(key);
      // columns after path: query | body | response | status
      std::vector<std::string> cols;
      std::string rest = m[3].str();
      std::string cur;
      for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == '|') {
          cur += '|';
          ++i;
        } else if (rest[i] == '|') {
          cols.push_back(cur);
          cur.clear();
        } else {
          cur += rest[i];
        }
      }
      std::smatch rm;
      if (cols.size() >= 3 && std::regex_search(cols[2], rm, respType)) d.responseType[key] = rm[1].str();
      continue;
    }
    if (!inTypes) continue;
    if (std::regex_match(line, m, heading)) {
      currentType = m[1].str();
      d.types[currentType];
      continue;
    }
    if (line.rfind("### ", 0) == 0) currentType.clear();
    if (!currentType.empty() && std::regex_search(line, m, field)) d.types[currentType].insert(m[1].str());
  }
  return d;
}

inline std::set<std::string> keysOf(const nlohmann::json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace stratus::apitest
