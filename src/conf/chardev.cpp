#include "conf/chardev.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

ChardevDef parseChardev(Elem& e) {
  ChardevDef c;
  c.element = e.name();
  if (e.hasAttr("type"))
    c.type = e.attrEnum("type", {"null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
                                 "spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus"});
  else
    c.type = "pty";
  c.tty = e.attrOr("tty");
  for (auto& s : e.children("source")) {
    ChardevSource src;
    src.path = s.attrOr("path");
    src.mode = s.attrOr("mode");
    src.host = s.attrOr("host");
    src.service = s.attrOr("service");
    src.channel = s.attrOr("channel");
    src.tls = s.attrOr("tls");
    s.keepAttrs({"append", "master", "slave", "name"});
    s.keepChildren({"seclabel", "reconnect", "clipboard", "mouse"});
    s.finish(src.extra);
    c.sources.push_back(std::move(src));
  }
  if (auto p = e.child("protocol")) {
    c.protocol = p->attrOr("type");
    p->finish(c.leaf["protocol"]);
  }
  if (auto t = e.child("target")) {
    c.hasTarget = true;
    c.targetType = t->attrOr("type");
    c.targetName = t->attrOr("name");
    c.targetAddress = t->attrOr("address");
    c.targetState = t->attrOr("state");
    if (auto port = t->attrUInt("port", 0xffffffffu)) c.targetPort = static_cast<unsigned>(*port);
    t->keepChildren({"model"});
    t->finish(c.targetExtra);
  }
  parseDeviceInfo(e, c.info, false);
  e.keepChildren({"log"});
  e.finish(c.extra);
  return c;
}

void formatChardev(XmlElement& devices, const ChardevDef& c, const FormatOptions& opts) {
  auto& x = devices.add(c.element);
  x.set("type", c.type);
  if (!opts.inactive) x.setIf("tty", c.tty);
  for (const auto& s : c.sources) {
    // A pty's path is allocated at start: live-only.
    if (opts.inactive && c.type == "pty" && s.mode.empty() && s.extra.empty()) continue;
    auto& sx = x.add("source");
    sx.setIf("mode", s.mode);
    sx.setIf("host", s.host);
    sx.setIf("service", s.service);
    sx.setIf("path", s.path);
    sx.setIf("channel", s.channel);
    sx.setIf("tls", s.tls);
    appendExtra(sx, s.extra);
  }
  if (!c.protocol.empty()) x.add("protocol").set("type", c.protocol);
  if (c.hasTarget) {
    auto& t = x.add("target");
    t.setIf("type", c.targetType);
    t.setIf("name", c.targetName);
    t.setIf("address", c.targetAddress);
    if (c.targetPort) t.set("port", std::to_string(*c.targetPort));
    t.setIf("state", opts.inactive ? std::string() : c.targetState);
    appendExtra(t, c.targetExtra);
  }
  appendExtra(x, c.extra);
  formatDeviceInfo(x, c.info, opts);
  applyLeafExtras(x, c.leaf);
  sortChildren(x, {"source", "protocol", "log", "target", "alias", "address"});
}

}  // namespace stratus::conf
