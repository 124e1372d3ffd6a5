// attach-device, detach-device, update-device, attach-disk, detach-disk,
// attach-interface, detach-interface, change-media, blockresize: virsh's
// options, messages and order of checks; the XML is built in device_xml.cpp.
#include "cli/cmd_devices.h"

#include <sys/stat.h>

#include "cli/device_xml.h"
#include "cli/handlers.h"

namespace stratus::cli {

namespace {

// --persistent / --config / --live / --current of the device commands.
struct Flags {
  bool config = false, live = false, current = false, persistent = false;
};

std::optional<Flags> deviceFlags(Ctl& ctl, const ParsedCmd& pc, bool allowPersistent = true) {
  Flags f{pc.has("config"), pc.has("live"), pc.has("current"), allowPersistent && pc.has("persistent")};
  const char* clash = nullptr;
  if (f.persistent && f.current) clash = "Options --persistent and --current are mutually exclusive";
  else if (f.current && f.live) clash = "Options --current and --live are mutually exclusive";
  else if (f.current && f.config) clash = "Options --current and --config are mutually exclusive";
  if (clash) {
    ctl.error(clash);
    return std::nullopt;
  }
  return f;
}

// --persistent: the persistent definition, and the guest too when it runs.
daemon::ModifyScope scopeFor(const Flags& f, const daemon::DomainSummary& d) {
  daemon::ModifyScope s;
  s.config = f.config || f.persistent;
  s.live = f.live || (f.persistent && conf::isActive(d.state));
  return s;
}

// The XML virsh searches: the persistent one when the change is for it.
std::optional<std::string> domainXmlFor(Ctl& ctl, const daemon::DomainSummary& d, const daemon::ModifyScope& s) {
  daemon::XmlOptions o;
  o.inactive = s.config;
  auto xml = ctl.conn()->domainXml(d.uuid, o);
  if (!xml) {
    fail(ctl, xml.error());
    return std::nullopt;
  }
  return std::move(xml).value();
}

using DeviceCall = Status (daemon::NodeService::*)(const std::string&, const std::string&, const std::string&,
                                                   const daemon::ModifyScope&);

bool deviceFromFile(Ctl& ctl, const ParsedCmd& pc, DeviceCall call, const char* failed, const char* done) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = (ctl.conn()->*call)(d->uuid, xml, file, scopeFor(*f, *d));
  if (!r) return fail(ctl, fmt::format(fmt::runtime(failed), file), r.error());
  ctl.printExtra(done);
  return true;
}

bool isBlockDevice(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

}  // namespace

bool cmdAttachDevice(Ctl& ctl, const ParsedCmd& pc) {
  return deviceFromFile(ctl, pc, &daemon::NodeService::attachDevice, "Failed to attach device from {}",
                        "Device attached successfully\n");
}

bool cmdDetachDevice(Ctl& ctl, const ParsedCmd& pc) {
  return deviceFromFile(ctl, pc, &daemon::NodeService::detachDevice, "Failed to detach device from {}",
                        "Device detached successfully\n");
}

bool cmdUpdateDevice(Ctl& ctl, const ParsedCmd& pc) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->updateDevice(d->uuid, xml, file, scopeFor(*f, *d), pc.has("force"));
  if (!r) return fail(ctl, fmt::format("Failed to update device from {}", file), r.error());
  ctl.printExtra("Device updated successfully\n");
  return true;
}

bool cmdAttachDisk(Ctl& ctl, const ParsedCmd& pc) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto xml = attachDiskXml(pc, isBlockDevice(pc.get("source")));
  if (!xml) {
    ctl.error(xml.error().message);
    return false;
  }
  if (pc.has("print-xml")) {
    ctl.print(*xml);
    return true;
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->attachDevice(d->uuid, *xml, "<attach-disk>", scopeFor(*f, *d));
  if (!r) return fail(ctl, "Failed to attach disk", r.error());
  ctl.printExtra("Disk attached successfully\n");
  return true;
}

bool cmdDetachDisk(Ctl& ctl, const ParsedCmd& pc) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto scope = scopeFor(*f, *d);
  auto domain = domainXmlFor(ctl, *d, scope);
  if (!domain) return false;
  auto disk = findDiskXml(*domain, pc.get("target"), false);
  if (!disk) {
    ctl.error(disk.error().message);
    return false;
  }
  if (pc.has("print-xml")) {
    ctl.print(*disk);
    return true;
  }
  auto r = ctl.conn()->detachDevice(d->uuid, *disk, "<detach-disk>", scope);
  if (!r) return fail(ctl, "Failed to detach disk", r.error());
  ctl.printExtra("Disk detached successfully\n");
  return true;
}

