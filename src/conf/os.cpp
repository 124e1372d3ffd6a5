#include "conf/os.h"

#include "conf/domain_def.h"
#include "conf/domain_xml_io.h"

namespace stratus::conf {

void parseOs(Elem& e, DomainDef& def) {
  OsDef& os = def.os;
  os.firmware = e.attrEnum("firmware", {"bios", "efi"});
  if (auto t = e.child("type")) {
    def.osType = t->textEnum({"hvm", "xen", "linux", "exe", "xenpvh", "uml"});
    if (auto a = t->attr("arch")) def.arch = *a;
    def.machine = t->attrOr("machine");
    t->finish(os.typeExtra);
  } else {
    e.fail("<os> needs a <type> (e.g. <type>hvm</type>)");
  }
  if (auto l = e.child("loader")) {
    os.hasLoader = true;
    os.loaderPath = l->text();
    os.loaderReadonly = l->attrEnum("readonly", {"yes", "no"});
    os.loaderType = l->attrEnum("type", {"rom", "pflash"});
    os.loaderSecure = l->attrEnum("secure", {"yes", "no"});
    l->keepAttrs({"stateless", "format"});
    l->finish(os.loaderExtra);
  }
  if (auto n = e.child("nvram")) {
    os.hasNvram = true;
    os.nvramPath = n->text();
    os.nvramTemplate = n->attrOr("template");
    n->keepAttrs({"type", "format", "templateFormat"});
    n->keepChildren({"source"});
    n->finish(os.nvramExtra);
  }
  for (auto& b : e.children("boot")) {
    std::string dev = b.attrEnum("dev", {"hd", "fd", "cdrom", "network"});
    if (dev.empty() && !b.ctx().failed()) b.failAttr("dev", "boot needs dev='hd|cdrom|fd|network'");
    b.finish(os.leaf["boot#" + std::to_string(os.bootDevs.size())]);
    os.bootDevs.push_back(dev);
  }
  if (auto m = e.child("bootmenu")) {
    os.bootMenu = m->attrBool("enable");
    if (auto t = m->attrUInt("timeout", 65535)) os.bootMenuTimeout = static_cast<unsigned>(*t);
    m->finish(os.leaf["bootmenu"]);
  }
  if (auto k = e.child("kernel")) os.kernel = k->text();
  if (auto i = e.child("initrd")) os.initrd = i->text();
  if (auto c = e.child("cmdline")) os.cmdline = c->rawText();
  if (auto d = e.child("dtb")) os.dtb = d->text();
  if (auto i = e.child("init")) os.init = i->text();
  e.keepChildren({"smbios", "bios", "acpi", "firmware", "initarg", "initenv", "initdir", "inituser", "initgroup",
                  "bootloader", "shim", "idmap"});
  e.finish(os.extra);
}

void formatOs(XmlElement& domain, const DomainDef& def) {
  const OsDef& os = def.os;
  auto& x = domain.add("os");
  x.setIf("firmware", os.firmware);
  {
    auto& t = x.add("type");
    t.setIf("arch", def.arch);
    t.setIf("machine", def.machine);
    appendExtra(t, os.typeExtra);
    t.text = def.osType;
  }
  if (os.hasLoader) {
    auto& l = x.add("loader");
    l.setIf("readonly", os.loaderReadonly);
    l.setIf("secure", os.loaderSecure);
    l.setIf("type", os.loaderType);
    appendExtra(l, os.loaderExtra);
    l.text = os.loaderPath;
  }
  if (os.hasNvram) {
    auto& n = x.add("nvram");
    n.setIf("template", os.nvramTemplate);
    appendExtra(n, os.nvramExtra);
    if (n.children.empty()) n.text = os.nvramPath;
  }
  if (!os.kernel.empty()) x.add("kernel").text = os.kernel;
  if (!os.initrd.empty()) x.add("initrd").text = os.initrd;
  if (!os.cmdline.empty()) x.add("cmdline").text = os.cmdline;
  if (!os.dtb.empty()) x.add("dtb").text = os.dtb;
  if (!os.init.empty()) x.add("init").text = os.init;
  for (const auto& b : os.bootDevs) x.add("boot").set("dev", b);
  if (os.bootMenu || os.bootMenuTimeout) {
    auto& m = x.add("bootmenu");
    if (os.bootMenu) m.set("enable", *os.bootMenu ? "yes" : "no");
    if (os.bootMenuTimeout) m.set("timeout", std::to_string(*os.bootMenuTimeout));
  }
  appendExtra(x, os.extra);
  applyLeafExtras(x, os.leaf);
  sortChildren(x, {"type", "firmware", "loader", "nvram", "bootloader", "kernel", "initrd", "cmdline", "shim",
                   "dtb", "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "boot", "bootmenu",
                   "smbios", "bios", "acpi"});
}

}  // namespace stratus::conf
