#include "cli/xpath.h"

#include <exception>
#include <pugixml.hpp>
#include <utility>
#include <variant>
#include <vector>

namespace stratus::cli {

namespace {

void escapeText(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
}

void escapeAttr(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out += c;
    }
  }
}

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  escapeAttr(out, value);
  out += '"';
}

bool isText(const pugi::xml_node& n) { return n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata; }

void indent(std::string& out, int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); }

void dumpNode(std::string& out, const pugi::xml_node& n, int level, bool format);

// Children of an element: indented one per line, unless text is mixed in
// (libxml2 then writes them as they are).
template <class Children, class Dump>
void dumpChildren(std::string& out, const Children& children, bool anyText, int level, bool format, Dump dump) {
  bool fmt = format && !anyText;
  for (const auto& c : children) {
    if (fmt) {
      out += '\n';
      indent(out, level + 1);
    }
    dump(c, level + 1, fmt);
  }
  if (fmt) {
    out += '\n';
    indent(out, level);
  }
}

void dumpElement(std::string& out, const pugi::xml_node& e, int level, bool format) {
  out += '<';
  out += e.name();
  for (const auto& a : e.attributes()) attribute(out, a.name(), a.value());
  if (!e.first_child()) {
    out += "/>";
    return;
  }
  out += '>';
  std::vector<pugi::xml_node> kids;
  bool anyText = false;
  for (const auto& c : e.children()) {
    kids.push_back(c);
    anyText = anyText || isText(c);
  }
  dumpChildren(out, kids, anyText, level, format,
               [&out](const pugi::xml_node& c, int l, bool f) { dumpNode(out, c, l, f); });
  out += "</";
  out += e.name();
  out += '>';
}

void dumpNode(std::string& out, const pugi::xml_node& n, int level, bool format) {
  switch (n.type()) {
    case pugi::node_element:
      dumpElement(out, n, level, format);
      break;
    case pugi::node_pcdata:
      escapeText(out, n.value());
      break;
    case pugi::node_cdata:
      out += "<![CDATA[";
      out += n.value();
      out += "]]>";
      break;
    case pugi::node_comment:
      out += "<!--";
      out += n.value();
      out += "-->";
      break;
    case pugi::node_pi:
      out += "<?";
      out += n.name();
      if (*n.value()) {
        out += ' ';
        out += n.value();
      }
      out += "?>";
      break;
    case pugi::node_document:
      for (const auto& c : n.children()) {
        dumpNode(out, c, level, format);
        out += '\n';
      }
      break;
    default:
      break;
  }
}

// --wrap: libxml2 adds each result to a new <nodes> element: attributes
// become its attributes (a later one replaces an earlier one of the same
// name), adjacent text merges.
std::string wrapped(const pugi::xpath_node_set& nodes) {
  std::vector<std::pair<std::string, std::string>> attrs;
  using Child = std::variant<pugi::xml_node, std::string>;  // element/comment/... or merged text
  std::vector<Child> kids;
  bool anyText = false;
  for (const auto& xn : nodes) {
    if (xn.attribute()) {
      std::string name = xn.attribute().name();
      std::erase_if(attrs, [&](const auto& a) { return a.first == name; });
      attrs.emplace_back(std::move(name), xn.attribute().value());
      continue;
    }
    pugi::xml_node n = xn.node();
    if (n.type() == pugi::node_pcdata) {
      anyText = true;
      if (!kids.empty() && std::holds_alternative<std::string>(kids.back()))
        std::get<std::string>(kids.back()) += n.value();
      else
        kids.emplace_back(std::string(n.value()));
      continue;
    }
    if (n.type() == pugi::node_document) {
      for (const auto& c : n.children()) kids.emplace_back(c);
      continue;
    }
    anyText = anyText || n.type() == pugi::node_cdata;
    kids.emplace_back(n);
  }
  std::string out = "<nodes";
  for (const auto& [name, value] : attrs) attribute(out, name, value);
  if (kids.empty()) return out + "/>\n";
  out += '>';
  dumpChildren(out, kids, anyText, 0, true, [&out](const Child& c, int level, bool format) {
    if (const auto* text = std::get_if<std::string>(&c))
      escapeText(out, *text);
    else
      dumpNode(out, std::get<pugi::xml_node>(c), level, format);
  });
  return out + "</nodes>\n";
}

Error incorrect(const std::string& expr) {
  return Error(ErrorCode::InternalError, "internal error: Incorrect xpath '" + expr + "'");
}

}  // namespace

Result<std::string> xpathDump(std::string_view xml, const std::string& expr, bool wrap) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_comments | pugi::parse_pi);
  if (!parsed)
    return Error(ErrorCode::XmlSyntax, std::string("cannot parse the XML to search: ") + parsed.description());
  pugi::xpath_node_set nodes;
  try {
    pugi::xpath_query query(expr.c_str());
    if (!query || query.return_type() != pugi::xpath_type_node_set) return incorrect(expr);
    nodes = query.evaluate_node_set(doc);
  } catch (const std::exception&) {
    return incorrect(expr);
  }
  nodes.sort();
  if (wrap) return wrapped(nodes);
  std::string out;
  for (const auto& xn : nodes) {
    if (xn.attribute()) {
      attribute(out, xn.attribute().name(), xn.attribute().value());
    } else if (xn.node().type() == pugi::node_document) {
      dumpNode(out, xn.node(), 0, true);
      continue;
    } else {
      dumpNode(out, xn.node(), 0, true);
    }
    out += '\n';
  }
  return out;
}

}  // namespace stratus::cli