bool cmdAttachInterface(Ctl& ctl, const ParsedCmd& pc) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto xml = attachInterfaceXml(pc);
  if (!xml) {
    ctl.error(xml.error().message);
    return false;
  }
  if (pc.has("print-xml")) {
    ctl.print(*xml);
    return true;
  }
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->attachDevice(d->uuid, *xml, "<attach-interface>", scopeFor(*f, *d));
  if (!r) return fail(ctl, "Failed to attach interface", r.error());
  ctl.printExtra("Interface attached successfully\n");
  return true;
}

bool cmdDetachInterface(Ctl& ctl, const ParsedCmd& pc) {
  auto f = deviceFlags(ctl, pc);
  if (!f) return false;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto scope = scopeFor(*f, *d);
  auto domain = domainXmlFor(ctl, *d, scope);
  if (!domain) return false;
  auto iface = findInterfaceXml(*domain, pc.get("type"), pc.get("mac"));
  if (!iface) {
    ctl.error(iface.error().message);
    ctl.error("Failed to detach interface");
    return false;
  }
  if (pc.has("print-xml")) {
    ctl.print(*iface);
    return true;
  }
  auto r = ctl.conn()->detachDevice(d->uuid, *iface, "<detach-interface>", scope);
  if (!r) return fail(ctl, "Failed to detach interface", r.error());
  ctl.printExtra("Interface detached successfully\n");
  return true;
}

bool cmdChangeMedia(Ctl& ctl, const ParsedCmd& pc) {
  bool eject = pc.has("eject"), insert = pc.has("insert"), update = pc.has("update");
  for (auto [a, b, both] : {std::tuple{"eject", "insert", eject && insert}, {"eject", "update", eject && update},
                            {"insert", "update", insert && update}}) {
    if (both) {
      ctl.error(fmt::format("Options --{} and --{} are mutually exclusive", a, b));
      return false;
    }
  }
  auto f = deviceFlags(ctl, pc, false);
  if (!f) return false;
  MediaAction action = eject ? MediaAction::Eject : insert ? MediaAction::Insert : MediaAction::Update;
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto scope = scopeFor(*f, *d);
  auto domain = domainXmlFor(ctl, *d, scope);
  if (!domain) return false;
  bool sourceRequired = insert || (!eject && !update);
  auto xml = changeMediaXml(*domain, pc.get("path"), action, pc.get("source"), pc.has("block"), sourceRequired);
  if (!xml) {
    ctl.error(xml.error().message);
    return false;
  }
  if (pc.has("print-xml")) {
    ctl.print(*xml);
    return true;
  }
  static constexpr const char* kName[] = {"eject", "insert", "update"};
  static constexpr const char* kDone[] = {"Successfully ejected media.\n", "Successfully inserted media.\n",
                                          "Successfully updated media.\n"};
  auto i = static_cast<std::size_t>(action);
  auto r = ctl.conn()->updateDevice(d->uuid, *xml, "<change-media>", scope, pc.has("force"));
  if (!r) return fail(ctl, fmt::format("Failed to complete action {} on media", kName[i]), r.error());
  ctl.printExtra(kDone[i]);
  return true;
}

bool cmdBlockresize(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  const std::string& path = pc.get("path");
  auto bytes = parseScaledBytes(pc.get("size"));
  if (!bytes) {
    ctl.error(fmt::format("Scaled numeric value '{}' for <size> option is malformed or out of range", pc.get("size")));
    return false;
  }
  auto r = ctl.conn()->blockResize(d->uuid, path, *bytes);
  if (!r) return fail(ctl, fmt::format("Failed to resize block device '{}'", path), r.error());
  ctl.printExtra(fmt::format("Block device '{}' is resized\n", path));
  return true;
}

