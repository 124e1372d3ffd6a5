#include "conf/domain_xml_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stratus::conf {

// ---------------------------------------------------------------- helpers

std::string trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return std::string(s);
}

bool parseUInt(std::string_view s, std::uint64_t& out, int base) {
  if (base == 0) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      s.remove_prefix(2);
      base = 16;
    } else {
      base = 10;
    }
  }
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    if (v > (UINT64_MAX - d) / static_cast<unsigned>(base)) return false;
    v = v * static_cast<unsigned>(base) + d;
  }
  out = v;
  return true;
}

std::optional<std::uint64_t> unitScale(std::string_view unit) {
  auto ieq = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  if (unit.empty()) return 1024;
  if (ieq(unit, "b") || ieq(unit, "byte") || ieq(unit, "bytes")) return 1;
  std::uint64_t base;
  std::string_view rest = unit.substr(1);
  if (rest.empty() || ieq(rest, "iB")) base = 1024;
  else if (ieq(rest, "B")) base = 1000;
  else return std::nullopt;
  int power;
  switch (std::tolower(static_cast<unsigned char>(unit[0]))) {
    case 'k': power = 1; break;
    case 'm': power = 2; break;
    case 'g': power = 3; break;
    case 't': power = 4; break;
    case 'p': power = 5; break;
    case 'e': power = 6; break;
    default: return std::nullopt;
  }
  std::uint64_t scale = 1;
  for (int i = 0; i < power; ++i) scale *= base;
  return scale;
}

std::optional<std::uint64_t> parseMemoryKiB(Elem& e) {
  std::string unit = e.attrOr("unit");
  auto scale = unitScale(unit);
  if (!scale) {
    e.failAttr("unit", fmt::format("unknown unit '{}' (use b, KiB, MiB, GiB, TiB, KB, MB, GB, ...)", unit));
    return std::nullopt;
  }
  std::string t = e.text();
  std::uint64_t v;
  if (!parseUInt(t, v)) {
    e.fail(fmt::format("invalid number '{}'", t));
    return std::nullopt;
  }
  if (v > UINT64_MAX / *scale) {
    e.fail(fmt::format("value '{} {}' is too large", t, unit));
    return std::nullopt;
  }
  std::uint64_t bytes = v * *scale;
  return bytes / 1024 + (bytes % 1024 ? 1 : 0);
}

XmlElement toXmlElement(pugi::xml_node node) {
  XmlElement e(node.name());
  for (auto a : node.attributes()) e.attrs.emplace_back(a.name(), a.value());
  std::string text;
  bool hasElements = false;
  for (auto c : node.children()) {
    if (c.type() == pugi::node_element) {
      hasElements = true;
      e.children.push_back(toXmlElement(c));
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      text += c.value();
    }
  }
  if (!hasElements && !trim(text).empty()) e.text = text;
  return e;
}

// ---------------------------------------------------------------- ParseCtx

ParseCtx::ParseCtx(std::string_view text, std::string file, std::vector<Warning>* warnings)
    : file_(std::move(file)), warnings_(warnings) {
  lineStarts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') lineStarts_.push_back(i + 1);
}

int ParseCtx::lineAt(std::ptrdiff_t offset) const {
  if (offset < 0) return 0;
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), static_cast<std::size_t>(offset));
  return static_cast<int>(it - lineStarts_.begin());
}

int ParseCtx::lineOf(pugi::xml_node node) const {
  return node ? lineAt(node.offset_debug()) : 0;
}

void ParseCtx::fail(int line, std::string field, std::string message) {
  if (!error_) error_ = Error(ErrorCode::XmlInvalid, std::move(message), ErrorLocation{file_, line, std::move(field)});
}

void ParseCtx::warn(int line, std::string field, std::string message) {
  if (warnings_) warnings_->push_back(Warning{std::move(message), ErrorLocation{file_, line, std::move(field)}});
}

// ---------------------------------------------------------------- Elem

Elem::Elem(ParseCtx& ctx, pugi::xml_node node, std::string path)
    : ctx_(&ctx), node_(node), path_(std::move(path)) {}

