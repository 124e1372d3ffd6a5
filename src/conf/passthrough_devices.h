// Host-facing devices: <hostdev>, <filesystem>, <redirdev>, <smartcard>, <tpm>.
// Their sources differ a lot by type; the typed part is what the drivers
// need to decide, the sources are kept as generic elements.
#pragma once

#include <optional>
#include <string>

#include "conf/address.h"

namespace stratus::conf {

struct HostdevDef {
  std::string mode = "subsystem";  // subsystem, capabilities
  std::string type;                // pci, usb, scsi, scsi_host, mdev / storage, misc, net
  std::string managed, model;
  std::optional<XmlElement> source;
  DeviceInfo info;
  Extra extra;  // <driver>, <rom>, <readonly>, <shareable>, ...
  friend bool operator==(const HostdevDef&, const HostdevDef&) = default;
};

struct FilesystemDef {
  std::string type = "mount";  // mount, block, file, template, ram, bind, volume
  std::string accessmode, model, multidevs, fmode, dmode;
  std::string driverType, driverFormat, driverWrpolicy;
  Extra driverExtra;
  bool hasDriver = false;
  std::string sourceDir, sourceFile, sourceDev, sourceName, sourceUsage, sourceSocket;
  Extra sourceExtra;
  std::string targetDir;
  bool readonly = false;
  LeafExtras leaf;
  DeviceInfo info;
  Extra extra;  // <binary>, <idmap>, <space_hard_limit>, ...
  friend bool operator==(const FilesystemDef&, const FilesystemDef&) = default;
};

struct RedirdevDef {
  std::string bus = "usb";
  std::string type;  // spicevmc, tcp, ...
  std::optional<XmlElement> source;
  DeviceInfo info;
  Extra extra;  // <protocol>
  friend bool operator==(const RedirdevDef&, const RedirdevDef&) = default;
};

struct SmartcardDef {
  std::string mode;  // host, host-certificates, passthrough
  std::string type;  // passthrough: chardev type
  DeviceInfo info;
  Extra extra;  // <certificate>, <database>, <source>, <protocol>
  friend bool operator==(const SmartcardDef&, const SmartcardDef&) = default;
};

struct TpmDef {
  std::string model;        // tpm-tis, tpm-crb, tpm-spapr, spapr-tpm-proxy
  std::string backendType;  // passthrough, emulator, external
  std::string backendVersion, backendDevicePath;
  LeafExtras leaf;
  Extra backendExtra;  // persistent_state, <encryption>, <source>, ...
  DeviceInfo info;
  Extra extra;
  friend bool operator==(const TpmDef&, const TpmDef&) = default;
};

HostdevDef parseHostdev(Elem& e);
void formatHostdev(XmlElement& devices, const HostdevDef& h, const FormatOptions& opts);
FilesystemDef parseFilesystem(Elem& e);
void formatFilesystem(XmlElement& devices, const FilesystemDef& f, const FormatOptions& opts);
RedirdevDef parseRedirdev(Elem& e);
void formatRedirdev(XmlElement& devices, const RedirdevDef& r, const FormatOptions& opts);
SmartcardDef parseSmartcard(Elem& e);
void formatSmartcard(XmlElement& devices, const SmartcardDef& s, const FormatOptions& opts);
TpmDef parseTpm(Elem& e);
void formatTpm(XmlElement& devices, const TpmDef& t, const FormatOptions& opts);

}  // namespace stratus::conf
