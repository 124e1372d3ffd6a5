// <disk>: file/block/network/volume/dir backed disks, cdroms, floppies, luns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conf/address.h"

namespace stratus::conf {

struct DiskHost {
  std::string name, port, transport, socket;
  friend bool operator==(const DiskHost&, const DiskHost&) = default;
};

// <auth username><secret type usage|uuid/></auth>: inside <source> (where
// libvirt writes it today) or directly in <disk> (older XML); libvirt keeps
// the place it was read from, so do we.
struct DiskAuth {
  std::string username;
  bool hasSecret = false;
  std::string secretType, secretUsage, secretUuid;
  bool inSource = true;
  friend bool operator==(const DiskAuth&, const DiskAuth&) = default;
};

struct DiskCookie {
  std::string name, value;
  friend bool operator==(const DiskCookie&, const DiskCookie&) = default;
};

// The typed parts of a type='network' <source> beyond protocol, name and
// hosts (conf/disk_source_network.cpp): what the QEMU driver turns into
// block driver options. Empty / nullopt: absent.
struct DiskNetSource {
  std::string query;                  // @query (http/https)
  std::string tls, tlsHostname;       // @tls yes/no, @tlsHostname (nbd)
  std::string snapshot;               // <snapshot name> (rbd)
  std::string configFile;             // <config file> (rbd)
  std::string initiatorIqn;           // <initiator><iqn name> (iscsi)
  std::string sslVerify;              // <ssl verify> yes/no (https/ftps)
  std::vector<DiskCookie> cookies;    // <cookies><cookie name>V (http/https)
  std::optional<std::uint64_t> readahead, timeout;  // <readahead size>, <timeout seconds> (curl)
  std::optional<std::uint64_t> reconnectDelay;      // <reconnect delay> (nbd)
  std::string identityUser, identityGroup;          // <identity user group> (nfs)
  friend bool operator==(const DiskNetSource&, const DiskNetSource&) = default;
};

struct DiskDef {
  std::string type = "file";   // file, block, dir, network, volume, nvme, vhostuser, vhostvdpa
  std::string device = "disk"; // disk, cdrom, floppy, lun
  std::string snapshot, sgio, rawio, model;
  // <driver>
  bool hasDriver = false;
  std::string driverName, driverType, cache, io, discard, detectZeroes, errorPolicy;
  std::optional<unsigned> driverIothread;
  Extra driverExtra;
  // <source>
  bool hasSource = false;
  std::string sourceFile, sourceDev, sourceDir;          // by type
  std::string sourceProtocol, sourceName;                 // network
  std::vector<DiskHost> sourceHosts;
  DiskNetSource net;                                      // network: the rest of <source>
  std::optional<DiskAuth> auth;                           // network: <auth>
  std::string sourcePool, sourceVolume, sourceMode;       // volume
  // type='volume': what the node resolved pool/volume to before a start or
  // hot-plug (never parsed or formatted): "file", "block" or "network"
  // (iscsi pools: volumePath is "iscsi://HOST:PORT/IQN/LUN"), the path and
  // the volume's format. The driver runs the disk as that type.
  std::string volumeType, volumePath, volumeFormat;
  std::string startupPolicy;
  Extra sourceExtra;
  // <target>
  std::string targetDev, targetBus, targetTray, targetRemovable;
  Extra targetExtra;
  bool readonly = false, shareable = false, transient = false;
  std::string serial, wwn;
  LeafExtras leaf;  // extras of <source><host>, <readonly>, <serial>, ...
  DeviceInfo info;
  Extra extra;  // iotune, blockio, geometry, encryption, backingStore, ...
  friend bool operator==(const DiskDef&, const DiskDef&) = default;
};

// The file or device on this host a disk reads: <source file> or <source
// dev>, or a volume disk's resolved path; "" for others (network, dir, none).
const std::string& diskHostPath(const DiskDef& d);

DiskDef parseDisk(Elem& e);

// conf/disk_source_network.cpp: the network-only parts of <source> and <auth>.
void parseDiskNetSource(Elem& source, DiskDef& d);
DiskAuth parseDiskAuth(Elem& auth, bool inSource, LeafExtras& leaf);
void formatDiskNetSource(XmlElement& source, const DiskDef& d, const FormatOptions& opts);
void formatDiskAuth(XmlElement& parent, const DiskAuth& a);
// libvirt's port for a protocol's hosts without one (virStorageSourceNetworkDefaultPort);
// "" when the protocol has none (rbd, nfs).
std::string defaultNetworkPort(const std::string& protocol);
// Generic defaults of a network disk: hosts' default ports, iSCSI's LUN 0.
void diskNetworkDefaults(DiskDef& d);
void formatDisk(XmlElement& devices, const DiskDef& d, const FormatOptions& opts);

}  // namespace stratus::conf
