// Parsing helpers shared by every conf/ element parser: a parse context that
// maps pugixml offsets to lines and collects the first error and all warnings,
// and an element reader that tracks which attributes and children were
// understood so everything else is kept (and reported) instead of lost.
#pragma once

#include <pugixml.hpp>

#include <climits>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conf/domain_def.h"
#include "conf/xml_element.h"
#include "util/error.h"

namespace stratus::conf {

// Lines of parsed elements by key (see Elem::remember), for the validate stage.
using SourceMap = std::unordered_map<std::string, int>;

class ParseCtx {
 public:
  ParseCtx(std::string_view text, std::string file, std::vector<Warning>* warnings);

  const std::string& file() const { return file_; }
  int lineAt(std::ptrdiff_t offset) const;
  int lineOf(pugi::xml_node node) const;
  // The first failure wins; parsing goes on so the code stays linear.
  void fail(int line, std::string field, std::string message);
  void warn(int line, std::string field, std::string message);
  bool failed() const { return error_.has_value(); }
  const std::optional<Error>& error() const { return error_; }
  SourceMap& lines() { return lines_; }

 private:
  std::string file_;
  std::vector<std::size_t> lineStarts_;
  std::vector<Warning>* warnings_;
  std::optional<Error> error_;
  SourceMap lines_;
};

class Elem {
 public:
  Elem(ParseCtx& ctx, pugi::xml_node node, std::string path);

  ParseCtx& ctx() const { return *ctx_; }
  const std::string& path() const { return path_; }
  int line() const { return ctx_->lineOf(node_); }
  std::string name() const { return node_.name(); }
  pugi::xml_node node() const { return node_; }
  // Records this element's line under `key` for the validate stage.
  void remember(const std::string& key) const { ctx_->lines()[key] = line(); }

  // --- attributes (each read marks it understood) ---
  bool hasAttr(const char* name) const { return static_cast<bool>(node_.attribute(name)); }
  std::optional<std::string> attr(const char* name);
  std::string attrOr(const char* name, std::string def = {});
  std::optional<std::uint64_t> attrUInt(const char* name, std::uint64_t max = UINT64_MAX, int base = 10);
  std::optional<std::int64_t> attrInt(const char* name, std::int64_t min, std::int64_t max);
  // yes/no (or on/off when onOff) -> bool; absent -> nullopt; other -> error.
  std::optional<bool> attrBool(const char* name, bool onOff = false);
  // Value must be one of `allowed`; "" when absent.
  std::string attrEnum(const char* name, std::initializer_list<std::string_view> allowed);
  // Attributes libvirt knows that we keep verbatim without modelling.
  void keepAttrs(std::initializer_list<const char*> names);
  // Every attribute not read is kept verbatim without a warning.
  void keepAllAttrs() { keepAllAttrs_ = true; }

  // --- children ---
  std::optional<Elem> child(const char* name);
  std::vector<Elem> children(const char* name);
  // Presence of an empty marker element such as <readonly/>.
  bool flag(const char* name, LeafExtras* leaf = nullptr);
  // Every child element not read yet, in document order.
  std::vector<Elem> allChildren();
  // Child elements libvirt knows that we keep verbatim without modelling.
  void keepChildren(std::initializer_list<const char*> names);

  // --- text ---
  std::string text() const;  // trimmed
  std::string rawText() const;
  std::optional<std::uint64_t> textUInt(std::uint64_t max = UINT64_MAX);
  std::string textEnum(std::initializer_list<std::string_view> allowed);

  void fail(const std::string& message) const { ctx_->fail(line(), path_, message); }
  void failAttr(const char* attrName, const std::string& message) const;

  // Moves everything not understood into `extra` (with a warning for what
  // libvirt would not know either). Call once, after reading.
  void finish(Extra& extra);

 private:
  bool isConsumed(const void* p) const;
  ParseCtx* ctx_;
  pugi::xml_node node_;
  std::string path_;
  std::vector<const void*> consumed_;
  std::vector<const void*> kept_;
  bool keepAllAttrs_ = false;
};

// Deep copy of a pugixml element into the generic tree.
XmlElement toXmlElement(pugi::xml_node node);

// Strict unsigned parse: digits only (base 10), or 0x-prefixed hex / decimal
// when base is 0, or plain hex when base is 16. False on junk or overflow.
bool parseUInt(std::string_view s, std::uint64_t& out, int base = 10);

// libvirt's unit table (virScaleInteger): b/byte/bytes, k/KiB/KB, M/MiB/MB,
// G/GiB/GB, T/TiB/TB, P/PiB/PB, E/EiB/EB (case-insensitive prefix; xiB =
// 1024-based, xB = 1000-based). Returns the multiplier in bytes.
std::optional<std::uint64_t> unitScale(std::string_view unit);

// <memory unit='X'>N</memory> -> KiB (rounded up), with error on bad input.
std::optional<std::uint64_t> parseMemoryKiB(Elem& e);

// Error for a document pugixml refused, naming what is wrong and where.
Error xmlSyntaxError(std::string_view text, const pugi::xml_parse_result& res, const std::string& file);

// Loads `text` into `doc`: malformed XML fails with xmlSyntaxError, and
// elements nested deeper than 128 levels are refused because copying and
// formatting the tree are recursive.
Status loadXmlDocument(pugi::xml_document& doc, std::string_view text, const std::string& file);

std::string trim(std::string_view s);

}  // namespace stratus::conf