bool Elem::isConsumed(const void* p) const {
  return std::find(consumed_.begin(), consumed_.end(), p) != consumed_.end();
}

void Elem::failAttr(const char* attrName, const std::string& message) const {
  ctx_->fail(line(), path_ + "/@" + attrName, message);
}

std::optional<std::string> Elem::attr(const char* name) {
  auto a = node_.attribute(name);
  if (!a) return std::nullopt;
  consumed_.push_back(a.internal_object());
  return std::string(a.value());
}

std::string Elem::attrOr(const char* name, std::string def) {
  auto v = attr(name);
  return v ? *v : def;
}

std::optional<std::uint64_t> Elem::attrUInt(const char* name, std::uint64_t max, int base) {
  auto v = attr(name);
  if (!v) return std::nullopt;
  std::uint64_t n;
  if (!parseUInt(trim(*v), n, base)) {
    failAttr(name, fmt::format("invalid number '{}'", *v));
    return std::nullopt;
  }
  if (n > max) {
    failAttr(name, fmt::format("value {} is out of range (maximum {})", *v, max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::int64_t> Elem::attrInt(const char* name, std::int64_t min, std::int64_t max) {
  auto v = attr(name);
  if (!v) return std::nullopt;
  std::string t = trim(*v);
  bool neg = !t.empty() && t[0] == '-';
  std::uint64_t n;
  if (!parseUInt(neg ? std::string_view(t).substr(1) : std::string_view(t), n) || n > static_cast<std::uint64_t>(INT64_MAX)) {
    failAttr(name, fmt::format("invalid number '{}'", *v));
    return std::nullopt;
  }
  std::int64_t s = neg ? -static_cast<std::int64_t>(n) : static_cast<std::int64_t>(n);
  if (s < min || s > max) {
    failAttr(name, fmt::format("value {} is out of range ({}..{})", *v, min, max));
    return std::nullopt;
  }
  return s;
}

std::optional<bool> Elem::attrBool(const char* name, bool onOff) {
  auto v = attr(name);
  if (!v) return std::nullopt;
  const char* t = onOff ? "on" : "yes";
  const char* f = onOff ? "off" : "no";
  if (*v == t) return true;
  if (*v == f) return false;
  failAttr(name, fmt::format("invalid value '{}' (expected '{}' or '{}')", *v, t, f));
  return std::nullopt;
}

std::string Elem::attrEnum(const char* name, std::initializer_list<std::string_view> allowed) {
  auto v = attr(name);
  if (!v) return {};
  if (std::find(allowed.begin(), allowed.end(), std::string_view(*v)) != allowed.end()) return *v;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  failAttr(name, fmt::format("invalid value '{}' (expected one of: {})", *v, list));
  return *v;
}

void Elem::keepAttrs(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto a = node_.attribute(n)) kept_.push_back(a.internal_object());
}

std::optional<Elem> Elem::child(const char* name) {
  for (auto c : node_.children(name)) {
    if (isConsumed(c.internal_object())) continue;
    consumed_.push_back(c.internal_object());
    return Elem(*ctx_, c, path_ + "/" + name);
  }
  return std::nullopt;
}

std::vector<Elem> Elem::children(const char* name) {
  std::vector<Elem> out;
  for (auto c : node_.children(name)) {
    if (isConsumed(c.internal_object())) continue;
    consumed_.push_back(c.internal_object());
    out.emplace_back(*ctx_, c, path_ + "/" + name);
  }
  return out;
}

std::vector<Elem> Elem::allChildren() {
  std::vector<Elem> out;
  for (auto c : node_.children()) {
    if (c.type() != pugi::node_element || isConsumed(c.internal_object())) continue;
    consumed_.push_back(c.internal_object());
    out.emplace_back(*ctx_, c, path_ + "/" + c.name());
  }
  return out;
}

bool Elem::flag(const char* name, LeafExtras* leaf) {
  auto c = child(name);
  if (!c) return false;
  Extra kept;
  c->finish(kept);
  if (leaf && !kept.empty()) (*leaf)[name] = std::move(kept);
  return true;
}

void Elem::keepChildren(std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (auto c : node_.children(n)) kept_.push_back(c.internal_object());
}

std::string Elem::rawText() const {
  std::string text;
  for (auto c : node_.children())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  return text;
}

std::string Elem::text() const { return trim(rawText()); }

std::optional<std::uint64_t> Elem::textUInt(std::uint64_t max) {
  std::string t = text();
  std::uint64_t n;
  if (!parseUInt(t, n)) {
    fail(fmt::format("invalid number '{}'", t));
    return std::nullopt;
  }
  if (n > max) {
    fail(fmt::format("value {} is out of range (maximum {})", t, max));
    return std::nullopt;
  }
  return n;
}

std::string Elem::textEnum(std::initializer_list<std::string_view> allowed) {
  std::string t = text();
  if (std::find(allowed.begin(), allowed.end(), std::string_view(t)) != allowed.end()) return t;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(fmt::format("invalid value '{}' (expected one of: {})", t, list));
  return t;
}

void Elem::finish(Extra& extra) {
  auto isKept = [&](const void* p) { return std::find(kept_.begin(), kept_.end(), p) != kept_.end(); };
  for (auto a : node_.attributes()) {
    if (isConsumed(a.internal_object())) continue;
    extra.attrs.emplace_back(a.name(), a.value());
    std::string_view n = a.name();
    if (keepAllAttrs_ || isKept(a.internal_object()) || n.starts_with("xmlns")) continue;
    ctx_->warn(line(), path_ + "/@" + a.name(),
               fmt::format("unknown attribute '{}' of <{}> kept verbatim", a.name(), node_.name()));
  }
  for (auto c : node_.children()) {
    if (c.type() != pugi::node_element || isConsumed(c.internal_object())) continue;
    extra.elements.push_back(toXmlElement(c));
    if (isKept(c.internal_object())) continue;
    std::string_view n = c.name();
    if (n.find(':') != std::string_view::npos) continue;  // namespaced extension (e.g. qemu:commandline)
    bool duplicate = false;
    for (auto o : node_.children(c.name()))
      if (o != c && isConsumed(o.internal_object())) duplicate = true;
    ctx_->warn(ctx_->lineOf(c), path_ + "/" + c.name(),
               duplicate ? fmt::format("duplicate element <{}> in {} kept verbatim", c.name(), path_)
                         : fmt::format("unknown element <{}> in {} kept verbatim", c.name(), path_));
  }
}

// ---------------------------------------------------------------- syntax errors

namespace {

struct OpenTag {
  std::string name;
  int line;
};

bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Walks the tags of a (malformed) document like a lenient parser would and
// describes the first nesting problem: a close tag that does not match the
// innermost open element, a stray close tag, or elements left open at the end.
std::optional<Error> findNestingError(std::string_view t, const ParseCtx& ctx, const std::string& file) {
  std::vector<OpenTag> stack;
  std::size_t i = 0;
  auto skipTo = [&](std::string_view end) {
    auto p = t.find(end, i);
    i = (p == std::string_view::npos) ? t.size() : p + end.size();
  };
  while (i < t.size()) {
    if (t[i] != '<') {
      ++i;
      continue;
    }
    std::size_t start = i;
    if (t.substr(i, 4) == "<!--") { skipTo("-->"); continue; }
    if (t.substr(i, 9) == "<![CDATA[") { skipTo("]]>"); continue; }
    if (t.substr(i, 2) == "<?") { skipTo("?>"); continue; }
    if (t.substr(i, 2) == "<!") { skipTo(">"); continue; }
    bool closing = i + 1 < t.size() && t[i + 1] == '/';
    i += closing ? 2 : 1;
    std::size_t n0 = i;
    while (i < t.size() && isNameChar(t[i])) ++i;
    std::string name(t.substr(n0, i - n0));
    if (name.empty()) continue;  // a stray '<': not a nesting problem
    // skip attributes, honouring quotes
    char quote = 0;
    bool selfClosing = false;
    while (i < t.size()) {
      char c = t[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '>') {
        selfClosing = i > 0 && t[i - 1] == '/';
        ++i;
        break;
      }
      ++i;
    }
    int line = ctx.lineAt(static_cast<std::ptrdiff_t>(start));
    if (closing) {
      if (stack.empty())
        return Error(ErrorCode::XmlSyntax, fmt::format("closing tag </{}> without an open element", name),
                     ErrorLocation{file, line, ""});
      bool openSomewhere = false;
      for (const auto& o : stack) openSomewhere |= o.name == name;
      if (!openSomewhere)
        return Error(ErrorCode::XmlSyntax,
                     fmt::format("closing tag </{}> has no matching open element (innermost open is <{}> from line {})",
                                 name, stack.back().name, stack.back().line),
                     ErrorLocation{file, line, ""});
      if (stack.back().name != name)
        return Error(ErrorCode::XmlSyntax,
                     fmt::format("element <{}> opened at line {} is not closed (found </{}>)", stack.back().name,
                                 stack.back().line, name),
                     ErrorLocation{file, line, ""});
      stack.pop_back();
    } else if (!selfClosing) {
      stack.push_back({name, line});
    }
  }
  if (!stack.empty())
    return Error(ErrorCode::XmlSyntax,
                 fmt::format("element <{}> opened at line {} is not closed (end of input)", stack.back().name,
                             stack.back().line),
                 ErrorLocation{file, ctx.lineAt(static_cast<std::ptrdiff_t>(t.size())), ""});
  return std::nullopt;
}

const char* describeStatus(pugi::xml_parse_status s) {
  switch (s) {
    case pugi::status_unrecognized_tag: return "malformed tag";
    case pugi::status_bad_pi: return "malformed processing instruction";
    case pugi::status_bad_comment: return "malformed comment";
    case pugi::status_bad_cdata: return "malformed CDATA section";
    case pugi::status_bad_doctype: return "malformed document type declaration";
    case pugi::status_bad_pcdata: return "malformed character data";
    case pugi::status_bad_start_element: return "malformed start tag";
    case pugi::status_bad_attribute: return "malformed attribute (values must be quoted)";
    case pugi::status_bad_end_element: return "malformed end tag";
    case pugi::status_end_element_mismatch: return "start and end tags do not match";
    case pugi::status_no_document_element: return "no root element (empty document)";
    default: return "malformed XML";
  }
}

}  // namespace

Status loadXmlDocument(pugi::xml_document& doc, std::string_view text, const std::string& file) {
  auto res = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!res) return xmlSyntaxError(text, res, file);
  constexpr int kMaxDepth = 128;
  int depth = 0;
  for (pugi::xml_node n = doc.first_child(); n;) {
    if (n.type() == pugi::node_element && depth + 1 > kMaxDepth) {
      ParseCtx ctx(text, file, nullptr);
      return Error(ErrorCode::XmlInvalid, fmt::format("elements nested deeper than {} levels", kMaxDepth),
                   ErrorLocation{file, ctx.lineOf(n), ""});
    }
    if (n.first_child()) {
      n = n.first_child();
      ++depth;
      continue;
    }
    while (n && !n.next_sibling()) {
      n = n.parent();
      --depth;
      if (n == doc) n = pugi::xml_node();
    }
    if (n) n = n.next_sibling();
  }
  return okStatus();
}

Error xmlSyntaxError(std::string_view text, const pugi::xml_parse_result& res, const std::string& file) {
  ParseCtx ctx(text, file, nullptr);
  if (res.status == pugi::status_end_element_mismatch || res.status == pugi::status_bad_end_element) {
    if (auto e = findNestingError(text, ctx, file)) return *e;
  }
  return Error(ErrorCode::XmlSyntax, describeStatus(res.status),
               ErrorLocation{file, ctx.lineAt(static_cast<std::ptrdiff_t>(res.offset)), ""});
}

}  // namespace stratus::conf
