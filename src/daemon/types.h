// Wire-level types shared by every NodeService implementation (in-process
// node, HTTP client) and their front ends. JSON forms live in api/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conf/domain_def.h"
#include "conf/domain_state.h"

namespace stratus::daemon {

struct DomainSummary {
  int id = -1;  // -1 while inactive (virsh prints "-")
  std::string name;
  std::string uuid;
  conf::DomainState state = conf::DomainState::Shutoff;
  int reason = 0;
  bool persistent = true;
  bool autostart = false;
  bool managedSave = false;
  std::string title;
};

struct DomainInfo {
  DomainSummary summary;
  std::string osType;            // "hvm" (virsh dominfo "OS Type")
  std::uint64_t maxMemKiB = 0;   // "Max memory"
  std::uint64_t usedMemKiB = 0;  // "Used memory"
  unsigned vcpus = 0;            // "CPU(s)"
  std::uint64_t cpuTimeNs = 0;   // "CPU time" (active only)
  std::string securityModel = "none";
  std::string securityDoi = "0";
  std::string securityLabel;     // "label (enforcing)"; empty: line omitted
};

struct NodeInfo {
  std::string model;  // "x86_64"
  unsigned cpus = 0;
  unsigned mhz = 0;
  unsigned nodes = 1;
  unsigned sockets = 1;
  unsigned cores = 1;
  unsigned threads = 1;
  std::uint64_t memoryKiB = 0;
};

struct VersionInfo {
  std::string libraryVersion;     // Stratus' own version, "0.1.0"
  std::string hypervisorName;     // "QEMU", "Test"
  std::string hypervisorVersion;  // "7.2.22" (may be empty when unknown)
};

struct DefineResult {
  DomainSummary domain;
  std::vector<conf::Warning> warnings;  // unknown XML kept verbatim, etc.
};

// ---- options of the verbs (virsh flags, named) ----
struct UndefineOptions {
  bool managedSave = false;       // --managed-save: also remove the managed save image
  bool removeAllStorage = false;  // --remove-all-storage (accepted; storage arrives with pools)
  bool nvram = false;
  bool keepNvram = false;
};

struct XmlOptions {
  bool inactive = false;      // --inactive: the persistent definition
  bool securityInfo = false;  // --security-info
};

struct StartOptions {
  bool paused = false;       // --paused
  bool autodestroy = false;  // --autodestroy: destroy when the client connection closes
  bool bypassCache = false;
  bool forceBoot = false;    // --force-boot: discard a managed save
};

struct ShutdownOptions {
  std::string mode;  // "", "acpi", "agent", "initctl", "signal", "paravirt"
};

struct DestroyOptions {
  bool graceful = false;  // --graceful: SIGTERM only, no SIGKILL
};

// virsh's --live / --config / --current for commands that touch both the
// running guest and its persistent definition.
struct ModifyScope {
  bool live = false;
  bool config = false;
  // Neither set == --current: live if the domain is running, else config.
};

enum class MetadataKind { Title, Description };

// ---- virtual networks ----
struct NetworkSummary {
  std::string name;
  std::string uuid;
  bool active = false;
  bool persistent = true;
  bool autostart = false;
  std::string bridge;  // net-info "Bridge"; empty when the mode has none
};

struct NetworkDefineResult {
  NetworkSummary network;
  std::vector<conf::Warning> warnings;
};

struct NetworkXmlOptions {
  bool inactive = false;  // --inactive
};

// virsh net-update COMMAND SECTION XML [--parent-index N]
struct NetworkUpdate {
  std::string command;  // add | add-first | add-last | delete | modify
  std::string section;  // ip-dhcp-host | dns-host | ip-dhcp-range | dns-txt | dns-srv | portgroup | forward-interface
  std::string xml;      // the element to add / delete / modify
  int parentIndex = -1; // which <ip> (default: the first one that fits)
};

// One DHCP lease, as virsh net-dhcp-leases prints it.
struct DhcpLease {
  std::int64_t expiryTime = 0;  // seconds since the epoch; 0 = never
  std::string mac;
  std::string type;  // ipv4 | ipv6
  std::string ipaddr;
  unsigned prefix = 0;
  std::string hostname;  // "-" when unknown
  std::string clientId;  // "-" when unknown
  std::string iface;     // the network's bridge
};

// A guest NIC plugged into a network (virsh net-port-list).
struct NetworkPort {
  std::string uuid;
  std::string ownerName;  // the domain
  std::string ownerUuid;
  std::string mac;
  std::string tapName;
};

struct SaveOptions {
  bool running = false;
  bool paused = false;
  bool bypassCache = false;
  std::string format;  // save image format: "" (the daemon's default), raw, gzip, zstd, ...
  // save --xml / restore --xml: the domain XML to store in the image or to
  // restore with instead of the guest's own; same name and UUID ("": none).
  std::string xml;
};

// A domain's long-running job (save, restore), as virsh domjobinfo shows it
// (virDomainJobInfo + the typed parameters libvirt reports for a save).
struct JobInfo {
  std::string type = "none";  // none | unbounded | completed | failed | cancelled
  std::string operation;      // "" | save | restore | migration-out | migration-in
  std::uint64_t timeElapsedMs = 0;
  std::uint64_t dataTotal = 0, dataProcessed = 0, dataRemaining = 0;
  std::uint64_t memTotal = 0, memProcessed = 0, memRemaining = 0;
  std::uint64_t memBps = 0;  // bytes per second
  std::uint64_t pageSize = 0;
  std::uint64_t constantPages = 0, normalPages = 0, normalBytes = 0;
  std::uint64_t fileBytes = 0;  // bytes written to (save) or read from (restore) the image so far
  // Migration (virsh domjobinfo's migration lines; 0 where QEMU said nothing).
  std::uint64_t diskTotal = 0, diskProcessed = 0, diskRemaining = 0, diskBps = 0;
  std::uint64_t dirtyRate = 0;          // pages per second
  std::uint64_t memIteration = 0;
  std::uint64_t postcopyRequests = 0;
  std::uint64_t expectedDowntimeMs = 0;  // while running
  std::uint64_t downtimeMs = 0;          // once completed
  std::uint64_t setupTimeMs = 0;
  bool postcopy = false;                 // the migration is in post-copy
  int percent = 0;              // virsh's progress: 100 only once done
  std::string error;            // failed / cancelled: why
};

}  // namespace stratus::daemon
