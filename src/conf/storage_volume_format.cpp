// VolumeDef -> libvirt's canonical <volume> (virStorageVolDefFormat): sizes
// in bytes, clusterSize in 'B', the allocation shown as the capacity when it
// was never set (libvirt's parser does the same).
#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

const std::vector<std::string_view> kTopOrder = {"name",     "key",    "source", "capacity",
                                                 "allocation", "physical", "target", "backingStore"};
const std::vector<std::string_view> kTargetOrder = {"path",   "format",      "permissions", "timestamps",
                                                    "encryption", "compat", "clusterSize", "features"};

void addSize(XmlElement& top, const char* name, std::uint64_t bytes, const char* unit = "bytes") {
  auto& e = top.add(name);
  e.set("unit", unit);
  e.text = std::to_string(bytes);
}

}  // namespace

std::string formatVolumeXml(const VolumeDef& def) {
  XmlElement top("volume");
  top.set("type", def.type.empty() ? "file" : def.type);
  for (const auto& [k, v] : def.otherAttrs) top.set(k, v);
  top.add("name").text = def.name;
  if (!def.key.empty()) top.add("key").text = def.key;
  addSize(top, "capacity", def.capacity);
  addSize(top, "allocation", def.allocation.value_or(def.capacity));
  if (def.physical && *def.physical > 0) addSize(top, "physical", *def.physical);

  auto& t = top.add("target");
  if (!def.path.empty()) t.add("path").text = def.path;
  if (!def.format.empty()) t.add("format").set("type", def.format);
  formatPerms(t, def.perms, def.leaf.count("target/permissions") > 0);
  if (!def.compat.empty()) t.add("compat").text = def.compat;
  if (!def.clusterSize.empty()) {
    auto& c = t.add("clusterSize");
    c.set("unit", "B");
    c.text = def.clusterSize;
  }
  if (def.lazyRefcounts || def.leaf.count("target/features")) {
    auto& f = t.add("features");
    if (def.lazyRefcounts) f.add("lazy_refcounts");
  }

  if (def.backing) {
    auto& b = top.add("backingStore");
    b.add("path").text = def.backing->path;
    if (!def.backing->format.empty()) b.add("format").set("type", def.backing->format);
    formatPerms(b, def.backing->perms, def.leaf.count("backingStore/permissions") > 0);
  }
  for (const auto& e : def.otherElements) top.append(e);
  applyLeafExtras(top, def.leaf);
  sortChildren(top, kTopOrder);
  for (auto& c : top.children) {
    if (c.name == "target") sortChildren(c, kTargetOrder);
    if (c.name == "backingStore") sortChildren(c, {"path", "format", "permissions", "timestamps"});
  }
  return serializeXml(top);
}

}  // namespace stratus::conf
