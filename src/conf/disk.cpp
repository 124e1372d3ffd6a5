#include "conf/disk.h"

#include <fmt/format.h>

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

DiskDef parseDisk(Elem& e) {
  DiskDef d;
  if (e.hasAttr("type"))
    d.type = e.attrEnum("type", {"file", "block", "dir", "network", "volume", "nvme", "vhostuser", "vhostvdpa"});
  if (e.hasAttr("device")) d.device = e.attrEnum("device", {"disk", "cdrom", "floppy", "lun"});
  d.snapshot = e.attrOr("snapshot");
  d.sgio = e.attrOr("sgio");
  d.rawio = e.attrOr("rawio");
  d.model = e.attrOr("model");

  if (auto dr = e.child("driver")) {
    d.hasDriver = true;
    d.driverName = dr->attrOr("name");
    d.driverType = dr->attrOr("type");
    d.cache = dr->attrEnum("cache", {"default", "none", "writethrough", "writeback", "directsync", "unsafe"});
    d.io = dr->attrEnum("io", {"native", "threads", "io_uring", "default"});
    d.discard = dr->attrEnum("discard", {"unmap", "ignore"});
    d.detectZeroes = dr->attrEnum("detect_zeroes", {"off", "on", "unmap"});
    d.errorPolicy = dr->attrEnum("error_policy", {"stop", "report", "ignore", "enospace"});
    if (auto t = dr->attrUInt("iothread", 0xffffffffu)) d.driverIothread = static_cast<unsigned>(*t);
    dr->keepAttrs({"rerror_policy", "ioeventfd", "event_idx", "copy_on_read", "queues", "queue_size",
                   "metadata_cache", "iommu", "ats", "packed", "page_per_vq"});
    dr->keepChildren({"metadata_cache", "iothreads"});
    dr->finish(d.driverExtra);
  }
  if (auto s = e.child("source")) {
    d.hasSource = true;
    d.sourceFile = s->attrOr("file");
    d.sourceDev = s->attrOr("dev");
    d.sourceDir = s->attrOr("dir");
    if (s->hasAttr("protocol"))
      d.sourceProtocol = s->attrEnum("protocol", {"nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https",
                                                   "ftp", "ftps", "tftp", "ssh", "vxhs", "nfs"});
    d.sourceName = s->attrOr("name");
    d.sourcePool = s->attrOr("pool");
    d.sourceVolume = s->attrOr("volume");
    d.sourceMode = s->attrOr("mode");
    d.startupPolicy = s->attrEnum("startupPolicy", {"mandatory", "requisite", "optional"});
    for (auto& h : s->children("host")) {
      DiskHost host;
      host.name = h.attrOr("name");
      host.port = h.attrOr("port");
      host.transport = h.attrOr("transport");
      host.socket = h.attrOr("socket");
      h.finish(d.leaf[fmt::format("source/host#{}", d.sourceHosts.size())]);
      d.sourceHosts.push_back(std::move(host));
    }
    if (d.type == "network") {
      if (d.sourceProtocol.empty()) s->failAttr("protocol", "Missing required attribute 'protocol' in element 'source'");
      parseDiskNetSource(*s, d);
    }
    s->keepAttrs({"index", "type", "namespace", "managed", "writable"});
    s->keepChildren({"auth", "seclabel", "reservations", "initiator", "config", "snapshot", "cookies", "ssl",
                     "readahead", "timeout", "encryption", "slices", "reconnect", "address", "dataStore",
                     "identity", "knownHosts"});
    s->finish(d.sourceExtra);
  }
  if (auto t = e.child("target")) {
    d.targetDev = t->attrOr("dev");
    if (t->hasAttr("bus"))
      d.targetBus = t->attrEnum("bus", {"ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd", "none"});
    d.targetTray = t->attrEnum("tray", {"open", "closed"});
    if (d.targetTray == "closed") d.targetTray.clear();  // the default; libvirt does not write it
    d.targetRemovable = t->attrEnum("removable", {"on", "off"});
    t->keepAttrs({"rotation_rate"});
    t->finish(d.targetExtra);
    if (d.targetDev.empty()) t->failAttr("dev", "disk target needs a dev name (e.g. vda, hdc)");
  } else {
    e.fail("disk has no <target dev=...>");
  }
  // Older XML puts a network disk's <auth> in <disk>; libvirt keeps it there.
  if (auto a = e.child("auth"); a && d.type == "network" && !d.auth) d.auth = parseDiskAuth(*a, false, d.leaf);
  d.readonly = e.flag("readonly", &d.leaf);
  d.shareable = e.flag("shareable", &d.leaf);
  d.transient = e.flag("transient", &d.leaf);
  if (auto s = e.child("serial")) d.serial = s->text();
  if (auto w = e.child("wwn")) d.wwn = w->text();
  parseDeviceInfo(e, d.info, true);
  e.keepChildren({"iotune", "blockio", "geometry", "encryption", "backingStore", "mirror", "vendor", "product",
                  "auth", "throttlefilters", "backenddomain"});
  e.finish(d.extra);
  return d;
}

