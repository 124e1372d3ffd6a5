// A small generic XML element tree. Used two ways:
//  - to keep what we do not model (unknown or pass-through elements) verbatim;
//  - as the output tree that the formatters build before serialising it in
//    libvirt's canonical style (two-space indent, single-quoted attributes).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::conf {

struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;  // character data; only kept when there are no child elements
  std::vector<XmlElement> children;
  bool expandEmpty = false;  // write <x>\n</x> instead of <x/> (libvirt does for <devices>)

  XmlElement() = default;
  explicit XmlElement(std::string n) : name(std::move(n)) {}

  // Append a child and return it. The reference is invalidated by the next
  // add() on the same parent: finish one child before starting the next.
  XmlElement& add(std::string childName);
  // Append a copy of an existing element.
  void append(const XmlElement& child) { children.push_back(child); }
  void set(std::string key, std::string value);
  // Sets the attribute only when value is non-empty.
  void setIf(std::string key, const std::string& value);
  const std::string* attr(std::string_view key) const;
  const XmlElement* child(std::string_view childName) const;
  bool empty() const { return attrs.empty() && text.empty() && children.empty(); }

  friend bool operator==(const XmlElement&, const XmlElement&) = default;
};

// What a known element carried that the typed model does not: attributes and
// child elements, kept verbatim and written back after the known ones.
struct Extra {
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<XmlElement> elements;
  bool empty() const { return attrs.empty() && elements.empty(); }
  friend bool operator==(const Extra&, const Extra&) = default;
};

// Adds the kept attributes and child elements to `e`.
void appendExtra(XmlElement& e, const Extra& extra);

// What small leaf elements (alias, boot, model, ...) carried beyond the model,
// keyed by a path relative to the owner's element: "alias", "source/host#1"
// (#i = the i-th child of that name, default 0).
using LeafExtras = std::map<std::string, Extra>;
// Finds each keyed descendant of `e` and appends its extras.
void applyLeafExtras(XmlElement& e, const LeafExtras& leaf);

// Stable-sorts the children by their name's position in `order`; names not
// listed keep their relative order after all listed ones.
void sortChildren(XmlElement& e, const std::vector<std::string_view>& order);

// Serialises `e` at `depth` (two spaces per level), one element per line,
// with a trailing newline.
void serializeXml(const XmlElement& e, std::string& out, int depth = 0);
std::string serializeXml(const XmlElement& e);

std::string escapeXmlText(std::string_view s);
std::string escapeXmlAttr(std::string_view s);

}  // namespace stratus::conf
