#include "cloud/network_pool.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>

#include "conf/network_address.h"
#include "util/atomic_file.h"

namespace stratus::cloud {

namespace fs = std::filesystem;

namespace {

Error at(const std::string& file, int line, const std::string& field, const std::string& message) {
  return Error(ErrorCode::InvalidArgument, message, ErrorLocation{file, line, field});
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(std::move(w));
  return out;
}

bool isNone(const std::string& w) { return w == "none" || w == "NONE" || w == "None"; }

// An IPv4 address, or "" for none when `noneAllowed`.
Result<std::string> ipv4(const std::string& w, bool noneAllowed, const std::string& file, int line,
                         const std::string& field) {
  if (noneAllowed && isNone(w)) return std::string();
  auto a = conf::parseIp(w);
  if (!a || a->v6) return at(file, line, field, "'" + w + "' is not an IPv4 address" + (noneAllowed ? " or 'none'" : ""));
  return conf::formatIp(*a);
}

bool isMac(const std::string& m) {
  if (m.size() != 17) return false;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (i % 3 == 2) {
      if (m[i] != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(m[i]))) {
      return false;
    }
  }
  // A unicast address: the lowest bit of the first octet clear.
  return (std::stoi(m.substr(0, 2), nullptr, 16) & 1) == 0;
}

bool validHostname(const std::string& h) {
  if (h.empty() || h.size() > 63 || h.front() == '-' || h.back() == '-') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

}  // namespace

std::string slotMac(const std::string& pool, const std::string& ip) {
  // FNV-1a: stable across runs and builds (std::hash is not).
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : pool + "\n" + ip) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char buf[18];
  std::snprintf(buf, sizeof buf, "52:54:00:%02x:%02x:%02x", static_cast<unsigned>((h >> 16) & 0xff),
                static_cast<unsigned>((h >> 8) & 0xff), static_cast<unsigned>(h & 0xff));
  return buf;
}

Result<NetworkPool> parseNetworkPool(std::string_view text, const std::string& file, const std::string& name) {
  NetworkPool pool;
  pool.name = name;
  bool haveDns = false;
  std::map<std::string, int> hostnames, ips, macs;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    auto w = words(raw);
    if (w.empty()) {
      if (end == text.size()) break;
      continue;
    }
    if (!haveDns) {
      if (w.size() != 1)
        return at(file, lineNo, "dns", "the first line must be the DNS server's IP address or 'none', not '" +
                                           std::string(raw) + "'");
      auto dns = ipv4(w[0], true, file, lineNo, "dns");
      if (!dns) return std::move(dns).error();
      pool.dns = *dns;
      haveDns = true;
      continue;
    }
    if (w.size() < 5 || w.size() > 6)
      return at(file, lineNo, "slot",
                "expected 'hostname ipaddress gateway broadcast subnetmask [MAC]', got " + std::to_string(w.size()) +
                    " field" + (w.size() == 1 ? "" : "s"));
    NetworkSlot s;
    s.line = lineNo;
    s.hostname = w[0];
    if (!validHostname(s.hostname))
      return at(file, lineNo, "hostname", "'" + s.hostname + "' is not a valid host name");
    auto ip = ipv4(w[1], false, file, lineNo, "ip");
    if (!ip) return std::move(ip).error();
    s.ip = *ip;
    auto gw = ipv4(w[2], true, file, lineNo, "gateway");
    if (!gw) return std::move(gw).error();
    s.gateway = *gw;
    auto bc = ipv4(w[3], true, file, lineNo, "broadcast");
    if (!bc) return std::move(bc).error();
    s.broadcast = *bc;
    auto nm = ipv4(w[4], true, file, lineNo, "netmask");
    if (!nm) return std::move(nm).error();
    s.netmask = *nm;
    if (!s.netmask.empty() && !conf::ipPrefix(s.ip, s.netmask, std::nullopt))
      return at(file, lineNo, "netmask", "'" + s.netmask + "' is not a contiguous netmask");
    if (w.size() == 6) {
      s.mac = w[5];
      std::transform(s.mac.begin(), s.mac.end(), s.mac.begin(), [](unsigned char c) { return std::tolower(c); });
      if (!isMac(s.mac)) return at(file, lineNo, "mac", "'" + w[5] + "' is not a unicast MAC address (xx:xx:xx:xx:xx:xx)");
    } else {
      s.mac = slotMac(name, s.ip);
      s.macGenerated = true;
    }
    auto dup = [&](std::map<std::string, int>& seen, const std::string& v, const char* field) -> Status {
      if (auto [it, fresh] = seen.emplace(v, lineNo); !fresh)
        return at(file, lineNo, field, std::string(field) + " '" + v + "' is already used on line " + std::to_string(it->second));
      return okStatus();
    };
    STRATUS_TRY(dup(hostnames, s.hostname, "hostname"));
    STRATUS_TRY(dup(ips, s.ip, "ip"));
    STRATUS_TRY(dup(macs, s.mac, "mac"));
    pool.slots.push_back(std::move(s));
    if (end == text.size()) break;
  }
  if (!haveDns) return at(file, lineNo, "dns", "the file has no DNS line (an IP address or 'none') and no slots");
  return pool;
}

Result<std::vector<NetworkPool>> loadNetworkPools(const std::string& dir) {
  std::vector<NetworkPool> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename().string().front() != '.') files.push_back(e.path());
  if (ec) return Error(ErrorCode::SystemError, "cannot read network pools in " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> ipOwner, macOwner;  // value -> "pool:line"
  for (const auto& f : files) {
    auto text = readFile(f.string());
    if (!text) return std::move(text).error();
    auto pool = parseNetworkPool(*text, f.string(), f.filename().string());
    if (!pool) return std::move(pool).error();
    for (const auto& s : pool->slots) {
      std::string here = pool->name + ":" + std::to_string(s.line);
      if (auto [it, fresh] = ipOwner.emplace(s.ip, here); !fresh)
        return at(f.string(), s.line, "ip", "ip '" + s.ip + "' is also in pool " + it->second);
      if (auto [it, fresh] = macOwner.emplace(s.mac, here); !fresh)
        return at(f.string(), s.line, "mac", "mac '" + s.mac + "' is also in pool " + it->second);
    }
    out.push_back(std::move(*pool));
  }
  return out;
}

}  // namespace stratus::cloud
