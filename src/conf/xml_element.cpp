#include "conf/xml_element.h"

#include <algorithm>

namespace stratus::conf {

XmlElement& XmlElement::add(std::string childName) {
  children.emplace_back(std::move(childName));
  return children.back();
}

void XmlElement::set(std::string key, std::string value) {
  for (auto& [k, v] : attrs)
    if (k == key) {
      v = std::move(value);
      return;
    }
  attrs.emplace_back(std::move(key), std::move(value));
}

void XmlElement::setIf(std::string key, const std::string& value) {
  if (!value.empty()) set(std::move(key), value);
}

const std::string* XmlElement::attr(std::string_view key) const {
  for (const auto& [k, v] : attrs)
    if (k == key) return &v;
  return nullptr;
}

const XmlElement* XmlElement::child(std::string_view childName) const {
  for (const auto& c : children)
    if (c.name == childName) return &c;
  return nullptr;
}

void appendExtra(XmlElement& e, const Extra& extra) {
  for (const auto& [k, v] : extra.attrs) e.set(k, v);
  for (const auto& c : extra.elements) e.children.push_back(c);
}

namespace {
XmlElement* findPath(XmlElement& e, std::string_view path) {
  XmlElement* cur = &e;
  while (!path.empty() && cur) {
    auto slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    std::size_t index = 0;
    if (auto hash = seg.find('#'); hash != std::string_view::npos) {
      for (char c : seg.substr(hash + 1)) index = index * 10 + static_cast<std::size_t>(c - '0');
      seg = seg.substr(0, hash);
    }
    XmlElement* next = nullptr;
    for (auto& c : cur->children)
      if (c.name == seg && index-- == 0) {
        next = &c;
        break;
      }
    cur = next;
  }
  return cur;
}
}  // namespace

void applyLeafExtras(XmlElement& e, const LeafExtras& leaf) {
  for (const auto& [path, extra] : leaf)
    if (XmlElement* t = findPath(e, path)) appendExtra(*t, extra);
}

void sortChildren(XmlElement& e, const std::vector<std::string_view>& order) {
  auto rank = [&](const XmlElement& c) {
    auto it = std::find(order.begin(), order.end(), std::string_view(c.name));
    return static_cast<std::size_t>(it - order.begin());
  };
  std::stable_sort(e.children.begin(), e.children.end(),
                   [&](const XmlElement& a, const XmlElement& b) { return rank(a) < rank(b); });
}

std::string escapeXmlText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escapeXmlAttr(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
  return out;
}

void serializeXml(const XmlElement& e, std::string& out, int depth) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  out += '<';
  out += e.name;
  for (const auto& [k, v] : e.attrs) {
    out += ' ';
    out += k;
    out += "='";
    out += escapeXmlAttr(v);
    out += '\'';
  }
  if (!e.children.empty()) {
    out += ">\n";
    for (const auto& c : e.children) serializeXml(c, out, depth + 1);
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "</" + e.name + ">\n";
  } else if (!e.text.empty()) {
    out += '>';
    out += escapeXmlText(e.text);
    out += "</" + e.name + ">\n";
  } else if (e.expandEmpty) {
    out += ">\n";
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "</" + e.name + ">\n";
  } else {
    out += "/>\n";
  }
}

std::string serializeXml(const XmlElement& e) {
  std::string out;
  serializeXml(e, out, 0);
  return out;
}

}  // namespace stratus::conf
