// <os>: guest type, firmware/loader, boot order, direct kernel boot, boot menu.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/xml_element.h"

namespace stratus::conf {

class Elem;
struct DomainDef;

struct OsDef {
  std::string firmware;        // <os firmware='efi|bios'>
  Extra typeExtra;             // unknown attributes of <type>
  bool hasLoader = false;
  std::string loaderPath, loaderReadonly, loaderType, loaderSecure;
  Extra loaderExtra;
  bool hasNvram = false;
  std::string nvramPath, nvramTemplate;
  Extra nvramExtra;
  std::vector<std::string> bootDevs;  // hd, cdrom, fd, network (in order)
  std::optional<bool> bootMenu;
  std::optional<unsigned> bootMenuTimeout;
  std::string kernel, initrd, cmdline, dtb, init;
  LeafExtras leaf;  // extras of <boot>s, <bootmenu>, <kernel>, ...
  Extra extra;  // smbios, bios, acpi, firmware features, initarg, ...
  friend bool operator==(const OsDef&, const OsDef&) = default;
};

// Fills osType/arch/machine of `def` and def.os.
void parseOs(Elem& e, DomainDef& def);
void formatOs(XmlElement& domain, const DomainDef& def);

}  // namespace stratus::conf
