// The rows of migrate and migrate-* in the command table. Every option that
// takes a value may also be given positionally, in this order, as in virsh
// (migrate DOMAIN DESTURI MIGRATEURI ...).
#include "cli/migrate_cli.h"

namespace stratus::cli {

namespace {
using T = OptType;
constexpr const char* g = "Domain Management";
constexpr OptDef flag(std::string_view name, std::string_view help) { return {name, T::Bool, false, false, help}; }
constexpr OptDef arg(std::string_view name, std::string_view help) { return {name, T::String, false, true, help}; }
constexpr OptDef num(std::string_view name, std::string_view help) { return {name, T::Int, false, true, help}; }
constexpr OptDef dom() { return {"domain", T::String, true, true, "domain name, id or uuid"}; }
}  // namespace

std::vector<CmdDef> migrateCommands() {
  return {
      {"migrate", g, "move a domain to another host",
       "Moves the domain to the host DESTURI names (qemu+unix:///system?socket=PATH, qemu+tcp://HOST/system, "
       "qemu+ssh://USER@HOST/system). Add --live to keep it running while its memory moves. Without --p2p this "
       "client talks to both hosts; with --p2p the source host talks to the destination itself. Ctrl-C cancels: "
       "the guest then keeps running on the source.",
       {dom(),
        {"desturi", T::String, true, true, "the destination host's URI, as this client (or with --p2p the source host) reaches it"},
        flag("live", "keep the guest running while it moves"),
        flag("offline", "move the definition only (needs --persistent)"),
        flag("p2p", "let the source host run the migration with the destination"),
        flag("tunnelled", "send the guest through the hosts' connection (needs --p2p)"),
        flag("persistent", "define the guest on the destination"),
        flag("undefinesource", "remove the guest's definition from the source afterwards"),
        flag("suspend", "leave the guest paused on the destination"),
        flag("copy-storage-all", "copy every writable disk to the destination (no shared storage)"),
        flag("copy-storage-inc", "copy the disks' top layers only (the base images are shared)"),
        flag("unsafe", "migrate even when a disk's cache mode makes it unsafe"),
        flag("verbose", "show the progress"),
        flag("compressed", "compress the memory pages sent (multifd with zstd)"),
        flag("auto-converge", "slow the guest's CPUs down when its memory changes faster than it moves"),
        flag("postcopy", "allow switching to post-copy (migrate-postcopy, --timeout-postcopy)"),
        flag("postcopy-after-precopy", "switch to post-copy after the first pass over memory"),
        arg("migrateuri", "where the destination receives the data (tcp://HOST[:PORT]); usually left out"),
        arg("listen-address", "the address the destination listens on for the data"),
        arg("dname", "the guest's name on the destination"),
        num("timeout", "after this many seconds of a live migration, do what --timeout-* says (default: suspend)"),
        flag("timeout-suspend", "on --timeout, pause the guest so that the migration can finish"),
        flag("timeout-postcopy", "on --timeout, switch to post-copy"),
        arg("xml", "file with the domain XML to run on the destination (same name and UUID)"),
        arg("migrate-disks", "with --copy-storage-*: the disks to copy, comma separated (vda,vdb)"),
        num("bandwidth", "bandwidth limit in MiB/s"),
        // Not virsh's: how long a send whose byte count stands still may go on.
        {"stall-timeout", T::Int, false, false,
         "cancel when no data has moved for this many seconds (default 30; 0: never)"}},
       cmdMigrate},
      {"migrate-getmaxdowntime", g, "print the longest pause a live migration may cause", "",
       {dom()}, cmdMigrateGetMaxDowntime},
      {"migrate-getspeed", g, "print the migration bandwidth limit (MiB/s)", "",
       {dom(), flag("postcopy", "the post-copy phase's limit (not supported)")}, cmdMigrateGetSpeed},
      {"migrate-postcopy", g, "switch a running --postcopy migration to post-copy", "",
       {dom()}, cmdMigratePostcopy},
      {"migrate-setmaxdowntime", g, "set the longest pause a live migration may cause", "",
       {dom(), {"downtime", T::Int, true, true, "milliseconds"}}, cmdMigrateSetMaxDowntime},
      {"migrate-setspeed", g, "set the migration bandwidth limit", "",
       {dom(), {"bandwidth", T::Int, true, true, "MiB/s"},
        flag("postcopy", "the post-copy phase's limit (not supported)")},
       cmdMigrateSetSpeed},
  };
}

}  // namespace stratus::cli
