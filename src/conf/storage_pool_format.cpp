// Stage 4: PoolDef -> libvirt's canonical <pool> (virStoragePoolDefFormatBuf):
// sizes always in bytes, <source> with what the type uses, no <target> for
// the network types, kept elements in libvirt's places.
#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

const std::vector<std::string_view> kTopOrder = {"name",     "uuid",   "capacity", "allocation", "available",
                                                 "features", "source", "target",   "refresh"};

void addSize(XmlElement& top, const char* name, std::uint64_t bytes) {
  auto& e = top.add(name);
  e.set("unit", "bytes");
  e.text = std::to_string(bytes);
}

}  // namespace

std::string formatPoolXml(const PoolDef& def, const PoolFormatOptions& opts) {
  (void)opts;  // pools have no live-only parts besides the numbers, which libvirt prints either way
  XmlElement top("pool");
  top.set("type", std::string(poolTypeName(def.type)));
  for (const auto& [k, v] : def.otherAttrs) top.set(k, v);
  top.add("name").text = def.name;
  top.add("uuid").text = def.uuid.str();
  addSize(top, "capacity", def.capacity);
  addSize(top, "allocation", def.allocation);
  addSize(top, "available", def.available);
  top.append(formatPoolSourceElement(def.type, def.source));
  if (!poolTypeTraits(def.type).network) {
    auto& t = top.add("target");
    if (!def.target.path.empty()) t.add("path").text = def.target.path;
    formatPerms(t, def.target.perms, def.leaf.count("target/permissions") > 0);
  }
  for (const auto& e : def.otherElements) top.append(e);
  applyLeafExtras(top, def.leaf);
  sortChildren(top, kTopOrder);
  for (auto& c : top.children)
    if (c.name == "target") sortChildren(c, {"path", "permissions"});
  return serializeXml(top);
}

}  // namespace stratus::conf
