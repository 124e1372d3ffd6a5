// Stage 1 for a pool's <source> (and the lone <source> that
// find-storage-pool-sources takes as srcSpec): hosts, devices, dir, adapter,
// name, format, protocol, initiator, vendor/product, auth (verbatim).
#include <fmt/format.h>

#include <algorithm>

#include "conf/storage_stages.h"

namespace stratus::conf {

namespace {

void finishInto(Elem& e, LeafExtras& leaf, const std::string& key) {
  Extra x;
  e.finish(x);
  if (!x.empty()) leaf[key] = std::move(x);
}

void warnUnused(Elem& e, std::optional<PoolType> type, bool used) {
  if (!type || used) return;
  e.ctx().warn(e.line(), e.path(),
               fmt::format("<{}> is not used by {} pools and is left out", e.name(), poolTypeName(*type)));
}

PoolSourceHost parseHost(Elem& h) {
  PoolSourceHost host;
  if (auto n = h.attr("name"); n && !n->empty()) host.name = *n;
  else h.failAttr("name", "missing storage pool host name");
  if (auto p = h.attrUInt("port", 65535); p && *p > 0) host.port = static_cast<unsigned>(*p);
  return host;
}

PoolSourceDevice parseDevice(Elem& d) {
  PoolSourceDevice dev;
  if (auto p = d.attr("path"); p && !p->empty()) dev.path = *p;
  else d.failAttr("path", "missing storage pool source device path");
  // part_separator (disk pools) and <freeExtent> (written by a disk pool's
  // refresh) are libvirt's: checked, then kept as they are.
  if (auto ps = d.node().attribute("part_separator")) {
    std::string_view v = ps.value();
    if (v != "yes" && v != "no")
      d.failAttr("part_separator", fmt::format("invalid value '{}' (expected 'yes' or 'no')", v));
  }
  d.keepAttrs({"part_separator"});
  d.keepChildren({"freeExtent"});
  d.finish(dev.extra);
  return dev;
}

// <adapter type='scsi_host|fc_host' .../> of scsi pools. The fc_host
// attributes are kept in libvirt's output order in the leaf extras.
void parseAdapter(Elem& a, PoolSource& src, LeafExtras& leaf) {
  auto type = a.attr("type");
  src.adapterName = a.attrOr("name");
  Extra kept;
  bool fcAttrs = false;  // wwnn, wwpn or parent: meaningful for fc_host only
  for (const char* k : {"parent", "parent_wwnn", "parent_wwpn", "parent_fabric_wwn", "managed", "wwnn", "wwpn"}) {
    if (auto v = a.attr(k)) {
      kept.attrs.emplace_back(k, *v);
      if (std::string_view(k) == "wwnn" || std::string_view(k) == "wwpn" || std::string_view(k) == "parent")
        fcAttrs = true;
    }
  }
  const bool parentAddr = static_cast<bool>(a.node().child("parentaddr"));
  a.keepChildren({"parentaddr"});
  if (!type) {
    // libvirt's legacy form: a bare name means scsi_host.
    if (fcAttrs)
      a.fail("Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'");
    else if (parentAddr)
      a.fail("Use of 'parentaddr' element requires use of the adapter 'type'");
    if (!src.adapterName.empty()) src.adapterType = "scsi_host";
  } else if (*type == "scsi_host") {
    src.adapterType = *type;
    if (src.adapterName.empty() && !parentAddr)
      a.fail("Either 'name' or 'parent' must be specified for the 'scsi_host' adapter");
    else if (!src.adapterName.empty() && parentAddr)
      a.fail("Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter");
  } else if (*type == "fc_host") {
    src.adapterType = *type;
    auto has = [&](std::string_view k) {
      return std::any_of(kept.attrs.begin(), kept.attrs.end(), [&](const auto& kv) { return kv.first == k; });
    };
    if (!has("wwnn") || !has("wwpn")) a.fail("'wwnn' and 'wwpn' must be specified for adapter type 'fc_host'");
  } else {
    a.failAttr("type", fmt::format("unknown storage pool adapter type '{}' (expected scsi_host or fc_host)", *type));
  }
  Extra rest;
  a.finish(rest);
  for (auto& kv : rest.attrs) kept.attrs.push_back(std::move(kv));
  for (auto& el : rest.elements) kept.elements.push_back(std::move(el));
  if (!kept.empty()) leaf["adapter"] = std::move(kept);
}

void parseFormat(Elem& f, std::optional<PoolType> type, PoolSource& src) {
  auto t = f.attr("type");
  if (!t) {
    f.failAttr("type", "missing type attribute in <format>");
    return;
  }
  src.format = *t;
  if (!type) return;
  const auto& formats = poolTypeTraits(*type).formats;
  if (formats.empty()) return;  // warned as unused by the caller
  if (std::find(formats.begin(), formats.end(), std::string_view(*t)) == formats.end()) {
    std::string list;
    for (auto n : formats) list += (list.empty() ? "" : ", ") + std::string(n);
    f.failAttr("type", fmt::format("unknown pool format type {} (a {} pool takes {})", *t, poolTypeName(*type), list));
  }
}

}  // namespace

void parsePoolSource(Elem& e, std::optional<PoolType> type, PoolSource& src, LeafExtras& leaf) {
  const PoolTypeTraits* tr = type ? &poolTypeTraits(*type) : nullptr;
  auto hosts = e.children("host");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    warnUnused(hosts[i], type, !tr || tr->host);
    src.hosts.push_back(parseHost(hosts[i]));
    finishInto(hosts[i], leaf, fmt::format("host#{}", i));
  }
  auto devices = e.children("device");
  for (auto& d : devices) {
    warnUnused(d, type, !tr || tr->device);
    src.devices.push_back(parseDevice(d));
  }
  if (auto d = singleChild(e, "dir")) {
    warnUnused(*d, type, !tr || tr->dir);
    if (auto p = d->attr("path")) src.dir = sanitizePath(*p);
    else d->failAttr("path", "missing path attribute in <dir>");
    finishInto(*d, leaf, "dir");
  }
  if (auto a = singleChild(e, "adapter")) {
    warnUnused(*a, type, !tr || tr->adapter);
    parseAdapter(*a, src, leaf);
  }
  if (auto n = singleChild(e, "name")) {
    warnUnused(*n, type, !tr || tr->name);
    src.name = n->text();
    finishInto(*n, leaf, "name");
  }
  if (auto f = singleChild(e, "format")) {
    warnUnused(*f, type, !tr || !tr->formats.empty());
    parseFormat(*f, type, src);
    finishInto(*f, leaf, "format");
  }
  if (auto p = singleChild(e, "protocol")) {
    auto v = p->attr("ver");
    std::uint64_t n = 0;
    if (!v) p->failAttr("ver", "missing ver attribute in <protocol>");
    else if (!parseUInt(trim(*v), n, 0) || n > 0xffffffffu)
      p->failAttr("ver", fmt::format("storage pool protocol ver '{}' is malformed", *v));
    else if (n > 0)
      src.protocolVersion = std::to_string(n);
    finishInto(*p, leaf, "protocol");
  }
  if (auto i = singleChild(e, "initiator")) {
    warnUnused(*i, type, !tr || tr->initiator);
    if (auto q = singleChild(*i, "iqn")) {
      if (auto n = q->attr("name"); n && !n->empty()) src.initiatorIqn = *n;
      else q->failAttr("name", "missing name attribute in <initiator><iqn>");
      finishInto(*q, leaf, "initiator/iqn");
    }
    finishInto(*i, leaf, "initiator");
  }
  if (auto v = singleChild(e, "vendor")) {
    src.vendor = v->attrOr("name");
    finishInto(*v, leaf, "vendor");
  }
  if (auto p = singleChild(e, "product")) {
    src.product = p->attrOr("name");
    finishInto(*p, leaf, "product");
  }
  if (auto a = singleChild(e, "auth")) {
    // Kept verbatim (no secret driver yet); libvirt requires its type.
    auto t = a->node().attribute("type");
    if (!t) a->failAttr("type", "storage pool missing auth type");
    else if (std::string_view(t.value()) != "chap" && std::string_view(t.value()) != "ceph")
      a->failAttr("type", fmt::format("unknown auth type '{}' (expected chap or ceph)", t.value()));
    // libvirt writes type before username whatever the input's order.
    XmlElement auth = toXmlElement(a->node());
    auto rank = [](const std::pair<std::string, std::string>& kv) {
      return kv.first == "type" ? 0 : kv.first == "username" ? 1 : 2;
    };
    std::stable_sort(auth.attrs.begin(), auth.attrs.end(),
                     [&](const auto& x, const auto& y) { return rank(x) < rank(y); });
    src.authExtra.elements.push_back(std::move(auth));
  }
  e.finish(src.extra);
}

Result<PoolSource> parsePoolSourceXml(std::string_view xml, const std::string& sourceName) {
  pugi::xml_document doc;
  STRATUS_TRY(loadXmlDocument(doc, xml, sourceName));
  ParseCtx ctx(xml, sourceName, nullptr);
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "source")
    return Error(ErrorCode::XmlInvalid, fmt::format("expected root element <source>, found <{}>", root.name()),
                 ErrorLocation{sourceName, ctx.lineOf(root), ""});
  Elem top(ctx, root, "source");
  PoolSource src;
  LeafExtras leaf;  // a query: what the model does not hold is not needed
  parsePoolSource(top, std::nullopt, src, leaf);
  if (ctx.failed()) return *ctx.error();
  return src;
}

}  // namespace stratus::conf
