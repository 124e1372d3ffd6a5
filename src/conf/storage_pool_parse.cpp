// Stage 1: XML text -> PoolDef. <pool type=''>, name, uuid, the sizes,
// <target>; <source> is read by storage_source_parse.cpp. Everything else is
// kept verbatim (libvirt's <features>, <refresh> and namespaced options
// without a warning, the unknown with one).
#include <fmt/format.h>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

// Top-level elements libvirt knows that we keep verbatim.
constexpr std::initializer_list<const char*> kKeptTopLevel = {"features", "refresh"};

void finishInto(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

void parseTarget(Elem& t, PoolDef& def) {
  t.remember("pool/target");
  if (poolTypeTraits(def.type).network)
    t.ctx().warn(t.line(), t.path(),
                 fmt::format("<target> is not used by {} pools and is left out", poolTypeName(def.type)));
  if (auto p = singleChild(t, "path")) {
    p->remember("pool/target/path");
    def.target.path = sanitizePath(p->text());
    finishInto(*p, def.leaf, "target/path");
  }
  if (auto p = singleChild(t, "permissions")) parsePerms(*p, def.target.perms, def.leaf, "target/permissions");
  finishInto(t, def.leaf, "target");
}

void parseSizes(Elem& top, PoolDef& def) {
  // The node fills these on refresh; a stored definition may carry the last
  // known numbers, so they are read (and checked) rather than refused.
  if (auto c = singleChild(top, "capacity")) {
    def.capacity = parseSizeElement(*c).value_or(0);
    finishInto(*c, def.leaf, "capacity");
  }
  if (auto a = singleChild(top, "allocation")) {
    def.allocation = parseSizeElement(*a).value_or(0);
    finishInto(*a, def.leaf, "allocation");
  }
  if (auto a = singleChild(top, "available")) {
    def.available = parseSizeElement(*a).value_or(0);
    finishInto(*a, def.leaf, "available");
  }
}

}  // namespace

Result<PoolDef> parsePoolDocument(std::string_view xml, const std::string& sourceName, std::vector<Warning>& warnings,
                                  SourceMap& lines) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  ParseCtx ctx(xml, sourceName, &warnings);
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "pool")
    return Error(ErrorCode::XmlInvalid, fmt::format("unexpected root element <{}>, expecting <pool>", root.name()),
                 ErrorLocation{sourceName, ctx.lineOf(root), ""});

  PoolDef def;
  Elem top(ctx, root, "pool");
  top.remember("pool");
  auto type = top.attr("type");
  if (!type) {
    top.failAttr("type", "missing required attribute 'type' in element 'pool'");
  } else if (auto t = parsePoolType(*type)) {
    def.type = *t;
  } else {
    top.failAttr("type", fmt::format("unknown storage pool type '{}'", *type));
  }
  if (ctx.failed()) return *ctx.error();

  if (auto s = singleChild(top, "source")) {
    s->remember("pool/source");
    if (s->node().child("protocol")) ctx.lines()["pool/source/protocol"] = ctx.lineOf(s->node().child("protocol"));
    LeafExtras rel;
    parsePoolSource(*s, def.type, def.source, rel);
    for (auto& [k, v] : rel) def.leaf["source/" + k] = std::move(v);
    if (def.type == PoolType::Rbd && def.source.name.empty())
      s->fail("element <name> in <source> is mandatory for rbd pools");
  }
  if (auto n = singleChild(top, "name")) {
    n->remember("pool/name");
    def.name = n->text();
    finishInto(*n, def.leaf, "name");
  } else if (poolTypeTraits(def.type).name && !def.source.name.empty()) {
    def.name = def.source.name;  // libvirt: the pool is named after its source
  } else {
    top.fail("missing pool name element <name>");
  }
  if (auto u = singleChild(top, "uuid")) {
    u->remember("pool/uuid");
    if (auto p = Uuid::parse(u->text())) def.uuid = *p;
    else u->fail(fmt::format("malformed uuid element '{}'", u->text()));
    finishInto(*u, def.leaf, "uuid");
  }
  parseSizes(top, def);
  if (auto t = singleChild(top, "target")) parseTarget(*t, def);

  // logical and zfs pools live where the volume manager puts them; libvirt
  // replaces any other target path.
  const std::string& vg = def.source.name.empty() ? def.name : def.source.name;
  std::string fixed = def.type == PoolType::Logical ? "/dev/" + vg : def.type == PoolType::Zfs ? "/dev/zvol/" + vg : "";
  if (!fixed.empty() && !def.target.path.empty() && def.target.path != fixed)
    ctx.warn(ctx.lines().count("pool/target/path") ? ctx.lines()["pool/target/path"] : top.line(), "pool/target/path",
             fmt::format("target path '{}' of {} pool '{}' is replaced by '{}'", def.target.path,
                         poolTypeName(def.type), def.name, fixed));

  top.keepChildren(kKeptTopLevel);
  Extra extra;
  top.finish(extra);
  def.otherElements = std::move(extra.elements);
  def.otherAttrs = std::move(extra.attrs);

  if (ctx.failed()) return *ctx.error();
  lines = std::move(ctx.lines());
  return def;
}

}  // namespace stratus::conf