std::vector<CmdDef> deviceCommands() {
  using T = OptType;
  const OptDef dom{"domain", T::String, true, true, "domain name, id or uuid"};
  const OptDef file{"file", T::String, true, true, "XML file"};
  auto flag = [](std::string_view n, std::string_view h) { return OptDef{n, T::Bool, false, false, h}; };
  auto str = [](std::string_view n, std::string_view h) { return OptDef{n, T::String, false, false, h}; };
  const OptDef persistent = flag("persistent", "make live change persistent");
  const OptDef config = flag("config", "affect next boot");
  const OptDef live = flag("live", "affect running domain");
  const OptDef current = flag("current", "affect current domain");
  const std::string_view g = "Domain Management";
  return {
      {"attach-device", g, "attach device from an XML file", "", {dom, file, persistent, config, live, current},
       cmdAttachDevice},
      {"attach-disk", g, "attach disk device", "",
       {dom, {"source", T::String, true, true, "source of disk device or name of network disk"},
        {"target", T::String, true, true, "target of disk device"}, str("targetbus", "target bus of disk device"),
        str("driver", "driver of disk device"), str("subdriver", "subdriver of disk device"),
        str("iothread", "IOThread to be used by supported device"), str("cache", "cache mode of disk device"),
        str("io", "io policy of disk device"), str("type", "target device type"),
        str("mode", "mode of device reading and writing"), str("sourcetype", "type of source (block|file|network)"),
        str("serial", "serial of disk device"), str("wwn", "wwn of disk device"),
        str("alias", "custom alias name of disk device"), flag("rawio", "needs rawio capability"),
        str("address", "address of disk device"), flag("multifunction", "use multifunction pci under specified address"),
        flag("print-xml", "print XML document rather than attach the disk"),
        str("source-protocol", "protocol used by disk device source"),
        str("source-host-name", "host name for source of disk device"),
        str("source-host-transport", "host transport for source of disk device"),
        str("source-host-socket", "host socket for source of disk device"), persistent, config, live, current},
       cmdAttachDisk},
      {"attach-interface", g, "attach network interface", "",
       {dom, {"type", T::String, true, true, "network interface type"},
        {"source", T::String, true, true, "source of network interface (type user: any word, ignored)"},
        str("target", "target network name"),
        str("mac", "MAC address"), str("script", "script used to bridge network interface"),
        str("model", "model type"), str("alias", "custom alias name of interface device"),
        str("inbound", "control domain's incoming traffics"), str("outbound", "control domain's outgoing traffics"),
        persistent, config, live, current, flag("print-xml", "print XML document rather than attach the interface"),
        flag("managed", "libvirt will automatically detach/attach the device from/to host"),
        str("source-mode", "mode attribute of <source/> element")},
       cmdAttachInterface},
      {"blockresize", g, "Resize block device of domain.", "",
       {dom, {"path", T::String, true, true, "Fully-qualified path of block device"},
        {"size", T::Int, true, true, "New size of the block device, as scaled integer (default KiB)"}},
       cmdBlockresize},
      {"change-media", g, "Change media of CD or floppy drive", "",
       {dom, {"path", T::String, true, true, "Fully-qualified path or target of disk device"},
        {"source", T::String, false, true, "source of the media"}, flag("eject", "Eject the media"),
        flag("insert", "Insert the media"), flag("update", "Update the media"),
        flag("current", "can be either or both of --live and --config, depends on implementation hypervisor driver"),
        flag("live", "alter live configuration of running domain"),
        flag("config", "alter persistent configuration, effect observed on next boot"),
        flag("force", "force media changing"), flag("print-xml", "print XML document rather than change media"),
        flag("block", "source media is a block device")},
       cmdChangeMedia},
      {"detach-device", g, "detach device from an XML file", "", {dom, file, persistent, config, live, current},
       cmdDetachDevice},
      {"detach-disk", g, "detach disk device", "",
       {dom, {"target", T::String, true, true, "target of disk device"}, persistent, config, live, current,
        flag("print-xml", "print XML document rather than detach the disk")},
       cmdDetachDisk},
      {"detach-interface", g, "detach network interface", "",
       {dom, {"type", T::String, true, true, "network interface type"}, str("mac", "MAC address"), persistent,
        config, live, current, flag("print-xml", "print XML document rather than detach the interface")},
       cmdDetachInterface},
      {"update-device", g, "update device from an XML file", "",
       {dom, file, persistent, config, live, current, flag("force", "force device update")}, cmdUpdateDevice},
      {"vcpucount", g, "domain vcpu counts", "",
       {dom, flag("maximum", "get maximum count of vcpus"), flag("active", "get number of currently active vcpus"),
        flag("live", "get value from running domain"), flag("config", "get value to be used on next boot"),
        flag("current", "get value according to current domain state"),
        flag("guest", "retrieve vcpu count from the guest instead of the hypervisor")},
       cmdVcpucount},
  };
}

std::vector<CmdDef> mergeCommands(std::vector<CmdDef> table, const std::vector<CmdDef>& extra) {
  for (const auto& c : extra) {
    std::optional<std::size_t> after, first;
    for (std::size_t i = 0; i < table.size(); ++i) {
      if (table[i].group != c.group) continue;
      if (!first) first = i;
      if (table[i].name < c.name) after = i + 1;
    }
    // A new group goes before the shell's own commands, as virsh lists them.
    std::size_t end = table.size();
    for (std::size_t i = 0; i < table.size(); ++i)
      if (table[i].group == "Stratus itself") {
        end = i;
        break;
      }
    std::size_t at = after ? *after : first ? *first : end;
    table.insert(table.begin() + static_cast<std::ptrdiff_t>(at), c);
  }
  return table;
}

}  // namespace stratus::cli
