// <disk>: file/block/network/volume/dir backed disks, cdroms, floppies, luns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/address.h"

namespace stratus::conf {

struct DiskHost {
  std::string name, port, transport, socket;
  friend bool operator==(const DiskHost&, const DiskHost&) = default;
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
  std::string sourcePool, sourceVolume, sourceMode;       // volume
  // type='volume': what the node resolved pool/volume to before a start or
  // hot-plug (never parsed or formatted): "file" or "block", the path and
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

DiskDef parseDisk(Elem& e);
void formatDisk(XmlElement& devices, const DiskDef& d, const FormatOptions& opts);

}  // namespace stratus::conf
