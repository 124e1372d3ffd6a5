// Handlers of every command (one family per cmd_*.cpp) and helpers they share.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/ctl.h"

namespace stratus::cli {

// cmd_host.cpp
bool cmdVersion(Ctl&, const ParsedCmd&);
bool cmdUri(Ctl&, const ParsedCmd&);
bool cmdHostname(Ctl&, const ParsedCmd&);
bool cmdNodeinfo(Ctl&, const ParsedCmd&);
bool cmdHelp(Ctl&, const ParsedCmd&);
bool cmdQuit(Ctl&, const ParsedCmd&);
bool cmdConnect(Ctl&, const ParsedCmd&);
// cmd_list.cpp
bool cmdList(Ctl&, const ParsedCmd&);
// cmd_info.cpp
bool cmdDominfo(Ctl&, const ParsedCmd&);
bool cmdDomid(Ctl&, const ParsedCmd&);
bool cmdDomuuid(Ctl&, const ParsedCmd&);
bool cmdDomname(Ctl&, const ParsedCmd&);
bool cmdDomstate(Ctl&, const ParsedCmd&);
bool cmdDumpxml(Ctl&, const ParsedCmd&);
// cmd_define.cpp
bool cmdDefine(Ctl&, const ParsedCmd&);
bool cmdUndefine(Ctl&, const ParsedCmd&);
bool cmdEdit(Ctl&, const ParsedCmd&);
bool cmdAutostart(Ctl&, const ParsedCmd&);
bool cmdDesc(Ctl&, const ParsedCmd&);
bool cmdDomrename(Ctl&, const ParsedCmd&);
// cmd_dom_transfer.cpp
bool cmdDomExport(Ctl&, const ParsedCmd&);
bool cmdDomImport(Ctl&, const ParsedCmd&);
// cmd_lifecycle.cpp
bool cmdStart(Ctl&, const ParsedCmd&);
bool cmdCreate(Ctl&, const ParsedCmd&);
bool cmdShutdown(Ctl&, const ParsedCmd&);
bool cmdDestroy(Ctl&, const ParsedCmd&);
bool cmdSuspend(Ctl&, const ParsedCmd&);
bool cmdResume(Ctl&, const ParsedCmd&);
bool cmdReboot(Ctl&, const ParsedCmd&);
bool cmdReset(Ctl&, const ParsedCmd&);
bool cmdInjectNmi(Ctl&, const ParsedCmd&);
// cmd_save.cpp
bool cmdSave(Ctl&, const ParsedCmd&);
bool cmdRestore(Ctl&, const ParsedCmd&);
bool cmdManagedsave(Ctl&, const ParsedCmd&);
bool cmdManagedsaveRemove(Ctl&, const ParsedCmd&);
// cmd_jobs.cpp
bool cmdDomjobinfo(Ctl&, const ParsedCmd&);
bool cmdDomjobabort(Ctl&, const ParsedCmd&);
bool cmdSaveImageDumpxml(Ctl&, const ParsedCmd&);
bool cmdSaveImageDefine(Ctl&, const ParsedCmd&);
bool cmdSaveImageEdit(Ctl&, const ParsedCmd&);
// virsh domjobinfo's text (--completed, --anystats as virsh).
std::string formatJobInfo(const daemon::JobInfo& j, bool completed, bool anystats);
// Run `work` (a save or restore) while Ctrl-C aborts the job of `domainKey`;
// with `verbose`, show virsh's progress bar ("\rLABEL: [ 63 %]" on stderr)
// from that job meanwhile.
Status watchJob(Ctl& ctl, std::string_view label, const std::string& domainKey, bool verbose,
                const std::function<Status()>& work);
// The name of the domain in a save image ("" when it cannot be read).
std::string saveImageDomainName(Ctl& ctl, const std::string& file);
// cmd_resources.cpp
bool cmdSetmem(Ctl&, const ParsedCmd&);
bool cmdSetmaxmem(Ctl&, const ParsedCmd&);
bool cmdSetvcpus(Ctl&, const ParsedCmd&);
// cmd_event.cpp
bool cmdEvent(Ctl&, const ParsedCmd&);
// cmd_console.cpp
bool cmdConsole(Ctl&, const ParsedCmd&);
// start --console / create --console
bool attachConsole(Ctl& ctl, const std::string& domain);
bool cmdVncdisplay(Ctl&, const ParsedCmd&);
bool cmdDomdisplay(Ctl&, const ParsedCmd&);
std::string formatLifecycleEvent(const daemon::DomainEvent& e);
// cmd_network.cpp
bool cmdNetDefine(Ctl&, const ParsedCmd&);
bool cmdNetCreate(Ctl&, const ParsedCmd&);
bool cmdNetUndefine(Ctl&, const ParsedCmd&);
bool cmdNetStart(Ctl&, const ParsedCmd&);
bool cmdNetDestroy(Ctl&, const ParsedCmd&);
bool cmdNetAutostart(Ctl&, const ParsedCmd&);
bool cmdNetInfo(Ctl&, const ParsedCmd&);
bool cmdNetUuid(Ctl&, const ParsedCmd&);
bool cmdNetName(Ctl&, const ParsedCmd&);
bool cmdNetDumpxml(Ctl&, const ParsedCmd&);
bool cmdNetEdit(Ctl&, const ParsedCmd&);
bool cmdNetUpdate(Ctl&, const ParsedCmd&);
// cmd_network_list.cpp
bool cmdNetList(Ctl&, const ParsedCmd&);
bool cmdNetDhcpLeases(Ctl&, const ParsedCmd&);
bool cmdNetPortList(Ctl&, const ParsedCmd&);

// ---- shared helpers (cmd_util.cpp) ----
// Looks the domain up as virsh does: a number as a running domain's id, a
// 36-character text as a UUID, else a name; `by` limits which of the three
// count (domid takes no id, domuuid no UUID, domname no name). Prints
// "failed to get domain 'X'" when nothing matches.
enum LookupBy : unsigned { ById = 1, ByUuid = 2, ByName = 4, ByAny = 7 };
std::optional<daemon::DomainSummary> lookupDomain(Ctl& ctl, const ParsedCmd& pc,
                                                  std::string_view opt = "domain", unsigned by = ByAny);
// Looks the network of option "network" up as virsh does: a 36-character
// text as a UUID (any case), else as a name; `by` limits which count
// (net-uuid takes no UUID, net-name no name). Prints "failed to get network
// 'X'" and the reason when nothing matches.
enum NetLookupBy : unsigned { NetByUuid = 1, NetByName = 2, NetByAny = 3 };
std::optional<daemon::NetworkSummary> lookupNetwork(Ctl& ctl, const ParsedCmd& pc, unsigned by = NetByAny);
nlohmann::json networkJson(const daemon::NetworkSummary& n);
// Prints "error: WHAT" then the node's error; returns false.
bool fail(Ctl& ctl, std::string_view what, const Error& e);
// Prints the node's error alone; returns false.
bool fail(Ctl& ctl, const Error& e);
// Pretty JSON and a newline; returns true.
bool printJson(Ctl& ctl, const nlohmann::json& j);
nlohmann::json summaryJson(const daemon::DomainSummary& d);
// --live/--config/--current; false (with virsh's error) when mutually exclusive.
std::optional<daemon::ModifyScope> modifyScope(Ctl& ctl, const ParsedCmd& pc);
// Whole file into `out`; virsh's error on failure.
bool readFile(Ctl& ctl, const std::string& path, std::string& out);

}  // namespace stratus::cli

namespace stratus::cli {
// cmd_edit.cpp: let the user edit `text` in $VISUAL/$EDITOR (default vi);
// nullopt (with an error printed) when the editor fails.
std::optional<std::string> editText(Ctl& ctl, const std::string& text, const char* suffix);
// edit / net-edit: edit `original` until `define` accepts it (it returns the
// defined object's name) or the user gives up at virsh's "Try again?"
// prompt. Prints `notChanged` when the text came back unchanged, else
// edited(name).
bool editDefinition(Ctl& ctl, const std::string& original, std::string_view notChanged,
                    const std::function<Result<std::string>(const std::string&)>& define,
                    const std::function<std::string(const std::string&)>& edited);
}  // namespace stratus::cli
