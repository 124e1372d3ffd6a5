// version, uri, hostname, nodeinfo, help, connect, quit.
#include <algorithm>
#include <cctype>

#include "cli/handlers.h"

namespace stratus::cli {

namespace {
constexpr std::string_view kLibraryName = "stratus";
constexpr std::string_view kLibraryVersion = STRATUS_VERSION;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

bool cmdVersion(Ctl& ctl, const ParsedCmd& pc) {
  auto v = ctl.conn()->version();
  if (!v) return fail(ctl, "failed to get the hypervisor version", v.error());
  std::string hv = upper(v->hypervisorName);
  if (pc.has("json")) {
    return printJson(ctl, {{"library", {{"name", kLibraryName}, {"version", kLibraryVersion}}},
                           {"api", {{"name", hv}, {"version", v->libraryVersion}}},
                           {"hypervisor", {{"name", hv}, {"version", v->hypervisorVersion}}}});
  }
  ctl.printf("Compiled against library: {} {}\n", kLibraryName, kLibraryVersion);
  ctl.printf("Using library: {} {}\n", kLibraryName, v->libraryVersion);
  ctl.printf("Using API: {} {}\n", hv, v->libraryVersion);
  if (!v->hypervisorVersion.empty()) ctl.printf("Running hypervisor: {} {}\n", hv, v->hypervisorVersion);
  if (pc.has("daemon")) ctl.printf("Running against daemon: {}\n", v->libraryVersion);
  return true;
}

bool cmdUri(Ctl& ctl, const ParsedCmd&) {
  ctl.printf("{}\n", ctl.conn()->uri());
  return true;
}

bool cmdHostname(Ctl& ctl, const ParsedCmd&) {
  auto h = ctl.conn()->hostname();
  if (!h) return fail(ctl, "failed to get hostname", h.error());
  ctl.printf("{}\n", *h);
  return true;
}

bool cmdNodeinfo(Ctl& ctl, const ParsedCmd& pc) {
  auto n = ctl.conn()->nodeInfo();
  if (!n) return fail(ctl, "failed to get node information", n.error());
  if (pc.has("json")) {
    return printJson(ctl, {{"model", n->model}, {"cpus", n->cpus}, {"mhz", n->mhz}, {"nodes", n->nodes},
                           {"sockets", n->sockets}, {"cores", n->cores}, {"threads", n->threads},
                           {"memoryKiB", n->memoryKiB}});
  }
  ctl.printf("{:<21}{}\n", "CPU model:", n->model);
  ctl.printf("{:<21}{}\n", "CPU(s):", n->cpus);
  ctl.printf("{:<21}{} MHz\n", "CPU frequency:", n->mhz);
  ctl.printf("{:<21}{}\n", "CPU socket(s):", n->sockets);
  ctl.printf("{:<21}{}\n", "Core(s) per socket:", n->cores);
  ctl.printf("{:<21}{}\n", "Thread(s) per core:", n->threads);
  ctl.printf("{:<21}{}\n", "NUMA cell(s):", n->nodes);
  ctl.printf("{:<21}{} KiB\n", "Memory size:", n->memoryKiB);
  return true;
}

namespace {
std::string optSyntax(const OptDef& o, bool inSynopsis) {
  std::string_view kind = o.type == OptType::Int ? "<number>" : "<string>";
  if (o.type == OptType::Bool) return fmt::format("--{}", o.name);
  if (o.positional) {
    if (inSynopsis) {
      std::string s = o.type == OptType::Argv ? fmt::format("[--{}] <string>]...", o.name)
                                              : fmt::format("<{}>", o.name);
      if (o.type == OptType::Argv) s = "[" + s;
      return o.required || o.type == OptType::Argv ? s : "[" + s + "]";
    }
    return fmt::format("[--{}] {}", o.name, kind);
  }
  return fmt::format("--{} {}", o.name, kind);
}

void commandHelp(Ctl& ctl, const CmdDef& c) {
  ctl.printf("  NAME\n    {} - {}\n\n  SYNOPSIS\n    {}", c.name, c.summary, c.name);
  for (const auto& o : c.opts) {
    std::string s = optSyntax(o, true);
    if (!o.required && !o.positional) s = "[" + s + "]";
    ctl.printf(" {}", s);
  }
  ctl.print("\n\n");
  if (!c.description.empty()) ctl.printf("  DESCRIPTION\n    {}\n\n", c.description);
  if (!c.opts.empty()) {
    ctl.print("  OPTIONS\n");
    for (const auto& o : c.opts) {
      std::string s = optSyntax(o, false);
      ctl.printf("    {:<15}  {}\n", s, o.help);
    }
    ctl.print("\n");
  }
}
}  // namespace

bool showCommandHelp(Ctl& ctl, std::string_view name);

namespace {
// virsh's one-word group keywords.
std::string_view groupKeyword(std::string_view group) {
  if (group == "Domain Management") return "domain";
  if (group == "Domain Monitoring") return "monitor";
  if (group == "Host and Hypervisor") return "host";
  if (group == "Networking") return "network";
  if (group == "Storage Pool") return "pool";
  if (group == "Storage Volume") return "volume";
  return "virsh";
}
}  // namespace

bool cmdHelp(Ctl& ctl, const ParsedCmd& pc) {
  if (auto which = pc.find("command")) return showCommandHelp(ctl, *which);
  ctl.print("Grouped commands:\n\n");
  std::vector<std::string_view> groups;
  for (const auto& c : commandTable())
    if (std::find(groups.begin(), groups.end(), c.group) == groups.end()) groups.push_back(c.group);
  for (auto g : groups) {
    ctl.printf(" {} (help keyword '{}'):\n", g, groupKeyword(g));
    for (const auto& c : commandTable())
      if (c.group == g) ctl.printf("    {:<30} {}\n", c.name, c.summary);
    ctl.print("\n");
  }
  return true;
}

bool showCommandHelp(Ctl& ctl, std::string_view name) {
  std::string_view keyword = name == "stratus" ? std::string_view("virsh") : name;
  if (const CmdDef* c = findCommand(name)) {
    commandHelp(ctl, *c);
    return true;
  }
  bool any = false;
  for (const auto& c : commandTable()) {
    if (groupKeyword(c.group) == keyword) {
      if (!any) ctl.printf(" {} (help keyword '{}'):\n", c.group, keyword);
      any = true;
      ctl.printf("    {:<30} {}\n", c.name, c.summary);
    }
  }
  if (any) {
    ctl.print("\n");
    return true;
  }
  ctl.error(fmt::format("command or command group '{}' doesn't exist", name));
  return false;
}

bool cmdQuit(Ctl& ctl, const ParsedCmd&) {
  ctl.requestExit();
  return true;
}

bool cmdConnect(Ctl& ctl, const ParsedCmd& pc) {
  std::string uri = pc.has("name") ? pc.get("name") : ctl.uri();
  ctl.setConnection(nullptr, uri);
  if (pc.has("readonly")) ctl.readonly = true;
  return ctl.conn() != nullptr;
}

}  // namespace stratus::cli
