#include "storage/iscsi_ls.h"

#include <charconv>

namespace stratus::storage {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The value after "Key:" up to the next blank.
std::string_view valueOf(std::string_view line, std::string_view key) {
  auto pos = line.find(key);
  if (pos == std::string_view::npos) return {};
  auto v = line.substr(pos + key.size());
  auto end = v.find_first_of(" \t");
  return end == std::string_view::npos ? v : v.substr(0, end);
}

}  // namespace

Result<std::vector<IscsiTarget>> parseIscsiLs(std::string_view text) {
  std::vector<IscsiTarget> out;
  int lineNo = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++lineNo;
    if (line.empty()) continue;
    if (line.starts_with("Target:")) {
      IscsiTarget t;
      t.iqn = std::string(valueOf(line, "Target:"));
      t.portal = std::string(valueOf(line, "Portal:"));
      out.push_back(std::move(t));
    } else if (line.starts_with("Lun:")) {
      if (out.empty())
        return Error(ErrorCode::OperationFailed, "iscsi-ls output line " + std::to_string(lineNo) + ": a LUN before any target");
      auto num = valueOf(line, "Lun:");
      IscsiLun l;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), l.lun);
      if (ec != std::errc() || p != num.data() + num.size())
        return Error(ErrorCode::OperationFailed,
                     "iscsi-ls output line " + std::to_string(lineNo) + ": bad LUN number '" + std::string(num) + "'");
      l.type = std::string(valueOf(line, "Type:"));
      out.back().luns.push_back(std::move(l));
    }
    // Other lines (libiscsi's warnings) carry nothing we list.
  }
  return out;
}

std::string iscsiLunUrl(const std::string& host, unsigned port, const std::string& iqn, unsigned lun) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "iscsi://" + h + ":" + std::to_string(port) + "/" + iqn + "/" + std::to_string(lun);
}

}  // namespace stratus::storage
