// XML text -> VolumeDef (libvirt's virStorageVolDefParseXML), and
// parseVolumeXml: parse, then the checks (name, capacity).
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

constexpr std::array<std::string_view, 6> kVolumeTypes = {"file", "block", "dir", "network", "netdir", "ploop"};

void finishInto(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

std::string parseFormatType(Elem& f) {
  auto t = f.attr("type");
  if (!t) {
    f.failAttr("type", "missing type attribute in <format>");
    return {};
  }
  if (!isVolumeFormat(*t)) f.failAttr("type", fmt::format("unknown volume format type {}", *t));
  return *t;
}

// "1.1", "0.10": two numbers and a dot (qemu-img's compat levels).
bool validCompat(std::string_view c) {
  auto dot = c.find('.');
  if (dot == std::string_view::npos) return false;
  std::uint64_t n = 0;
  return parseUInt(c.substr(0, dot), n) && parseUInt(c.substr(dot + 1), n);
}

void parseFeatures(Elem& f, VolumeDef& def) {
  Extra kept;
  for (auto& c : f.allChildren()) {
    std::string n = c.name();
    if (n == "lazy_refcounts") {
      def.lazyRefcounts = true;
      finishInto(c, def.leaf, "target/features/lazy_refcounts");
    } else if (n == "extended_l2") {
      kept.elements.push_back(toXmlElement(c.node()));  // libvirt knows it; the model does not (yet)
    } else {
      c.fail(fmt::format("unsupported feature {}", n));
    }
  }
  Extra rest;
  f.finish(rest);
  kept.attrs = std::move(rest.attrs);
  // An entry (even an empty one) makes the formatter write <features>, so an
  // empty <features/> comes back as libvirt writes it.
  if (!kept.empty() || !def.lazyRefcounts) def.leaf["target/features"] = std::move(kept);
  // libvirt: asking for qcow2 features implies the 1.1 format.
  if (def.compat.empty()) def.compat = "1.1";
}

void parseVolumeTarget(Elem& t, VolumeDef& def) {
  t.remember("volume/target");
  if (auto p = singleChild(t, "path")) {
    def.path = p->text();
    finishInto(*p, def.leaf, "target/path");
  }
  if (auto f = singleChild(t, "format")) {
    def.format = parseFormatType(*f);
    finishInto(*f, def.leaf, "target/format");
  }
  if (auto p = singleChild(t, "permissions")) parsePerms(*p, def.perms, def.leaf, "target/permissions");
  if (auto c = singleChild(t, "compat")) {
    def.compat = c->text();
    if (!validCompat(def.compat)) c->fail(fmt::format("forbidden characters in 'compat' value '{}'", def.compat));
    finishInto(*c, def.leaf, "target/compat");
  }
  if (auto c = singleChild(t, "clusterSize")) {
    if (auto n = parseSizeElement(*c)) {
      if (*n == 0) c->fail("clusterSize must be greater than 0");
      def.clusterSize = std::to_string(*n);
    }
    finishInto(*c, def.leaf, "target/clusterSize");
  }
  if (auto f = singleChild(t, "features")) parseFeatures(*f, def);
  // libvirt's, kept as written: <nocow/> (a creation hint), <encryption>,
  // <timestamps> (output of a refresh).
  t.keepChildren({"nocow", "encryption", "timestamps"});
  finishInto(t, def.leaf, "target");
}

void parseBacking(Elem& b, VolumeDef& def) {
  b.remember("volume/backingStore");
  VolumeBacking back;
  if (auto p = singleChild(b, "path")) {
    back.path = p->text();
    finishInto(*p, def.leaf, "backingStore/path");
  }
  if (back.path.empty()) b.fail("missing <path> in <backingStore>");
  if (auto f = singleChild(b, "format")) {
    back.format = parseFormatType(*f);
    finishInto(*f, def.leaf, "backingStore/format");
  }
  if (auto p = singleChild(b, "permissions")) parsePerms(*p, back.perms, def.leaf, "backingStore/permissions");
  b.keepChildren({"timestamps"});
  finishInto(b, def.leaf, "backingStore");
  def.backing = std::move(back);
}

}  // namespace

Result<VolumeDef> parseVolumeDocument(std::string_view xml, const std::string& sourceName,
                                      std::vector<Warning>& warnings, SourceMap& lines) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  ParseCtx ctx(xml, sourceName, &warnings);
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "volume")
    return Error(ErrorCode::XmlInvalid, fmt::format("unexpected root element <{}>, expecting <volume>", root.name()),
                 ErrorLocation{sourceName, ctx.lineOf(root), ""});

  VolumeDef def;
  Elem top(ctx, root, "volume");
  top.remember("volume");
  if (auto t = top.attr("type")) {
    def.type = *t;
    if (std::find(kVolumeTypes.begin(), kVolumeTypes.end(), std::string_view(*t)) == kVolumeTypes.end())
      top.failAttr("type", fmt::format("unknown volume type '{}'", *t));
  }
  if (auto n = singleChild(top, "name")) {
    n->remember("volume/name");
    def.name = n->text();
    finishInto(*n, def.leaf, "name");
  } else {
    top.fail("missing volume name element <name>");
  }
  if (auto k = singleChild(top, "key")) {
    def.key = k->text();
    finishInto(*k, def.leaf, "key");
  }
  if (auto c = singleChild(top, "capacity")) {
    c->remember("volume/capacity");
    def.capacity = parseSizeElement(*c).value_or(0);
    finishInto(*c, def.leaf, "capacity");
  }
  if (auto a = singleChild(top, "allocation")) {
    def.allocation = parseSizeElement(*a);
    finishInto(*a, def.leaf, "allocation");
  }
  // <physical> is output only (what the node measured); libvirt ignores it
  // on input and so do we, so a dumped volume can be fed back as it is.
  (void)singleChild(top, "physical");
  if (auto t = singleChild(top, "target")) parseVolumeTarget(*t, def);
  if (auto b = singleChild(top, "backingStore")) parseBacking(*b, def);

  top.keepChildren({"source"});  // a logical volume's extents, written by a refresh
  Extra extra;
  top.finish(extra);
  def.otherElements = std::move(extra.elements);
  def.otherAttrs = std::move(extra.attrs);

  if (ctx.failed()) return *ctx.error();
  lines = std::move(ctx.lines());
  return def;
}

Result<ParsedVolume> parseVolumeXml(std::string_view xml, const std::string& sourceName,
                                    const VolumeParseOptions& opts) {
  ParsedVolume out;
  SourceMap lines;
  auto def = parseVolumeDocument(xml, sourceName, out.warnings, lines);
  if (!def) return std::move(def).error();
  out.def = std::move(def.value());
  std::stable_sort(out.warnings.begin(), out.warnings.end(),
                   [](const Warning& a, const Warning& b) { return a.where.line < b.where.line; });
  auto lineOf = [&](const char* key) {
    auto it = lines.find(key);
    if (it == lines.end()) it = lines.find("volume");
    return it == lines.end() ? 0 : it->second;
  };
  if (auto st = validateVolumeName(out.def.name); !st)
    return Error(ErrorCode::XmlInvalid, st.error().message,
                 ErrorLocation{sourceName, lineOf("volume/name"), "volume/name"});
  if (opts.requireCapacity && !lines.count("volume/capacity") && !out.def.backing)
    return Error(ErrorCode::XmlInvalid, fmt::format("volume '{}': missing capacity element <capacity>", out.def.name),
                 ErrorLocation{sourceName, lineOf("volume"), "volume/capacity"});
  return out;
}

}  // namespace stratus::conf