void formatDisk(XmlElement& devices, const DiskDef& d, const FormatOptions& opts) {
  auto& x = devices.add("disk");
  x.set("type", d.type);
  x.set("device", d.device);
  x.setIf("model", d.model);
  x.setIf("rawio", d.rawio);
  x.setIf("sgio", d.sgio);
  x.setIf("snapshot", d.snapshot);
  if (d.hasDriver) {
    auto& dr = x.add("driver");
    dr.setIf("name", d.driverName);
    dr.setIf("type", d.driverType);
    dr.setIf("cache", d.cache);
    dr.setIf("error_policy", d.errorPolicy);
    dr.setIf("io", d.io);
    if (d.driverIothread) dr.set("iothread", std::to_string(*d.driverIothread));
    dr.setIf("discard", d.discard);
    dr.setIf("detect_zeroes", d.detectZeroes);
    appendExtra(dr, d.driverExtra);
  }
  if (d.hasSource) {
    auto& s = x.add("source");
    s.setIf("file", d.sourceFile);
    s.setIf("dev", d.sourceDev);
    s.setIf("dir", d.sourceDir);
    s.setIf("protocol", d.sourceProtocol);
    s.setIf("name", d.sourceName);
    s.setIf("pool", d.sourcePool);
    s.setIf("volume", d.sourceVolume);
    s.setIf("mode", d.sourceMode);
    s.setIf("startupPolicy", d.startupPolicy);
    for (const auto& h : d.sourceHosts) {
      auto& hx = s.add("host");
      hx.setIf("name", h.name);
      hx.setIf("port", h.port);
      if (h.transport != "tcp") hx.setIf("transport", h.transport);  // tcp: the default, not written
      hx.setIf("socket", h.socket);
    }
    if (d.type == "network") formatDiskNetSource(s, d, opts);
    appendExtra(s, d.sourceExtra);
    sortChildren(s, {"host", "snapshot", "config", "initiator", "ssl", "cookies", "readahead", "timeout",
                     "reconnect", "identity", "knownHosts", "seclabel", "auth", "encryption", "reservations",
                     "slices", "address", "dataStore"});
  }
  if (d.auth && !d.auth->inSource) formatDiskAuth(x, *d.auth);
  {
    auto& t = x.add("target");
    t.set("dev", d.targetDev);
    t.setIf("bus", d.targetBus);
    t.setIf("tray", d.targetTray);
    t.setIf("removable", d.targetRemovable);
    appendExtra(t, d.targetExtra);
  }
  if (d.readonly) x.add("readonly");
  if (d.shareable) x.add("shareable");
  if (d.transient) x.add("transient");
  if (!d.serial.empty()) x.add("serial").text = d.serial;
  if (!d.wwn.empty()) x.add("wwn").text = d.wwn;
  appendExtra(x, d.extra);
  formatDeviceInfo(x, d.info, opts);
  applyLeafExtras(x, d.leaf);
  sortChildren(x, {"driver", "auth", "source", "backingStore", "backenddomain", "mirror", "target", "iotune",
                   "throttlefilters", "blockio", "geometry", "readonly", "shareable", "transient", "serial",
                   "wwn", "vendor", "product", "encryption", "boot", "alias", "address"});
}

const std::string& diskHostPath(const DiskDef& d) {
  static const std::string kNone;
  if (d.type == "file") return d.sourceFile;
  if (d.type == "block") return d.sourceDev;
  if (d.type == "volume" && d.volumeType != "network") return d.volumePath;
  return kNone;
}

}  // namespace stratus::conf
