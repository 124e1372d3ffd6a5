// The command table: every command, its options and its help, in one place.
#include <algorithm>

#include "cli/handlers.h"

namespace stratus::cli {

namespace {
using T = OptType;
constexpr OptDef dom(std::string_view help = "domain name, id or uuid") {
  return {"domain", T::String, true, true, help};
}
constexpr OptDef flag(std::string_view name, std::string_view help) { return {name, T::Bool, false, false, help}; }
constexpr OptDef str(std::string_view name, std::string_view help) { return {name, T::String, false, false, help}; }
constexpr OptDef net(std::string_view help = "network name or uuid") {
  return {"network", T::String, true, true, help};
}
constexpr OptDef json() { return flag("json", "print machine-readable JSON"); }
constexpr OptDef live() { return flag("live", "affect the running domain"); }
constexpr OptDef config() { return flag("config", "affect the persistent definition"); }
constexpr OptDef current() { return flag("current", "affect the current state of the domain"); }

const std::vector<CmdDef>& table() {
  static const std::vector<CmdDef> cmds = {
      // ---- domain management ----
      {"autostart", "Domain Management", "mark a domain to start when the host boots", "",
       {dom(), flag("disable", "turn autostart off")}, cmdAutostart},
      {"create", "Domain Management", "create a transient domain from an XML file", "",
       {{"file", T::String, true, true, "file with the domain's XML description"},
        flag("console", "attach to the serial console after starting"), flag("paused", "leave the new guest paused"),
        flag("autodestroy", "destroy the guest when the client disconnects"),
        str("pass-fds", "accepted for compatibility"), flag("validate", "validate the XML against the schema")},
       cmdCreate},
      {"define", "Domain Management", "define (but don't start) a domain from an XML file", "",
       {{"file", T::String, true, true, "file with the domain's XML description"},
        flag("validate", "validate the XML against the schema")},
       cmdDefine},
      {"desc", "Domain Management", "show or change a domain's description or title",
       "Without --new-desc or --edit, prints the description (or title).",
       {dom(), live(), config(), current(), flag("title", "work on the title, not the description"),
        flag("edit", "edit the text in $VISUAL/$EDITOR"),
        {"new-desc", T::Argv, false, true, "the new text"}},
       cmdDesc, true, false},
      {"console", "Domain Management", "connect to the guest's serial console (leave with Ctrl-])", "",
       {dom(), str("devname", "character device alias (default: the first serial port)"),
        flag("force", "accepted for compatibility"), flag("safe", "accepted for compatibility")},
       cmdConsole, true, false},
      {"domdisplay", "Domain Management", "print the URI of the domain's graphical display", "",
       {dom(), str("type", "vnc or spice"), flag("include-password", "accepted for compatibility")},
       cmdDomdisplay},
      {"destroy", "Domain Management", "stop a domain immediately", "",
       {dom(), flag("graceful", "ask the hypervisor to stop the guest without force"),
        flag("remove-logs", "accepted for compatibility")},
       cmdDestroy},
      {"domrename", "Domain Management", "give an inactive domain a new name", "",
       {dom(), {"new-name", T::String, true, true, "the new name"}}, cmdDomrename},
      {"dumpxml", "Domain Management", "print the domain's XML description", "",
       {dom(), flag("inactive", "the persistent definition, not the running one"),
        flag("security-info", "include security-sensitive data"), flag("update-cpu", "accepted for compatibility"),
        flag("migratable", "accepted for compatibility")},
       cmdDumpxml},
      {"edit", "Domain Management", "edit a domain's XML definition in $VISUAL/$EDITOR", "",
       {dom()}, cmdEdit},
      {"event", "Domain Management", "wait for domain events and print them", "",
       {str("domain", "only events of this domain"), str("event", "only this event type"),
        flag("all", "every event type"), flag("loop", "keep waiting until interrupted"),
        {"timeout", T::Int, false, false, "stop after this many seconds"}, flag("list", "list the event types"),
        flag("timestamp", "prefix each event with the time")},
       cmdEvent, true, true},
      {"inject-nmi", "Domain Management", "send a non-maskable interrupt to the guest", "", {dom()}, cmdInjectNmi},
      {"managedsave", "Domain Management", "save a running domain's state to restore it at next start", "",
       {dom(), flag("bypass-cache", "avoid the file system cache"), flag("running", "start running next time"),
        flag("paused", "start paused next time"), flag("verbose", "show progress")},
       cmdManagedsave},
      {"managedsave-remove", "Domain Management", "drop a domain's managed save image", "",
       {dom()}, cmdManagedsaveRemove, true, false},
      {"reboot", "Domain Management", "reboot a domain", "",
       {dom(), str("mode", "how: acpi, agent, initctl, signal, paravirt")}, cmdReboot},
      {"reset", "Domain Management", "reset a domain like a hardware reset button", "", {dom()}, cmdReset},
      {"restore", "Domain Management", "start a domain from a saved state file", "",
       {{"file", T::String, true, true, "the saved state file"},
        flag("bypass-cache", "avoid the file system cache"), str("xml", "accepted for compatibility"),
        flag("running", "restore into running state"), flag("paused", "restore into paused state"),
        flag("reset-nvram", "accepted for compatibility")},
       cmdRestore},
      {"resume", "Domain Management", "resume a paused domain", "", {dom()}, cmdResume},
      {"save", "Domain Management", "save a running domain's state to a file and stop it", "",
       {dom(), {"file", T::String, true, true, "where to write the state"},
        flag("bypass-cache", "avoid the file system cache"), str("xml", "accepted for compatibility"),
        flag("running", "restore into running state"), flag("paused", "restore into paused state"),
        flag("verbose", "show progress")},
       cmdSave},
      {"setmaxmem", "Domain Management", "change a domain's maximum memory", "",
       {dom(), {"size", T::Int, true, true, "new maximum memory (KiB unless a unit is given)"}, config(),
        live(), current()},
       cmdSetmaxmem},
      {"setmem", "Domain Management", "change a domain's current memory", "",
       {dom(), {"size", T::Int, true, true, "new memory size (KiB unless a unit is given)"}, config(), live(),
        current()},
       cmdSetmem},
      {"setvcpus", "Domain Management", "change the number of virtual CPUs", "",
       {dom(), {"count", T::Int, true, true, "number of virtual CPUs"},
        flag("maximum", "set the maximum (with --config)"), config(), live(), current(),
        flag("guest", "accepted for compatibility"), flag("hotpluggable", "accepted for compatibility")},
       cmdSetvcpus},
      {"shutdown", "Domain Management", "ask a domain to shut down", "",
       {dom(), str("mode", "how: acpi, agent, initctl, signal, paravirt")}, cmdShutdown},
      {"start", "Domain Management", "start a defined, inactive domain", "",
       {dom("name of the inactive domain"), flag("console", "attach to the serial console after starting"),
        flag("paused", "leave the guest paused"), flag("autodestroy", "destroy the guest when the client disconnects"),
        flag("bypass-cache", "avoid the file system cache"),
        flag("force-boot", "boot afresh, discarding any managed save"),
        str("pass-fds", "accepted for compatibility"), flag("reset-nvram", "accepted for compatibility")},
       cmdStart},
      {"suspend", "Domain Management", "pause a running domain", "", {dom()}, cmdSuspend},
      {"undefine", "Domain Management", "remove a domain's persistent definition", "",
       {dom(), flag("managed-save", "also remove the managed save image"),
        flag("remove-all-storage", "accepted; storage arrives with pools"),
        flag("nvram", "also remove the NVRAM file"), flag("keep-nvram", "keep the NVRAM file")},
       cmdUndefine},
      // ---- domain monitoring ----
      {"vncdisplay", "Domain Monitoring", "print the VNC display of a running domain", "", {dom()},
       cmdVncdisplay},
      {"domid", "Domain Monitoring", "print a domain's id", "", {dom("domain name or uuid"), json()}, cmdDomid},
      {"dominfo", "Domain Monitoring", "print basic information about a domain", "", {dom(), json()},
       cmdDominfo},
      {"domname", "Domain Monitoring", "print a domain's name", "", {dom("domain id or uuid"), json()},
       cmdDomname},
      {"domstate", "Domain Monitoring", "print a domain's state", "",
       {dom(), flag("reason", "also print the reason of the state"), json()}, cmdDomstate},
      {"domuuid", "Domain Monitoring", "print a domain's UUID", "", {dom("domain id or name"), json()},
       cmdDomuuid},
      {"list", "Domain Monitoring", "list domains", "By default, only running domains are listed.",
       {flag("inactive", "inactive domains"), flag("all", "active and inactive domains"),
        flag("transient", "transient domains"), flag("persistent", "persistent domains"),
        flag("state-running", "running domains"), flag("state-paused", "paused domains"),
        flag("state-shutoff", "shut off domains"), flag("state-other", "domains in other states"),
        flag("autostart", "domains with autostart on"), flag("no-autostart", "domains with autostart off"),
        flag("with-managed-save", "domains with a managed save image"),
        flag("without-managed-save", "domains without a managed save image"), flag("uuid", "print UUIDs only"),
        flag("name", "print names only"), flag("id", "print ids only"), flag("table", "print a table (default)"),
        flag("managed-save", "show 'saved' for domains with a managed save image"),
        flag("title", "add a title column"), json()},
       cmdList},
      // ---- host and hypervisor ----
      {"hostname", "Host and Hypervisor", "print the host's name", "", {}, cmdHostname},
      {"nodeinfo", "Host and Hypervisor", "print information about the host", "", {json()}, cmdNodeinfo},
      {"uri", "Host and Hypervisor", "print the connection URI", "", {}, cmdUri},
      {"version", "Host and Hypervisor", "print library and hypervisor versions", "",
       {flag("daemon", "also print the daemon's version"), json()}, cmdVersion},
      // ---- networking ----
      {"net-autostart", "Networking", "mark a virtual network to start when the host boots", "",
       {net(), flag("disable", "turn autostart off")}, cmdNetAutostart},
      {"net-create", "Networking", "create and start a transient virtual network from an XML file", "",
       {{"file", T::String, true, true, "file with the network's XML description"},
        flag("validate", "validate the XML against the schema")},
       cmdNetCreate},
      {"net-define", "Networking", "define (but don't start) a virtual network, or change a defined one, from an XML file",
       "A network of the same name and UUID gets the new definition.",
       {{"file", T::String, true, true, "file with the network's XML description"},
        flag("validate", "validate the XML against the schema")},
       cmdNetDefine},
      {"net-destroy", "Networking", "stop a virtual network", "", {net()}, cmdNetDestroy},
      {"net-dhcp-leases", "Networking", "print the DHCP leases of a virtual network", "",
       {net(), str("mac", "only the leases of this MAC address"), json()}, cmdNetDhcpLeases},
      {"net-dumpxml", "Networking", "print a virtual network's XML description", "",
       {net(), flag("inactive", "the persistent definition, not the running one"),
        str("xpath", "print only what this XPath expression selects"),
        flag("wrap", "put the --xpath results under one <nodes> element")},
       cmdNetDumpxml},
      {"net-edit", "Networking", "edit a virtual network's XML definition in $VISUAL/$EDITOR", "", {net()}, cmdNetEdit},
      {"net-info", "Networking", "print basic information about a virtual network", "", {net(), json()}, cmdNetInfo},
      {"net-list", "Networking", "list virtual networks", "By default, only active networks are listed.",
       {flag("inactive", "inactive networks"), flag("all", "active and inactive networks"),
        flag("persistent", "persistent networks"), flag("transient", "transient networks"),
        flag("autostart", "networks with autostart on"), flag("no-autostart", "networks with autostart off"),
        flag("uuid", "print UUIDs only"), flag("name", "print names only"), flag("table", "print a table (default)"),
        json()},
       cmdNetList},
      {"net-name", "Networking", "print the name of the virtual network with this UUID", "",
       {net("network uuid"), json()}, cmdNetName},
      {"net-start", "Networking", "start a defined, inactive virtual network", "", {net()}, cmdNetStart},
      {"net-undefine", "Networking", "remove a virtual network's persistent definition", "", {net()},
       cmdNetUndefine},
      {"net-update", "Networking", "add, delete or modify one part of a virtual network's configuration",
       "COMMAND is add (add-last), add-first, delete or modify; SECTION one of bridge, domain, ip, ip-dhcp-host, "
       "ip-dhcp-range, forward, forward-interface, forward-pf, portgroup, dns-host, dns-txt, dns-srv; XML the "
       "element itself (starting with '<') or the name of a file holding it.",
       {net(), {"command", T::String, true, true, "add, add-first, add-last, delete or modify"},
        {"section", T::String, true, true, "which part of the configuration"},
        {"xml", T::String, true, true, "the XML element, or a file holding it"},
        {"parent-index", T::Int, false, false, "which <ip> element (counting from 0)"},
        flag("config", "affect the persistent definition"), flag("live", "affect the running network"),
        flag("current", "affect the current state of the network")},
       cmdNetUpdate},
      {"net-uuid", "Networking", "print the UUID of the virtual network with this name", "",
       {net("network name"), json()}, cmdNetUuid},
      {"net-port-list", "Networking", "list the guest interfaces plugged into a virtual network", "",
       {net(), flag("uuid", "print UUIDs only"), flag("table", "print a table (default)"), json()}, cmdNetPortList},
      // ---- shell ----
      {"connect", "Stratus itself", "connect (again) to a hypervisor", "",
       {{"name", T::String, false, true, "the connection URI"}, flag("readonly", "read-only connection")},
       cmdConnect, false},
      {"exit", "Stratus itself", "leave the interactive shell", "", {}, cmdQuit, false, false},
      {"help", "Stratus itself", "print help", "",
       {{"command", T::String, false, true, "a command or command group"}}, cmdHelp, false, true},
      {"quit", "Stratus itself", "leave the interactive shell", "", {}, cmdQuit, false, false},
  };
  return cmds;
}
}  // namespace

std::span<const CmdDef> commandTable() { return table(); }

const CmdDef* findCommand(std::string_view name) {
  for (const auto& c : commandTable())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace stratus::cli
