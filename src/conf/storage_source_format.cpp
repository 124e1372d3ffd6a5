// Stage 4 for <source>: what the pool type uses, in libvirt's order
// (virStoragePoolSourceFormat), and the <sources> document of
// find-storage-pool-sources built from the same pieces.
#include "conf/storage_stages.h"

namespace stratus::conf {

XmlElement formatPoolSourceElement(PoolType type, const PoolSource& src) {
  const PoolTypeTraits& tr = poolTypeTraits(type);
  XmlElement s("source");
  s.expandEmpty = true;  // libvirt writes <source>\n</source> for a dir pool
  if (tr.host)
    for (const auto& h : src.hosts) {
      auto& x = s.add("host");
      x.set("name", h.name);
      if (h.port) x.set("port", std::to_string(*h.port));
    }
  if (tr.device)
    for (const auto& d : src.devices) {
      auto& x = s.add("device");
      x.set("path", d.path);
      appendExtra(x, d.extra);
    }
  if (tr.dir && !src.dir.empty()) s.add("dir").set("path", src.dir);
  if (tr.adapter && !src.adapterType.empty()) {
    auto& x = s.add("adapter");
    x.set("type", src.adapterType);
    x.setIf("name", src.adapterName);
  }
  if (tr.name && !src.name.empty()) s.add("name").text = src.name;
  if (tr.initiator && !src.initiatorIqn.empty()) s.add("initiator").add("iqn").set("name", src.initiatorIqn);
  if (!tr.formats.empty()) s.add("format").set("type", src.format.empty() ? std::string(tr.defaultFormat) : src.format);
  for (const auto& a : src.authExtra.elements) s.append(a);
  if (!src.protocolVersion.empty()) s.add("protocol").set("ver", src.protocolVersion);
  if (!src.vendor.empty()) s.add("vendor").set("name", src.vendor);
  if (!src.product.empty()) s.add("product").set("name", src.product);
  appendExtra(s, src.extra);
  return s;
}

std::string formatPoolSources(PoolType type, const std::vector<PoolSource>& sources) {
  XmlElement top("sources");
  top.expandEmpty = true;
  for (const auto& s : sources) top.append(formatPoolSourceElement(type, s));
  return serializeXml(top);
}

}  // namespace stratus::conf
