#include "cloud-client/cloud_properties.h"

#include <sstream>

namespace stratus::cloudclient {

namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Error at(const std::string& file, int line, const std::string& field, const std::string& m) {
  return Error(ErrorCode::InvalidArgument, m, ErrorLocation{file, line, field});
}

}  // namespace

Result<CloudConf> parseCloudProperties(const std::string& text, const std::string& file) {
  std::map<std::string, std::pair<std::string, int>> kv;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) return at(file, n, "", "expected key=value, got '" + line + "'");
    kv[trim(line.substr(0, eq))] = {trim(line.substr(eq + 1)), n};
  }
  CloudConf c;
  auto url = kv.find("stratus.service.url");
  if (url == kv.end()) return at(file, n, "stratus.service.url", "no stratus.service.url (http://HOST:PORT)");
  c.serviceUrl = url->second.first;
  std::string rest = c.serviceUrl;
  if (rest.rfind("http://", 0) != 0)
    return at(file, url->second.second, "stratus.service.url", "'" + c.serviceUrl + "' is not http://HOST[:PORT]");
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']') == std::string::npos) {
    try {
      std::size_t used = 0;
      int p = std::stoi(rest.substr(colon + 1), &used);
      if (used != rest.size() - colon - 1 || p <= 0 || p > 65535) throw std::out_of_range("port");
      c.port = static_cast<std::uint16_t>(p);
    } catch (const std::exception&) {
      return at(file, url->second.second, "stratus.service.url", "bad port in '" + c.serviceUrl + "'");
    }
    c.host = rest.substr(0, colon);
  } else {
    c.host = rest;
  }
  if (c.host.empty()) return at(file, url->second.second, "stratus.service.url", "no host in '" + c.serviceUrl + "'");
  auto tok = kv.find("stratus.client.token");
  if (tok == kv.end() || tok->second.first.empty())
    return at(file, n, "stratus.client.token", "no stratus.client.token (stratus-cloud user add writes it)");
  c.token = tok->second.first;
  if (auto u = kv.find("stratus.user"); u != kv.end()) c.user = u->second.first;
  return c;
}

}  // namespace stratus::cloudclient
